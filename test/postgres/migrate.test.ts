import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { defaultMigrationsFolder, migrate } from "../../src/backends/postgres/index.js";
import { withClient } from "../support/pg-client.js";
import { TABLES, createTestDatabase } from "../support/postgres.js";

const ALL = ["0000_extensions_and_schema", "0001_tables", "0002_gin_fastupdate_off", "0003_change_horizon", "0004_topics_and_legacy_fields"];

/** The tables and sequences of `schema`, sorted. */
async function tablesIn(c: pg.Client, schema: string): Promise<string[]> {
  const rows = await c.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`,
    [schema],
  );
  return rows.rows.map((r) => r.relname);
}

/**
 * Puts the history where versions up to 0.1 kept it, exactly as they created it
 * (`journal_store.__migrations`, SERIAL id), keeping the first `keep` migrations recorded: the
 * state a database migrated by the old code is in.
 */
async function asMigratedByOldCode(c: pg.Client, keep: number): Promise<void> {
  await c.query(`CREATE TABLE "journal_store"."__migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
  await c.query(
    `INSERT INTO "journal_store"."__migrations" (hash, created_at)
     SELECT hash, created_at FROM journal_store_migrations.__migrations ORDER BY id LIMIT $1`,
    [keep],
  );
  await c.query(`DROP SCHEMA journal_store_migrations CASCADE`);
}

