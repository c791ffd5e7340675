import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { digestOf } from "../../src/digest.js";
import { REPLICATED_COLLECTIONS } from "../../src/model/collections.js";
import type { CollectionName, JournalEntryRow } from "../../src/model/rows.js";
import { createStore } from "../../src/store/create-store.js";
import { SYNC_DEFAULTS, backfill, compare, type CompareReport } from "../../src/sync/index.js";
import { bisectCollection } from "../../src/sync/bisect.js";
import type { RowDivergence } from "../../src/sync/report.js";
import { TestClock, sequentialIds } from "../../src/testing/index.js";
import { DIGEST_NUMBERS, seedDigestValues } from "../../src/testing/suites/digest.js";
import { generateDataset } from "../support/dataset.js";
import { jsonSide, postgresSide } from "../support/dual.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";

// compare by checksums against compare by rows, on a real PostgreSQL (DATABASE_URL), PGlite, the
// memory backend and a real JSON directory: the same divergences, and equal ranges never fetched.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const pgSide = postgresSide(url);
let lite: PGlite;
beforeAll(async () => {
  lite = new PGlite({ extensions: { pg_trgm } });
  await migrate(drizzle({ client: lite }));
});
afterAll(async () => {
  await lite.close();
  await json.dispose();
});

type Kind = "postgres" | "pglite" | "memory" | "json";
const open: Record<Kind, () => Promise<Backend>> = {
  postgres: async () => {
    await pgSide.reset();
    return pgSide.open();
  },
  pglite: async () => {
    await lite.exec(TRUNCATE_ALL);
    return postgresBackend({ db: drizzle({ client: lite }) });
  },
  memory: async () => memoryBackend(),
  json: async () => {
    await json.reset();
    return json.open();
  },
};

/** Two fresh backends of the given kinds (closed after the callback). */
async function withPair(kinds: [Kind, Kind], fn: (a: Backend, b: Backend) => Promise<void>): Promise<void> {
  const a = await open[kinds[0]]();
  const b = await open[kinds[1]]();
  try {
    await fn(a, b);
  } finally {
    await Promise.allSettled([a.close(), b.close()]);
  }
}

/** The same facade calls on `backend` as on every other one (same clock, same ids). */
const storeOver = (backend: Backend) => createStore({ backend, clock: new TestClock().now, ids: sequentialIds() });

/** Compare both ways; the reports must name the same divergences. */
async function bothWays(source: Backend, target: Backend): Promise<{ checksum: CompareReport; rows: CompareReport }> {
  const checksum = await compare({ source, target, strategy: "checksum", record: false });
  const rows = await compare({ source, target, strategy: "rows", record: false });
  expect(checksum).toMatchObject({ status: "completed", strategy: "checksum" });
  expect(rows).toMatchObject({ status: "completed", strategy: "rows" });
  expect(checksum.divergences).toEqual(rows.divergences);
  expect(checksum.collections).toEqual(rows.collections);
  return { checksum, rows };
}

/** The next double above `n`. */
function nextUp(n: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  view.setBigUint64(0, view.getBigUint64(0) + (n >= 0 ? 1n : -1n));
  return view.getFloat64(0);
}

/** Bumps a row's version on both sides, with `changes` on the target only. */
async function plant(source: Backend, target: Backend, collection: CollectionName, row: { id: string }, changes: Record<string, unknown>): Promise<void> {
  const [s] = await source.getMany(collection, [row.id]);
  const [t] = await target.getMany(collection, [row.id]);
  await replicateNext(source, collection, { ...(s as object) });
  await replicateNext(target, collection, { ...(t as object), ...changes });
}

/** Writes `row` (a stored row, changed) on `backend` as the next version. */
async function replicateNext(backend: Backend, collection: CollectionName, row: Record<string, unknown>): Promise<void> {
  const { changeSeq: _local, ...rest } = row;
  const next = { ...rest, version: (row.version as number) + 1 } as never;
  expect(await backend.applyReplicated(collection, [next])).toEqual([{ id: row.id, outcome: "applied" }]);
}

const PAIRS: [Kind, Kind][] = [
  ["memory", "postgres"],
  ["postgres", "json"],
  ["pglite", "memory"],
  ["postgres", "pglite"],
];

