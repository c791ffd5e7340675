import pg from "pg";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/backends/postgres/index.js";
import { INFO } from "../../src/backends/postgres/mapping.js";
import { pageQuery } from "../../src/backends/postgres/query.js";
import { useTestDatabase } from "../support/postgres.js";

// The trigram index serves the contract's search (LIKE on search_text, wildcards escaped): on a
// realistically sized table, after ANALYZE, the exact statement the backend sends for a search
// across users is planned through journal_entries_search_text_trgm.

const url = useTestDatabase(async (u) => void (await migrate(u)));

const WORDS = ["calm", "morning", "walk", "anxious", "meeting", "family", "sleep", "coffee", "run", "grateful", "tired", "rain"];

describe("search plans", () => {
  it("a search across users uses the trigram index", async () => {
    const c = new pg.Client({ connectionString: url() });
    await c.connect();
    try {
      await c.query(`INSERT INTO journal_store.users (id, version, created_at, updated_at, deleted, change_seq, email, email_key, display_name, privacy_level, preferences, timezone, active)
        SELECT gen_random_uuid(), 1, now(), now(), false, nextval('journal_store.change_seq'), 'u' || g || '@x', 'u' || g || '@x', 'u', 'private', '{}', 'UTC', true
        FROM generate_series(1, 1000) g`);
      await c.query(
        `INSERT INTO journal_store.journal_entries (id, version, created_at, updated_at, deleted, change_seq, user_id, title, content, search_text, tags, entry_date, favorite, metadata, word_count)
         SELECT gen_random_uuid(), 1, now(), now(), false, nextval('journal_store.change_seq'), u.id, 't', 'c',
                (SELECT string_agg(($1::text[])[1 + ((g * 7 + k * 13 + length(u.email)) % 12)] || (g % 997)::text, ' ') FROM generate_series(1, 30) k),
                '{}', date '2026-01-01', false, '{}', 30
         FROM generate_series(1, 100) g, journal_store.users u`,
        [WORDS],
      );
      await c.query("ANALYZE journal_store.journal_entries");
      const { text, params } = pageQuery(
          INFO.journalEntries,
          { where: [{ field: "searchText", op: "search", terms: ["grateful123"] }], orderBy: { field: "createdAt", direction: "desc" }, limit: 20 },
      );
      expect(text).toContain("LIKE");
      expect(text).not.toMatch(/ILIKE|lower\(/i);
      const plan = await c.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
      expect(JSON.stringify(plan.rows[0])).toContain("journal_entries_search_text_trgm");
      const count = await c.query(`SELECT count(*)::int AS n FROM journal_store.journal_entries`);
      expect(count.rows[0].n).toBe(100_000);
    } finally {
      await c.end();
    }
  }, 120_000);
});
