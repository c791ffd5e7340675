import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { memoryBackend } from "../../src/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import type { UserRow } from "../../src/model/rows.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { T0, entryRow, plain, userRow } from "./rows.js";
import { hardValues } from "../../src/testing/fixtures/hard-values.js";
import type { AnyRow, CollectionName, JournalEntryRow } from "../../src/model/rows.js";
import pg from "pg";
import { newRow } from "../../src/model/entity.js";
import { topicModel } from "../../src/model/entities/topics.js";
import { uuidv7 } from "../../src/model/ids.js";

// applyReplicated is set-based on PostgreSQL; the contract applies a batch row by row. Random
// batches full of intra-batch dependencies (the same id twice, two rows claiming one email key,
// a key freed by a tombstone of the same batch) must give exactly the memory backend's outcomes
// and final rows.

const url = useTestDatabase(async (u) => void (await migrate(u)));
let pgBackend: Backend;
/** Every batch (every independent run of it) through COPY and the staging table. */
let bulkBackend: Backend;
/** The same on a caller's Pool. */
let pool: pg.Pool;
let poolBackend: Backend;
beforeAll(() => {
  pgBackend = postgresBackend({ connectionString: url(), poolSize: 4 });
  bulkBackend = postgresBackend({ connectionString: url(), poolSize: 2, bulkMinRows: 1 });
  pool = new pg.Pool({ connectionString: url(), max: 2 });
  poolBackend = postgresBackend({ pool, bulkMinRows: 1 });
});
afterAll(async () => {
  await pgBackend.close();
  await bulkBackend.close();
  await poolBackend.close();
  await pool.end();
});

async function truncate(): Promise<void> {
  const c = new pg.Client({ connectionString: url() });
  await c.connect();
  await c.query(TRUNCATE_ALL);
  await c.end();
}

function prng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const IDS = Array.from({ length: 8 }, (_, i) => `01900000-0000-7000-8000-${(i + 1).toString(16).padStart(12, "0")}`);

function randomUser(rand: () => number): UserRow {
  const deleted = rand() < 0.25;
  return userRow({
    id: IDS[Math.floor(rand() * IDS.length)]!,
    version: 1 + Math.floor(rand() * 4),
    emailKey: deleted ? "" : `k${Math.floor(rand() * 3)}`,
    displayName: rand() < 0.5 ? "a" : "b",
    preferences: rand() < 0.5 ? { a: 1, b: 2 } : { b: 2, a: 1 },
    deleted,
  });
}

describe("applyReplicated matches the row-by-row contract", () => {
  it("on random batches with intra-batch dependencies", async () => {
    const rand = prng(42);
    for (let round = 0; round < 40; round++) {
      await truncate();
      const memory = memoryBackend();
      for (let batch = 0; batch < 4; batch++) {
        const rows = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => randomUser(rand));
        const expected = await memory.applyReplicated("users", rows);
        const actual = await pgBackend.applyReplicated("users", rows);
        expect(actual, `round ${round} batch ${batch}`).toEqual(expected);
      }
      const want = (await memory.scan("users", { limit: 100 })).map(plain);
      const got = (await pgBackend.scan("users", { limit: 100 })).map(plain);
      expect(got).toEqual(want);
      await memory.close();
    }
  });

  it("a large batch goes through in one statement with per-row outcomes", async () => {
    const user = userRow();
    await pgBackend.applyReplicated("users", [user]);
    const rows = Array.from({ length: 5000 }, (_, i) => entryRow(user.id, { title: `t${i}`, tags: [`x${i % 7}`] }));
    const outcomes = await pgBackend.applyReplicated("journalEntries", rows);
    expect(outcomes.every((o) => o.outcome === "applied")).toBe(true);
    const again = await pgBackend.applyReplicated("journalEntries", rows);
    expect(again.every((o) => o.outcome === "stale")).toBe(true);
    const orphan = entryRow("01900000-0000-7000-8000-0000000000ff");
    expect(await pgBackend.applyReplicated("journalEntries", [rows[0]!, orphan])).toEqual([
      { id: rows[0]!.id, outcome: "stale", storedVersion: 1 },
      { id: orphan.id, outcome: "missing-owner", ownerCollection: "users", ownerId: orphan.userId },
    ]);
  });
});