describe("checksum and row comparison agree", () => {
  for (const pair of PAIRS) {
    it(`on every hard value and tombstone, with nothing fetched when equal (${pair.join(" -> ")})`, async () => {
      await withPair(pair, async (source, target) => {
        await seedDigestValues(storeOver(source), source);
        await seedDigestValues(storeOver(target), target);
        for (const collection of REPLICATED_COLLECTIONS) {
          expect(await digestOf(source, collection, {}), collection).toEqual(await digestOf(target, collection, {}));
        }
        const { checksum, rows } = await bothWays(source, target);
        expect(checksum.divergences).toEqual([]);
        expect(checksum.rowsFetched).toBe(0);
        expect(rows.rowsFetched).toBeGreaterThan(50);
      });
    });

    it(`on planted differences in tricky values (${pair.join(" -> ")})`, async () => {
      await withPair(pair, async (source, target) => {
        await seedDigestValues(storeOver(source), source);
        await seedDigestValues(storeOver(target), target);
        const entries = (await target.scan("journalEntries", { limit: 1000 })) as unknown as (JournalEntryRow & { changeSeq: number })[];
        const live = entries.filter((e) => !e.deleted && e.embedding && e.embedding.length > 2);
        const user = (await target.scan("users", { limit: 10 }))[1]!;
        // A double one unit in the last place away, a -0 against 0 (equal to the comparator), an
        // astral character added, a value added deep in JSON, a tombstone on one side only.
        await plant(source, target, "journalEntries", live[0]!, { embedding: live[0]!.embedding!.map((n, i) => (i === 0 ? nextUp(n) : n)) });
        await plant(source, target, "journalEntries", live[1]!, { embedding: live[1]!.embedding!.map((n) => (n === 0 ? -0 : n)) });
        await plant(source, target, "journalEntries", live[2]!, { content: `${live[2]!.content}𝒜` });
        await plant(source, target, "journalEntries", live[3]!, { metadata: { ...live[3]!.metadata, numbers: [...DIGEST_NUMBERS, { deep: [] }] } });
        await plant(source, target, "users", user, { deleted: true });
        const { checksum } = await bothWays(source, target);
        const expected: [string, string, string[]][] = [
          ["journalEntries", live[0]!.id, ["embedding.0"]],
          ["journalEntries", live[2]!.id, ["content"]],
          ["journalEntries", live[3]!.id, ["metadata.numbers"]],
        ];
        expected.sort((a, b) => a[1].localeCompare(b[1]));
        expect(checksum.divergences.map((d) => [d.collection, d.id, d.fields])).toEqual([["users", user.id, ["deleted"]], ...expected]);
      });
    });
  }
});

describe("checksums catch what a weak hash would miss", () => {
  it("rows that differ only in one character deep inside JSON (real PostgreSQL -> memory)", async () => {
    await withPair(["postgres", "memory"], async (source, target) => {
      for (const b of [source, target]) {
        const store = storeOver(b);
        const user = await store.users.create({ email: "a@example.com", displayName: "a" });
        await store.entries.create({ userId: user.id, content: "c", metadata: { a: { b: [{ c: "the quick brown fox" }] } } });
      }
      const [s] = await source.scan("journalEntries", { limit: 1 });
      const [t] = await target.scan("journalEntries", { limit: 1 });
      await replicateNext(source, "journalEntries", { ...s! });
      await replicateNext(target, "journalEntries", { ...t!, metadata: { a: { b: [{ c: "the quick brown fix" }] } } });
      const { checksum } = await bothWays(source, target);
      expect(checksum.divergences.map((d) => d.fields)).toEqual([["metadata.a.b.0.c"]]);
    });
  });
});