describe("migrate()", () => {
  it("finds the shipped drizzle/ folder from its own file", () => {
    expect(defaultMigrationsFolder()).toMatch(/drizzle$/);
  });

  it("applies every migration once, into journal_store, recording them in a schema of their own", async () => {
    const db = await createTestDatabase();
    try {
      const first = await migrate(db.url);
      expect(first.applied).toEqual(ALL);
      expect((await migrate(db.url)).applied).toEqual([]);
      await withClient(db.url, async (c) => {
        const recorded = await c.query(`SELECT count(*)::int AS n FROM journal_store_migrations.__migrations`);
        expect(recorded.rows[0].n).toBe(ALL.length);
        // journal_store holds the Drizzle schema's objects only (a host app's drizzle-kit that
        // manages it finds nothing else); the host app's drizzle history (schema "drizzle") is left
        // alone, and nothing lands in public.
        expect(await tablesIn(c, "journal_store")).toEqual([...TABLES].sort());
        const schemas = await c.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('drizzle', 'journal_store', 'journal_store_migrations') ORDER BY 1`);
        expect(schemas.rows.map((r) => r.nspname)).toEqual(["journal_store", "journal_store_migrations"]);
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
      expect(results.flatMap((r) => r.applied).sort()).toEqual(ALL);
      await withClient(db.url, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM journal_store_migrations.__migrations`)).rows[0].n).toBe(ALL.length);
      });
    } finally {
      await db.drop();
    }
  });

  it("accepts a pg.Pool and a node-postgres drizzle database, leaving them open", async () => {
    const db = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      expect((await migrate(pool)).applied).toHaveLength(ALL.length);
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
      expect((await migrate(drizzlePglite({ client }))).applied).toHaveLength(ALL.length);
      expect((await migrate(drizzlePglite({ client }))).applied).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("0003 adds the session and message fields to tables that already hold rows, with their empty values", async () => {
    const db = await createTestDatabase();
    const before = await mkdtemp(join(tmpdir(), "journal-drizzle-"));
    try {
      // The shipped migrations before 0004: what a database migrated before topics holds.
      await cp(defaultMigrationsFolder(), before, { recursive: true });
      const journal = JSON.parse(await readFile(join(before, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
      journal.entries = journal.entries.filter((e) => e.tag < "0004");
      await writeFile(join(before, "meta", "_journal.json"), JSON.stringify(journal));
      expect((await migrate(db.url, { migrationsFolder: before })).applied).toHaveLength(4);
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
      expect((await migrate(db.url)).applied).toEqual(["0004_topics_and_legacy_fields"]);
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
      expect((await migrate(db.url, { migrationsFolder: defaultMigrationsFolder() })).applied).toHaveLength(ALL.length);
      await expect(migrate(db.url, { migrationsFolder: "/nonexistent/journal-store-drizzle" })).rejects.toThrow();
    } finally {
      await db.drop();
    }
  });

  it("moves the history of a database migrated by the old code, once, and keeps working", async () => {
    const db = await createTestDatabase();
    try {
      await migrate(db.url);
      const before = await withClient(db.url, async (c) => {
        const history = await c.query(`SELECT hash, created_at FROM journal_store_migrations.__migrations ORDER BY id`);
        await asMigratedByOldCode(c, ALL.length);
        return history.rows;
      });
      expect(before).toHaveLength(ALL.length);
      expect((await migrate(db.url)).applied).toEqual([]);
      expect((await migrate(db.url)).applied).toEqual([]);
      await withClient(db.url, async (c) => {
        expect((await c.query(`SELECT hash, created_at FROM journal_store_migrations.__migrations ORDER BY id`)).rows).toEqual(before);
        expect(await tablesIn(c, "journal_store")).toEqual([...TABLES].sort());
        const sequences = await c.query(`SELECT relname FROM pg_class WHERE relnamespace = 'journal_store'::regnamespace AND relkind = 'S'`);
        expect(sequences.rows.map((r) => r.relname)).toEqual(["change_seq"]);
      });
    } finally {
      await db.drop();
    }
  });

  it("applies what the old code had not applied yet, after moving its history", async () => {
    const db = await createTestDatabase();
    const before = await mkdtemp(join(tmpdir(), "journal-drizzle-"));
    try {
      // The old code knew the first three migrations only.
      await cp(defaultMigrationsFolder(), before, { recursive: true });
      const journal = JSON.parse(await readFile(join(before, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
      journal.entries = journal.entries.slice(0, 3);
      await writeFile(join(before, "meta", "_journal.json"), JSON.stringify(journal));
      await migrate(db.url, { migrationsFolder: before });
      await withClient(db.url, (c) => asMigratedByOldCode(c, 3));
      expect((await migrate(db.url)).applied).toEqual(ALL.slice(3));
      await withClient(db.url, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM journal_store_migrations.__migrations`)).rows[0].n).toBe(ALL.length);
      });
    } finally {
      await rm(before, { recursive: true, force: true });
      await db.drop();
    }
  });

  it("merges both histories when the old code ran again after the new one, without duplicates", async () => {
    const db = await createTestDatabase();
    try {
      await migrate(db.url);
      await withClient(db.url, (c) =>
        c.query(
          `CREATE TABLE "journal_store"."__migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
           INSERT INTO "journal_store"."__migrations" (hash, created_at) SELECT hash, created_at FROM journal_store_migrations.__migrations`,
        ),
      );
      expect((await migrate(db.url)).applied).toEqual([]);
      await withClient(db.url, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM journal_store_migrations.__migrations`)).rows[0].n).toBe(ALL.length);
        expect(await tablesIn(c, "journal_store")).toEqual([...TABLES].sort());
      });
    } finally {
      await db.drop();
    }
  });

  it("a migration that fails rolls back the move too: the old history stays where it was", async () => {
    const db = await createTestDatabase();
    const folder = await mkdtemp(join(tmpdir(), "journal-store-migrations-"));
    try {
      await cp(defaultMigrationsFolder(), folder, { recursive: true });
      const journalFile = join(folder, "meta", "_journal.json");
      const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { idx: number; when: number; tag: string }[] };
      const last = journal.entries.at(-1)!;
      journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: "9999_fails" });
      await writeFile(journalFile, JSON.stringify(journal));
      await writeFile(join(folder, "9999_fails.sql"), "SELECT 1 / 0;");
      await migrate(db.url);
      await withClient(db.url, (c) => asMigratedByOldCode(c, ALL.length));
      await expect(migrate(db.url, { migrationsFolder: folder })).rejects.toThrow(/SQLSTATE 22012/);
      await withClient(db.url, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM journal_store.__migrations`)).rows[0].n).toBe(ALL.length);
        expect((await c.query(`SELECT to_regnamespace('journal_store_migrations') AS s`)).rows[0].s).toBeNull();
      });
      expect((await migrate(db.url)).applied).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
      await db.drop();
    }
  });

  it("moves an old history on PGlite too", async () => {
    const client = new PGlite({ extensions: { pg_trgm } });
    try {
      expect((await migrate(drizzlePglite({ client }))).applied).toEqual(ALL);
      await client.exec(
        `CREATE TABLE "journal_store"."__migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
         INSERT INTO "journal_store"."__migrations" (hash, created_at) SELECT hash, created_at FROM journal_store_migrations.__migrations;
         DROP SCHEMA journal_store_migrations CASCADE;`,
      );
      expect((await migrate(drizzlePglite({ client }))).applied).toEqual([]);
      const moved = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_store_migrations.__migrations`);
      expect(moved.rows[0]!.n).toBe(ALL.length);
      expect((await client.query(`SELECT to_regclass('journal_store.__migrations') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      await client.close();
    }
  });
});
