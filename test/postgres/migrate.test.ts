import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { defaultMigrationsFolder, migrate } from "../../src/backends/postgres/index.js";
import { withClient } from "../support/pg-client.js";
import { createTestDatabase } from "../support/postgres.js";

describe("migrate()", () => {
  it("finds the shipped drizzle/ folder from its own file", () => {
    expect(defaultMigrationsFolder()).toMatch(/drizzle$/);
  });

  it("applies every migration once, into journal_store, recording them in its own table", async () => {
    const db = await createTestDatabase();
    try {
      const first = await migrate(db.url);
      expect(first.applied).toEqual(["0000_extensions_and_schema", "0001_tables", "0002_gin_fastupdate_off", "0003_topics_and_legacy_fields"]);
      expect((await migrate(db.url)).applied).toEqual([]);
      await withClient(db.url, async (c) => {
        const recorded = await c.query(`SELECT count(*)::int AS n FROM journal_store.__migrations`);
        expect(recorded.rows[0].n).toBe(4);
        // The host app's drizzle history (schema "drizzle") is left alone, and nothing lands in public.
        const schemas = await c.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('drizzle', 'journal_store')`);
        expect(schemas.rows.map((r) => r.nspname)).toEqual(["journal_store"]);
        const publicTables = await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
        expect(publicTables.rows[0].n).toBe(0);
        const trgm = await c.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'`);
        expect(trgm.rowCount).toBe(1);
        // The GIN indexes written on every insert keep no pending list (no merge bursts on insert).
        const gin = await c.query(
          `SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_am a ON a.oid = c.relam
           WHERE a.amname = 'gin' AND c.relnamespace = 'journal_store'::regnamespace ORDER BY c.relname`,
        );
        expect(gin.rows).toEqual(
          ["journal_entries_search_text_trgm", "journal_entries_tags", "psychology_content_search_text_trgm", "psychology_content_tags"].map(
            (relname) => ({ relname, reloptions: ["fastupdate=false"] }),
          ),
        );
      });
    } finally {
      await db.drop();
    }
  });

  it("is safe when many callers migrate the same database at once", async () => {
    const db = await createTestDatabase();
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => migrate(db.url)));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(["0000_extensions_and_schema", "0001_tables", "0002_gin_fastupdate_off", "0003_topics_and_legacy_fields"]);
      await withClient(db.url, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM journal_store.__migrations`)).rows[0].n).toBe(4);
      });
    } finally {
      await db.drop();
    }
  });

  it("accepts a pg.Pool and a node-postgres drizzle database, leaving them open", async () => {
    const db = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      expect((await migrate(pool)).applied).toHaveLength(4);
      expect((await migrate(drizzleNodePg({ client: pool }))).applied).toEqual([]);
      expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it("accepts a PGlite drizzle database", async () => {
    const client = new PGlite({ extensions: { pg_trgm } });
    try {
      expect((await migrate(drizzlePglite({ client }))).applied).toHaveLength(4);
      expect((await migrate(drizzlePglite({ client }))).applied).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("0003 adds the session and message fields to tables that already hold rows, with their empty values", async () => {
    const db = await createTestDatabase();
    const before = await mkdtemp(join(tmpdir(), "journal-drizzle-"));
    try {
      // The shipped migrations up to 0002: what a database migrated before topics holds.
      await cp(defaultMigrationsFolder(), before, { recursive: true });
      const journal = JSON.parse(await readFile(join(before, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
      journal.entries = journal.entries.filter((e) => e.tag < "0003");
      await writeFile(join(before, "meta", "_journal.json"), JSON.stringify(journal));
      expect((await migrate(db.url, { migrationsFolder: before })).applied).toHaveLength(3);
      await withClient(db.url, async (c) => {
        const t = "2026-01-01T00:00:00.000Z";
        const [u, s, m] = ["01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000002", "01900000-0000-7000-8000-000000000003"];
        await c.query(
          `INSERT INTO journal_store.users VALUES ($1, 1, $2, $2, false, 1, 'a@x.io', 'a@x.io', 'A', NULL, 'private', '{}', 'UTC', true, NULL)`,
          [u, t],
        );
        await c.query(`INSERT INTO journal_store.chat_sessions VALUES ($1, 1, $2, $2, false, 2, $3, '', 'general', '{}', 'active', 1, NULL)`, [s, t, u]);
        await c.query(`INSERT INTO journal_store.messages VALUES ($1, 1, $2, $2, false, 3, $3, $4, 'user', 'hi', 1, '[]', NULL, NULL, NULL)`, [m, t, s, u]);
      });
      expect((await migrate(db.url)).applied).toEqual(["0003_topics_and_legacy_fields"]);
      await withClient(db.url, async (c) => {
        const session = await c.query(`SELECT description, tags, metadata FROM journal_store.chat_sessions`);
        expect(session.rows).toEqual([{ description: null, tags: [], metadata: {} }]);
        expect((await c.query(`SELECT metadata FROM journal_store.messages`)).rows).toEqual([{ metadata: {} }]);
        // The temporary defaults are gone: the facade sets every value.
        const defaults = await c.query(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'journal_store' AND table_name <> '__migrations' AND column_default IS NOT NULL`,
        );
        expect(defaults.rows).toEqual([]);
      });
    } finally {
      await rm(before, { recursive: true, force: true });
      await db.drop();
    }
  });

  it("takes a migrationsFolder override, and fails clearly when it holds no migrations", async () => {
    const db = await createTestDatabase();
    try {
      expect((await migrate(db.url, { migrationsFolder: defaultMigrationsFolder() })).applied).toHaveLength(4);
      await expect(migrate(db.url, { migrationsFolder: "/nonexistent/journal-store-drizzle" })).rejects.toThrow();
    } finally {
      await db.drop();
    }
  });
});