describe("bisection fetches only the ranges that differ", () => {
  it("a few differing rows among thousands cost a few hundred rows fetched, not thousands", async () => {
    await withPair(["memory", "postgres"], async (source, target) => {
      await generateDataset(storeOver(source), { users: 4, entriesPerUser: 800 });
      expect((await backfill({ source, target })).status).toBe("completed");
      const entries = await source.scan("journalEntries", { limit: 10_000 });
      expect(entries.length).toBeGreaterThan(3000);
      for (const i of [5, Math.floor(entries.length / 2), entries.length - 3]) {
        await replicateNext(target, "journalEntries", { ...entries[i]!, title: `${entries[i]!.title}!` });
      }
      const fetched = { source: 0, target: 0 };
      const counting = (b: Backend, side: keyof typeof fetched): Backend => ({
        ...b,
        scan: async (collection, options) => {
          const rows = await b.scan(collection, options);
          fetched[side] += rows.length;
          return rows;
        },
      });
      const report = await compare({ source: counting(source, "source"), target: counting(target, "target"), strategy: "checksum", record: false });
      expect(report.divergences.map((d) => d.fields)).toEqual([["title", "version"], ["title", "version"], ["title", "version"]]);
      // PostgreSQL digests in SQL, so its only scans are the three differing leaf ranges (the memory
      // side digests from scan: every row once per level it is cut).
      expect(fetched.target).toBeGreaterThan(0);
      expect(fetched.target).toBeLessThanOrEqual(3 * (SYNC_DEFAULTS.checksum.fetchRows + 1));
      expect(report.rowsFetched).toBeLessThanOrEqual(2 * fetched.target + 3);
      const rows = await compare({ source, target, strategy: "rows", record: false });
      expect(rows.divergences).toEqual(report.divergences);
      expect(rows.rowsFetched).toBeGreaterThan(2 * entries.length);
    });
  });
});

describe("many scattered differences are pinpointed, with the row compare's result", () => {
  for (const pair of [["postgres", "memory"], ["json", "postgres"]] as [Kind, Kind][]) {
    it(`1% of rows differing in every way, spread evenly (${pair.join(" -> ")})`, async () => {
      await withPair(pair, async (source, target) => {
        await generateDataset(storeOver(source), { users: 4, entriesPerUser: 500 });
        expect((await backfill({ source, target })).status).toBe("completed");
        const entries = await source.scan("journalEntries", { limit: 10_000 });
        expect(entries.length).toBe(2000);
        // Every 100th entry: a title changed on the target, a tombstone on the target only, a
        // newer version on the source only, or the same content with only the version bumped.
        const planted = entries.filter((_, i) => i % 100 === 37);
        for (const [k, e] of planted.entries()) {
          if (k % 4 === 0) await replicateNext(target, "journalEntries", { ...e, title: `${e.title}!` });
          else if (k % 4 === 1) await replicateNext(target, "journalEntries", { ...e, deleted: true });
          else if (k % 4 === 2) await replicateNext(source, "journalEntries", { ...e, content: `${e.content} (edited)` });
          else await replicateNext(target, "journalEntries", { ...e });
        }
        // Rows on one side only: new entries of the same users, on the source and on the target.
        const users = (await source.scan("users", { limit: 10 })).filter((u) => !u.deleted);
        for (let i = 0; i < 6; i++) {
          const side = i % 2 === 0 ? source : target;
          await createStore({ backend: side }).entries.create({ userId: users[i % users.length]!.id, content: `only on one side ${i}` });
        }
        const { checksum, rows } = await bothWays(source, target);
        expect(checksum.divergences.length).toBe(planted.length + 6);
        expect(new Set(checksum.divergences.map((d) => d.kind))).toEqual(new Set(["different", "missing", "extra"]));
        // Pinpointed: about two rows read per differing row, not whole leaves.
        expect(checksum.rowsFetched).toBeLessThanOrEqual(2 * checksum.divergences.length + 2 * SYNC_DEFAULTS.checksum.fetchRows);
        expect(rows.rowsFetched).toBeGreaterThan(2 * entries.length);

        // The same walk with pinpointing off fetches whole leaves, and finds the same rows.
        const leaves: RowDivergence[] = [];
        const fetched = await bisectCollection(source, target, "journalEntries", leaves, { ...SYNC_DEFAULTS.checksum, pinpointShare: Infinity, batchSize: 1000 });
        expect(leaves).toEqual(checksum.divergences.filter((d) => d.collection === "journalEntries"));
        expect(fetched.fetched).toBeGreaterThan(4 * checksum.rowsFetched);
      });
    }, 60_000);
  }
});

