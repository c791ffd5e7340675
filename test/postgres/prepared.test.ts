import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { entryRow, userRow } from "./rows.js";
import { useTestDatabase } from "../support/postgres.js";

// Which statements run as named prepared statements. After five executions PostgreSQL may plan a
// prepared statement generically (without its values); for text search and array filters that
// plan can be catastrophically wrong (the trigram index ANDed into a search within one user), so
// those queries must stay unnamed and be planned with their values every time.

const url = useTestDatabase(async (u) => void (await migrate(u)));
let pool: pg.Pool;
let backend: Backend;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 1 }); // one connection: its prepared statements are visible
  backend = postgresBackend({ pool });
});
afterAll(async () => {
  await backend.close();
  await pool.end();
});

describe("prepared statements", () => {
  it("names lists and counts by owner, never text search or tag filters", async () => {
    const user = userRow();
    await backend.insert("users", user);
    await backend.insert("journalEntries", entryRow(user.id));
    const byUser = { field: "userId", op: "eq", value: user.id } as const;
    const orderBy = { field: "createdAt", direction: "desc" } as const;
    for (let i = 0; i < 7; i++) {
      await backend.query("journalEntries", { where: [byUser], orderBy, limit: 20 });
      await backend.count("journalEntries", [byUser]);
      await backend.query("journalEntries", { where: [byUser, { field: "searchText", op: "search", terms: [`calm${i}`] }], orderBy, limit: 20 });
      await backend.query("journalEntries", { where: [byUser, { field: "tags", op: "overlaps", values: ["work"] }], orderBy, limit: 20 });
      await backend.count("journalEntries", [byUser, { field: "tags", op: "contains", values: ["work"] }]);
    }
    const { rows } = await pool.query<{ name: string; statement: string }>(
      `SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'journal_store_q_%'`,
    );
    const texts = rows.map((r) => r.statement);
    expect(texts.some((t) => /ORDER BY/.test(t))).toBe(true);
    expect(texts.some((t) => /count\(\*\)/.test(t))).toBe(true);
    expect(texts.filter((t) => / LIKE |&&|@>/.test(t))).toEqual([]);
  });
});
