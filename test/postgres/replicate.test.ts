import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { memoryBackend } from "../../src/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import type { UserRow } from "../../src/model/rows.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { entryRow, plain, userRow } from "./rows.js";
import pg from "pg";

// applyReplicated is set-based on PostgreSQL; the contract applies a batch row by row. Random
// batches full of intra-batch dependencies (the same id twice, two rows claiming one email key,
// a key freed by a tombstone of the same batch) must give exactly the memory backend's outcomes
// and final rows.

const url = useTestDatabase(async (u) => void (await migrate(u)));
let pgBackend: Backend;
beforeAll(() => {
  pgBackend = postgresBackend({ connectionString: url(), poolSize: 4 });
});
afterAll(async () => {
  await pgBackend.close();
});

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
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      await c.query(TRUNCATE_ALL);
      await c.end();
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