describe("a level of the walk is cut in one digest call per side", () => {
  it("differences in every part: each level costs one call, not one per unequal part, and the result is the row compare's", async () => {
    await withPair(["postgres", "memory"], async (source, target) => {
      await generateDataset(storeOver(source), { users: 4, entriesPerUser: 500 });
      expect((await backfill({ source, target })).status).toBe("completed");
      const entries = await source.scan("journalEntries", { limit: 10_000 });
      expect(entries.length).toBe(2000);
      // Every 25th entry differs: with parts of 4 at most per cut, every part of the first three
      // levels holds differences.
      const planted = entries.filter((_, i) => i % 25 === 7);
      for (const e of planted) await replicateNext(target, "journalEntries", { ...e, title: `${e.title}!` });
      const calls: number[] = [];
      const counting: Backend = {
        ...source,
        digest: async (collection, range) => {
          calls.push(range.splitAt?.length ?? 0);
          return source.digest!(collection, range);
        },
      };
      // Four parts per cut, leaves of 16 rows at most, no pinpointing: 2000 rows take levels of
      // 4, 16, 64 and 256 parts before the parts are small enough to fetch.
      const options = { ...SYNC_DEFAULTS.checksum, fanout: 4, leafRows: 8, fetchRows: 16, pinpointShare: Infinity, batchSize: 1000 };
      const found: RowDivergence[] = [];
      await bisectCollection(counting, target, "journalEntries", found, options);
      const rows = await compare({ source, target, strategy: "rows", record: false, collections: ["journalEntries"] });
      expect(found).toEqual(rows.divergences);
      expect(found).toHaveLength(planted.length);
      // The whole collection, then one call per level.
      expect(calls.length).toBeLessThanOrEqual(6);
      expect(calls.slice(1).some((cuts) => cuts > 100)).toBe(true);

      // A level with more cuts than one call may carry is split into several calls, same result.
      calls.length = 0;
      const split: RowDivergence[] = [];
      await bisectCollection(counting, target, "journalEntries", split, { ...options, maxCutsPerDigest: 20 });
      expect(split).toEqual(rows.divergences);
      expect(Math.max(...calls.slice(1))).toBeLessThanOrEqual(20 + 2 * 4);
      expect(calls.length).toBeGreaterThan(6);
    });
  }, 60_000);
});

describe("compare asks a side that digests itself for every collection's whole digest at once", () => {
  it("the target digests all collections while the source has not answered its first one; the result is unchanged", async () => {
    await withPair(["memory", "postgres"], async (source, target) => {
      await generateDataset(storeOver(source), { users: 3, entriesPerUser: 20 });
      expect((await backfill({ source, target })).status).toBe("completed");
      const entries = await source.scan("journalEntries", { limit: 1000 });
      await replicateNext(target, "journalEntries", { ...entries[5]!, title: "changed" });
      const expected = await compare({ source, target, strategy: "rows", record: false });
      // The source's first digest waits until the target has been asked for every whole digest
      // (a JSON source still opening while PostgreSQL digests).
      const asked = new Set<CollectionName>();
      let release!: () => void;
      const allAsked = new Promise<void>((resolve) => (release = resolve));
      const collections = REPLICATED_COLLECTIONS;
      const watched: Backend = {
        ...target,
        digest: (collection, range) => {
          if (range.afterId == null && range.untilId == null && !range.splitAt?.length) asked.add(collection);
          if (collections.every((c) => asked.has(c))) release();
          return target.digest!(collection, range);
        },
      };
      // At most 3 s, so that a compare that asks one collection at a time fails rather than hangs.
      let askedFirst: CollectionName[] | undefined;
      const slow: Backend = {
        ...source,
        digest: async (collection, range) => {
          await Promise.race([allAsked, new Promise((resolve) => setTimeout(resolve, 3000))]);
          askedFirst ??= [...asked];
          return source.digest!(collection, range);
        },
      };
      const report = await compare({ source: slow, target: watched, record: false });
      expect(askedFirst?.sort(), "collections whose whole digest was asked before the source's first answer").toEqual([...collections].sort());
      expect(report.status).toBe("completed");
      expect(report.divergences).toEqual(expected.divergences);
      expect(report.divergences).toHaveLength(1);
    });
  }, 60_000);
});
