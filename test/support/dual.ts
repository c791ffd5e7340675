import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { expect } from "vitest";
import type { Backend, Stored } from "../../src/backend.js";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { postgresBackend } from "../../src/backends/postgres/index.js";
import { diffRows } from "../../src/diff.js";
import { dualWriteBackend, type DualWriteBackend } from "../../src/dual-write/index.js";
import type { DualWriteOptions } from "../../src/dual-write/options.js";
import { REPLICATED_COLLECTIONS } from "../../src/model/collections.js";
import type { ConformanceTarget } from "../../src/testing/index.js";
import { keepOpen } from "./keep-open.js";
import { withSpareCopy } from "./spare-copy.js";
import { TRUNCATE_ALL } from "./postgres.js";

/** One side of a dual write in a test: opens the same storage again on demand. */
export interface TestSide {
  open(): Promise<Backend>;
  /** Empties the storage (before a test). */
  reset(): Promise<void>;
  dispose(): Promise<void>;
}

/** A JSON-file side in a fresh temporary directory per reset. */
export function jsonSide(): TestSide & { dir(): string } {
  let dir: string | undefined;
  return {
    dir: () => dir!,
    async reset() {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = await mkdtemp(join(tmpdir(), "journal-dual-"));
    },
    async open() {
      return jsonFileBackend({ dir: dir! });
    },
    async dispose() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL side on a migrated database, truncated per reset. */
export function postgresSide(url: () => string): TestSide {
  return {
    async reset() {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(TRUNCATE_ALL);
      } finally {
        await client.end();
      }
    },
    async open() {
      return postgresBackend({ connectionString: url(), poolSize: 4 });
    },
    async dispose() {},
  };
}

/** Every replicated row of `backend`, by collection, in id order. */
export async function everyRow(backend: Backend): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const collection of REPLICATED_COLLECTIONS) {
    const rows: Record<string, unknown>[] = [];
    let afterId: string | null = null;
    for (;;) {
      const page: Stored[] = await backend.scan(collection, { afterId, limit: 1000 });
      for (const { changeSeq: _local, ...row } of page) rows.push(row);
      if (page.length < 1000) break;
      afterId = page[page.length - 1]!.id;
    }
    out[collection] = rows;
  }
  return out;
}

/** Asserts the two backends hold exactly the same replicated rows. */
export async function expectSidesEqual(a: Backend, b: Backend): Promise<void> {
  const [ra, rb] = await Promise.all([everyRow(a), everyRow(b)]);
  for (const collection of REPLICATED_COLLECTIONS) {
    const left = ra[collection]!;
    const right = rb[collection]!;
    expect(right.map((r) => r.id), `${collection} ids`).toEqual(left.map((r) => r.id));
    left.forEach((row, i) => expect(diffRows(row, right[i]!), `${collection} ${String(row.id)}`).toEqual([]));
  }
}

/**
 * A conformance target for a dual-write backend over two test sides. After every test it
 * reconciles and checks that both sides hold identical rows, so each conformance case is also a
 * replication case. A second copy made within one case runs over the `spare` sides
 * ({@link withSpareCopy}), so the first copy keeps what it holds.
 */
export function dualTarget(from: TestSide, to: TestSide, options: Omit<DualWriteOptions, "from" | "to">, spare: { from: TestSide; to: TestSide }): ConformanceTarget {
  let sides: { from: Backend; to: Backend } | undefined;
  let last: DualWriteBackend | undefined;
  const open = async (): Promise<DualWriteBackend> => {
    sides = { from: await from.open(), to: await to.open() };
    last = dualWriteBackend({ reconcileIntervalMs: 60_000, ...options, from: keepOpen(sides.from), to: keepOpen(sides.to) });
    return last;
  };
  const target: ConformanceTarget = {
    async create() {
      // The previous case's async writes still queued must land before the reset, not on the
      // fresh sides after it.
      await last?.flush().catch(() => undefined);
      await Promise.all([from.reset(), to.reset()]);
      return open();
    },
    async reopen(backend) {
      await backend.close();
      await Promise.all([sides!.from.close(), sides!.to.close()]);
      return open();
    },
    async cleanup() {
      if (!sides) return;
      const { from: f, to: t } = sides;
      sides = undefined;
      try {
        const check = dualWriteBackend({ reconcileIntervalMs: 60_000, ...options, from: keepOpen(f), to: keepOpen(t) });
        await check.flush();
        await check.close();
        await expectSidesEqual(f, t);
      } finally {
        await Promise.allSettled([f.close(), t.close()]);
      }
    },
  };
  // The spare copy owns its sides: closing it closes them.
  return withSpareCopy(target, async () => {
    await Promise.all([spare.from.reset(), spare.to.reset()]);
    return dualWriteBackend({ reconcileIntervalMs: 60_000, ...options, from: await spare.from.open(), to: await spare.to.open() });
  });
}
