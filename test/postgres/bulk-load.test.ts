import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { ginFastupdate } from "../../src/backends/postgres/bulk-load.js";
import type { Queryable } from "../../src/backends/postgres/driver.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { createStore, memoryBackend } from "../../src/index.js";
import { reconcilePass } from "../../src/dual-write/feed.js";
import { backfill } from "../../src/sync/index.js";
import { withClient } from "../support/pg-client.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";

// Bulk-load mode on PostgreSQL: GIN fastupdate on for the load's collections only, and back to
// the schema's value (off) when the load ends: after a failed backfill too, and after a load that
// was killed before its end.
const url = useTestDatabase(async (u) => void (await migrate(u)));
let target: Backend;
beforeAll(() => {
  target = postgresBackend({ connectionString: url(), poolSize: 2 });
});
afterAll(async () => {
  await target.close();
});

const ENTRIES = ['"journal_store"."journal_entries_tags"', '"journal_store"."journal_entries_search_text_trgm"'];
const CONTENT = ['"journal_store"."psychology_content_tags"', '"journal_store"."psychology_content_search_text_trgm"'];

/** fastupdate of every GIN index, read on a connection of its own. */
function fastupdate(): Promise<Record<string, boolean>> {
  return withClient(url(), (c) => {
    const q: Queryable = { query: async (text, params) => (await c.query(text, params as unknown[])).rows };
    return ginFastupdate(q, ["journalEntries", "psychologyContent"]);
  });
}

const all = (on: boolean, names: string[]) => Object.fromEntries(names.map((n) => [n, on]));

describe("PostgreSQL bulk load", () => {
  it("turns fastupdate on for the named collections only, and back off at the end (twice is fine)", async () => {
    expect(await fastupdate()).toEqual({ ...all(false, ENTRIES), ...all(false, CONTENT) });
    const load = await target.beginBulkLoad!(["journalEntries"]);
    expect(await fastupdate()).toEqual({ ...all(true, ENTRIES), ...all(false, CONTENT) });
    await load.end();
    await load.end();
    expect(await fastupdate()).toEqual({ ...all(false, ENTRIES), ...all(false, CONTENT) });
  });

  it("backfill runs in bulk-load mode and ends it even when the run fails", async () => {
    await withClient(url(), (c) => c.query(TRUNCATE_ALL));
    const memory = memoryBackend();
    const store = createStore({ backend: memory });
    const user = await store.users.create({ email: "ada@example.com", displayName: "Ada" });
    for (let i = 0; i < 3; i++) await store.entries.create({ userId: user.id, title: `t${i}`, content: "calm" });
    const seen: Record<string, boolean>[] = [];
    const failing: Backend = {
      ...memory,
      async scan(collection, options) {
        if (collection === "journalEntries") {
          seen.push(await fastupdate());
          throw new Error("source went away");
        }
        return memory.scan(collection, options);
      },
    };
    const report = await backfill({ source: failing, target });
    expect(report.status).toBe("failed");
    expect(report.error).toContain("source went away");
    expect(seen).toEqual([{ ...all(true, ENTRIES), ...all(true, CONTENT) }]);
    expect(await fastupdate()).toEqual({ ...all(false, ENTRIES), ...all(false, CONTENT) });

    const off = await backfill({ source: memory, target, bulkLoad: false });
    expect(off.status).toBe("completed");
    await memory.close();
  });

  it("a load killed before its end is put right by the next one", async () => {
    await withClient(url(), (c) => c.query(`ALTER INDEX ${ENTRIES[0]} SET (fastupdate = true)`));
    const load = await target.beginBulkLoad!(["journalEntries"]);
    await load.end();
    expect(await fastupdate()).toEqual({ ...all(false, ENTRIES), ...all(false, CONTENT) });
  });
});

describe("a reconcile pass with a long backlog", () => {
  /** A memory source with one user and `n` entries: n + 1 changes in its feed. */
  async function source(n: number): Promise<Backend> {
    const memory = memoryBackend();
    const store = createStore({ backend: memory });
    const user = await store.users.create({ email: "ada@example.com", displayName: "Ada" });
    for (let i = 0; i < n; i++) await store.entries.create({ userId: user.id, title: `t${i}`, content: `calm day ${i}` });
    return memory;
  }

  /** `target`, reading fastupdate whenever entries are applied to it; `failAt` makes that call fail. */
  function observed(seen: Record<string, boolean>[], failAt?: number): Backend {
    let calls = 0;
    return new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === "applyReplicated") {
          return async (collection: string, rows: never[]) => {
            if (collection === "journalEntries") {
              seen.push(await fastupdate());
              if (++calls === failAt) throw new Error("the target went away");
            }
            return t.applyReplicated(collection as never, rows);
          };
        }
        const value = Reflect.get(t, prop, receiver);
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  }

  it("runs as a bulk load above bulkLoadAbove changes, and not at or below it", async () => {
    await withClient(url(), (c) => c.query(TRUNCATE_ALL));
    const memory = await source(6); // 7 changes
    const above: Record<string, boolean>[] = [];
    const bulk = await reconcilePass({ source: memory, target: observed(above), since: 0, batchSize: 4, bulkLoadAbove: 6 });
    expect(bulk.applied).toBe(7);
    expect(above).toEqual([{ ...all(true, ENTRIES), ...all(true, CONTENT) }, { ...all(true, ENTRIES), ...all(true, CONTENT) }]);
    expect(await fastupdate()).toEqual({ ...all(false, ENTRIES), ...all(false, CONTENT) });

    await withClient(url(), (c) => c.query(TRUNCATE_ALL));
    const atLimit: Record<string, boolean>[] = [];
    const plain = await reconcilePass({ source: memory, target: observed(atLimit), since: 0, batchSize: 4, bulkLoadAbove: 7 });
    expect(plain.applied).toBe(7);
    expect(atLimit).toEqual([{ ...all(false, ENTRIES), ...all(false, CONTENT) }, { ...all(false, ENTRIES), ...all(false, CONTENT) }]);
    await memory.close();
  });

  it("ends the bulk load when the pass fails", async () => {
    await withClient(url(), (c) => c.query(TRUNCATE_ALL));
    const memory = await source(6);
    const seen: Record<string, boolean>[] = [];
    await expect(reconcilePass({ source: memory, target: observed(seen, 2), since: 0, batchSize: 4, bulkLoadAbove: 1 })).rejects.toThrow("the target went away");
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual({ ...all(true, ENTRIES), ...all(true, CONTENT) });
    expect(await fastupdate()).toEqual({ ...all(false, ENTRIES), ...all(false, CONTENT) });
    await memory.close();
  });
});
