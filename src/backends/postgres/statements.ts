import { type SQL, sql } from "drizzle-orm";
import type { AnyRow, CollectionName } from "../../model/rows.js";
import { Prepared } from "./compile.js";
import { type ColumnInfo, type TableInfo, INFO, NEXT_CHANGE_SEQ, encodeValue, ref, selectList } from "./mapping.js";

/**
 * The hot single-row statements of each collection, built with Drizzle once and run as named
 * prepared statements: get, get for update, get many, insert and the compare-and-swap update.
 * Integrity is checked inside the statement itself:
 * - owners must exist (and be live for a live row); the owner row is read `FOR SHARE`, so a
 *   concurrent delete of the owner waits for this write instead of slipping past it;
 * - `INSERT ... ON CONFLICT DO NOTHING` never raises on the id or a live unique key, so a refused
 *   write leaves an enclosing transaction usable; the caller diagnoses a refusal with
 *   {@link diagnosisSql} only when it happens.
 */

const ph = (name: string) => sql.placeholder(name);
const x = sql`"x"`;
const o = sql`"o"`;

function value(c: ColumnInfo): SQL {
  return sql`${ph(c.field)}::${c.cast}`;
}

/** How many owner levels sit above `info` (users: 0, chat sessions: 1, messages: 2). */
function depthOf(info: TableInfo): number {
  return info.owners.reduce((d, owner) => Math.max(d, 1 + depthOf(INFO[owner.collection])), 0);
}

/**
 * The owners of `info`, top-most first. Every statement that locks owners takes them in this
 * order, the order a cascading delete takes them (the user, then its sessions, then messages),
 * so a write under a row and the delete of that row's owner wait for each other instead of
 * deadlocking.
 */
function ownersTopDown(info: TableInfo): TableInfo["owners"] {
  return [...info.owners].sort((a, b) => depthOf(INFO[a.collection]) - depthOf(INFO[b.collection]));
}

/**
 * For `get(..., { forUpdate })`: locks the row's owners `FOR SHARE`, top-most first, before the
 * row itself (`num_nonnulls` evaluates its arguments in order and is never folded away; the
 * filter runs before the row lock). Without it, appending to a session (session locked, then its
 * user shared by the insert) and deleting the user (user locked, then its sessions tombstoned)
 * deadlock across connections.
 */
function ownersLockedFirst(info: TableInfo): SQL {
  const owners = ownersTopDown(info);
  if (owners.length === 0) return sql``;
  const locks = owners.map((owner) => {
    const c = info.byField.get(owner.field)!;
    return sql`(SELECT 1 FROM ${owner.table} ${o} WHERE ${o}."id" = ${ref(c, x)} FOR SHARE)`;
  });
  return sql` AND num_nonnulls(${sql.join(locks, sql`, `)}) >= 0`;
}

/**
 * Owners present (and live when the row is live), locking them until commit, top-most first; a
 * null optional owner holds.
 */
function ownersHold(info: TableInfo): SQL[] {
  return ownersTopDown(info).map((owner) => {
    const held = sql`EXISTS (SELECT 1 FROM ${owner.table} ${o} WHERE ${o}."id" = ${ph(owner.field)}::uuid AND (${o}."deleted" = false OR ${ph("deleted")}::boolean) FOR SHARE)`;
    return owner.optional ? sql`(${ph(owner.field)}::uuid IS NULL OR ${held})` : held;
  });
}

/** No other live row holds any unique key of the row (trivially true for a tombstone). */
function keysFree(info: TableInfo): SQL[] {
  return info.uniqueKeys.map((key) => {
    const same = key.fields.map((f) => {
      const c = info.byField.get(f)!;
      return sql`${ref(c, x)} = ${value(c)}`;
    });
    return sql`(${ph("deleted")}::boolean OR NOT EXISTS (SELECT 1 FROM ${info.table} ${x} WHERE ${sql.join(same, sql` AND `)} AND ${x}."deleted" = false AND ${x}."id" <> ${ph("id")}::uuid))`;
  });
}

