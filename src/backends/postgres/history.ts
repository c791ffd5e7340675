import type { Queryable } from "./driver.js";

/**
 * Where {@link migrate} records the migrations it applied: a table in Drizzle's migrator format
 * (`id`, `hash`, `created_at` = the migration's `when`) in a schema of its own,
 * `journal_store_migrations`. Not in `journal_store`: a host app whose drizzle-kit manages or
 * inspects that schema (`schemaFilter: ["journal_store"]`) would see the table, which is not in
 * the Drizzle schema, and `drizzle-kit push` would plan to drop it. Not in `drizzle`: that schema
 * holds the host app's own history. Versions up to 0.1 recorded it in
 * `journal_store.__migrations`; the first migrate() of this version moves it.
 */

/** The schema of the history table. */
export const HISTORY_SCHEMA = "journal_store_migrations";
/** The history table, quoted. */
export const HISTORY_TABLE = `"journal_store_migrations"."__migrations"`;
/** Where versions up to 0.1 kept the history. */
export const LEGACY_HISTORY_TABLE = `"journal_store"."__migrations"`;

/**
 * Creates the history table when missing and moves a legacy history into it (rows the new table
 * lacks are copied in order, then the old table and its id sequence are dropped). Runs inside the
 * migration's transaction, under its advisory lock, so a failure leaves the old history in place.
 */
export async function prepareHistory(q: Queryable): Promise<void> {
  await q.query(`CREATE SCHEMA IF NOT EXISTS "${HISTORY_SCHEMA}"`, []);
  await q.query(`CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`, []);
  const legacy = await q.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS "present"`, [LEGACY_HISTORY_TABLE]);
  if (!legacy[0]?.present) return;
  await q.query(
    `INSERT INTO ${HISTORY_TABLE} (hash, created_at)
     SELECT o.hash, o.created_at FROM ${LEGACY_HISTORY_TABLE} o
     WHERE NOT EXISTS (SELECT 1 FROM ${HISTORY_TABLE} n WHERE n.created_at = o.created_at)
     ORDER BY o.created_at, o.id`,
    [],
  );
  await q.query(`DROP TABLE ${LEGACY_HISTORY_TABLE}`, []);
}

/** The `created_at` (a migration's `when`, in ms) of the last migration recorded, or -1 for none. */
export async function lastApplied(q: Queryable): Promise<number> {
  const last = await q.query<{ created_at: string | number }>(`SELECT created_at FROM ${HISTORY_TABLE} ORDER BY created_at DESC LIMIT 1`, []);
  return last[0] ? Number(last[0].created_at) : -1;
}

/** Records one applied migration. */
export async function recordApplied(q: Queryable, hash: string, folderMillis: number): Promise<void> {
  await q.query(`INSERT INTO ${HISTORY_TABLE} (hash, created_at) VALUES ($1, $2)`, [hash, String(folderMillis)]);
}