/** `value` with every -0 (at any depth) replaced by 0. */
function withoutNegativeZero<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The bulk path (COPY into a staging table, then one merge) must give exactly the outcomes and
 * final rows of the memory backend, as the single statement does: `bulkMinRows: 1` sends every
 * batch through it, on an owned pool, on a caller's Pool and inside a transaction.
 */
describe("applyReplicated's bulk path matches the row-by-row contract", () => {
  type Apply = (collection: CollectionName, rows: readonly AnyRow[]) => Promise<unknown>;
  const ways: [string, () => Apply][] = [
    ["owned pool", () => (c, rows) => bulkBackend.applyReplicated(c, rows as never)],
    ["caller's Pool", () => (c, rows) => poolBackend.applyReplicated(c, rows as never)],
    ["inside a transaction", () => (c, rows) => bulkBackend.transaction((tx) => tx.applyReplicated(c, rows as never))],
  ];

  it("takes the COPY path (the session's staging table exists afterwards)", async () => {
    await truncate();
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    const backend = postgresBackend({ db: { $client: client }, bulkMinRows: 2 });
    const stage = async () => (await client.query("SELECT to_regclass('pg_temp.journal_store_stage_users') AS r")).rows[0].r;
    await backend.applyReplicated("users", [userRow()]);
    expect(await stage(), "one row is below bulkMinRows").toBeNull();
    await backend.applyReplicated("users", [userRow(), userRow()]);
    expect(await stage()).not.toBeNull();
    const left = await client.query("SELECT count(*)::int AS n FROM pg_temp.journal_store_stage_users");
    expect(left.rows[0].n, "staging rows go at commit").toBe(0);
    await backend.close();
    await client.end();
  });

  for (const [name, way] of ways) {
    it(`random batches with intra-batch dependencies (${name})`, async () => {
      const apply = way();
      const rand = prng(7);
      for (let round = 0; round < 10; round++) {
        await truncate();
        const memory = memoryBackend();
        for (let batch = 0; batch < 4; batch++) {
          const rows = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => randomUser(rand));
          const expected = await memory.applyReplicated("users", rows);
          expect(await apply("users", rows), `round ${round} batch ${batch}`).toEqual(expected);
        }
        const want = (await memory.scan("users", { limit: 100 })).map(plain);
        expect((await pgBackend.scan("users", { limit: 100 })).map(plain)).toEqual(want);
        await memory.close();
      }
    });
  }

  it("hard values, -0, large and fractional numbers, tombstones, owners, keys, in one batch", async () => {
    await truncate();
    const memory = memoryBackend();
    const owner = userRow();
    const gone = userRow({ version: 2, deleted: true, emailKey: "" });
    const holder = userRow();
    const setup = [owner, gone, holder];
    expect(await bulkBackend.applyReplicated("users", setup)).toEqual(await memory.applyReplicated("users", setup));
    const { text, tags, json } = hardValues.accept;
    const numbers = [-0, 0, 1.5, -2.25, 1e21, 1.7976931348623157e308, 5e-324, 9007199254740991, 0.1 + 0.2];
    const entries: JournalEntryRow[] = text.map((t, i) =>
      entryRow(owner.id, {
        title: t,
        content: `${t}\\ \t\n \\N \\. ${t}`,
        searchText: t.toLowerCase(),
        tags: tags[i % tags.length]!,
        metadata: json[i % json.length] as never,
        aiAnalysis: i % 2 ? null : ({ text: t, n: numbers[i % numbers.length] } as never),
        mood: i % 2 ? -0 : (i % 10) + 1,
        embedding: i % 3 === 0 ? [] : i % 3 === 1 ? numbers : null,
      }),
    );
    const tomb = entryRow(owner.id, { version: 3, deleted: true, title: "", content: "", searchText: "", tags: [] });
    const orphan = entryRow("01900000-0000-7000-8000-0000000000ff");
    const notUuid = entryRow("not-a-uuid");
    const underTombstone = entryRow(gone.id);
    const batch = [...entries, tomb, orphan, notUuid, underTombstone];
    // JSON and jsonb have no -0: PostgreSQL stores 0 on both paths, so the reference gets 0.
    const expected = await memory.applyReplicated("journalEntries", withoutNegativeZero(batch));
    expect(expected.filter((o) => o.outcome === "missing-owner")).toHaveLength(3);
    expect(await bulkBackend.applyReplicated("journalEntries", batch)).toEqual(expected);
    const again = await memory.applyReplicated("journalEntries", withoutNegativeZero(batch));
    expect(await bulkBackend.applyReplicated("journalEntries", batch), "a rerun is stale").toEqual(again);
    const want = (await memory.scan("journalEntries", { limit: 1000 })).map(plain);
    expect((await pgBackend.scan("journalEntries", { limit: 1000 })).map(plain)).toEqual(want);

    // A unique key held by another live row: the outcome names the key and the holder.
    const rival = userRow({ emailKey: holder.emailKey });
    const freed = userRow();
    const keys = [rival, freed, { ...holder, version: 2, displayName: "changed" }];
    expect(await bulkBackend.applyReplicated("users", keys)).toEqual(await memory.applyReplicated("users", keys));
    expect((await pgBackend.scan("users", { limit: 100 })).map(plain)).toEqual((await memory.scan("users", { limit: 100 })).map(plain));
    await memory.close();
  });

  it("an optional owner (an entry's topic) that is null, present, missing or malformed gets the memory backend's outcome", async () => {
    await truncate();
    const memory = memoryBackend();
    const owner = userRow();
    expect(await bulkBackend.applyReplicated("users", [owner])).toEqual(await memory.applyReplicated("users", [owner]));
    const topic = { ...newRow(topicModel, { userId: owner.id, name: "work" }, uuidv7(), T0) };
    expect(await bulkBackend.applyReplicated("topics", [topic])).toEqual(await memory.applyReplicated("topics", [topic]));
    const batch = [
      entryRow(owner.id, { topicId: null }),
      entryRow(owner.id, { topicId: topic.id }),
      entryRow(owner.id, { topicId: "01900000-0000-7000-8000-0000000000fe" }),
      entryRow(owner.id, { topicId: "not-a-uuid" }),
    ];
    const expected = await memory.applyReplicated("journalEntries", batch);
    expect(expected.map((o) => o.outcome)).toEqual(["applied", "applied", "missing-owner", "missing-owner"]);
    expect(await bulkBackend.applyReplicated("journalEntries", batch)).toEqual(expected);
    expect((await pgBackend.scan("journalEntries", { limit: 100 })).map(plain)).toEqual((await memory.scan("journalEntries", { limit: 100 })).map(plain));
    await memory.close();
  });

  it("refuses text PostgreSQL cannot store exactly as the statement path does, storing nothing", async () => {
    await truncate();
    const owner = userRow();
    await pgBackend.applyReplicated("users", [owner]);
    const rows = [entryRow(owner.id), entryRow(owner.id, { title: "lone \ud800 surrogate" })];
    const viaStatement = await pgBackend.applyReplicated("journalEntries", rows).catch((e: unknown) => e);
    const viaBulk = await bulkBackend.applyReplicated("journalEntries", rows).catch((e: unknown) => e);
    expect(viaStatement).toBeInstanceOf(Error);
    expect(viaBulk).toBeInstanceOf((viaStatement as Error).constructor);
    expect((viaBulk as { code?: string }).code).toBe((viaStatement as { code?: string }).code);
    expect(await pgBackend.count("journalEntries")).toBe(0);
  });

  it("a failing batch inside a transaction rolls back with it", async () => {
    await truncate();
    const owner = userRow();
    await expect(
      bulkBackend.transaction(async (tx) => {
        await tx.applyReplicated("users", [owner]);
        await tx.applyReplicated("journalEntries", [entryRow(owner.id), entryRow(owner.id)]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await pgBackend.count("users")).toBe(0);
    expect(await pgBackend.count("journalEntries")).toBe(0);
  });
});