/** Encodes every field of `row` as the parameter its cast expects. */
export function encodeRow(info: TableInfo, row: AnyRow): Record<string, unknown> {
  const r = row as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const c of info.columns) out[c.field] = encodeValue(c.kind, r[c.field]);
  return out;
}

/** The prepared statements of one collection. */
export class Statements {
  readonly get: Prepared;
  readonly getForUpdate: Prepared;
  readonly getMany: Prepared;
  readonly insert: Prepared;
  readonly update: Prepared;

  constructor(readonly info: TableInfo) {
    const t = info.table;
    const name = (op: string) => `journal_store_${op}_${info.tableName}`;
    const sel = selectList(info);
    this.get = new Prepared(name("get"), sql`SELECT ${sel} FROM ${t} WHERE "id" = ${ph("id")}::uuid`);
    this.getForUpdate = new Prepared(
      name("get_for_update"),
      sql`SELECT ${sel} FROM ${t} ${x} WHERE ${x}."id" = ${ph("id")}::uuid${ownersLockedFirst(info)} FOR UPDATE OF ${x}`,
    );
    this.getMany = new Prepared(name("get_many"), sql`SELECT ${sel} FROM ${t} WHERE "id" = ANY(${ph("ids")}::uuid[])`);

    const cols = sql.join(info.columns.map((c) => c.ident), sql`, `);
    const vals = sql.join(info.columns.map(value), sql`, `);
    const owners = ownersHold(info);
    const insertWhere = owners.length > 0 ? sql` WHERE ${sql.join(owners, sql` AND `)}` : sql``;
    this.insert = new Prepared(
      name("insert"),
      sql`INSERT INTO ${t} (${cols}, "change_seq") SELECT ${vals}, ${NEXT_CHANGE_SEQ}${insertWhere} ON CONFLICT DO NOTHING RETURNING ${sel}`,
    );

    const sets = sql.join(
      info.columns.filter((c) => c.field !== "id").map((c) => sql`${c.ident} = ${value(c)}`),
      sql`, `,
    );
    const updateWhere = [
      sql`"id" = ${ph("id")}::uuid`,
      sql`"version" = ${ph("expectedVersion")}::integer`,
      ...owners,
      ...keysFree(info),
    ];
    this.update = new Prepared(
      name("update"),
      sql`UPDATE ${t} SET ${sets}, "change_seq" = ${NEXT_CHANGE_SEQ} WHERE ${sql.join(updateWhere, sql` AND `)} RETURNING ${sel}`,
    );
  }
}

const cache = new Map<CollectionName, Statements>();

/** The statements of `collection` (built on first use, shared by every backend instance). */
export function statementsOf(collection: CollectionName): Statements {
  let s = cache.get(collection);
  if (!s) cache.set(collection, (s = new Statements(INFO[collection])));
  return s;
}

/** Diagnosis queries for a refused write, in the order the contract checks. */
export const diagnosisSql = {
  version: (info: TableInfo, id: string) => sql`SELECT "version" FROM ${info.table} WHERE "id" = ${id}::uuid`,
  owner: (table: TableInfo["table"], id: string) => sql`SELECT "deleted" FROM ${table} WHERE "id" = ${id}::uuid`,
  holder: (info: TableInfo, key: TableInfo["uniqueKeys"][number], row: AnyRow) => {
    const r = row as unknown as Record<string, unknown>;
    const same = key.fields.map((f) => {
      const c = info.byField.get(f)!;
      return sql`${c.ident} = ${encodeValue(c.kind, r[f])}::${c.cast}`;
    });
    return sql`SELECT "id" FROM ${info.table} WHERE ${sql.join(same, sql` AND `)} AND "deleted" = false AND "id" <> ${row.id}::uuid LIMIT 1`;
  },
};
