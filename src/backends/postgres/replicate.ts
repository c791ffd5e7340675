import { type SQL, sql } from "drizzle-orm";
import type { ReplicationOutcome } from "../../backend.js";
import { BackendError } from "../../errors.js";
import { checkId } from "../../model/ids.js";
import type { AnyRow, CollectionName } from "../../model/rows.js";
import { Prepared } from "./compile.js";
import type { Queryable } from "./driver.js";
import { BACKEND_NAME } from "./errors.js";
import { type TableInfo, INFO, NEXT_CHANGE_SEQ, ref } from "./mapping.js";

/**
 * `applyReplicated` as set-based SQL: the whole batch travels as one JSON parameter and one
 * statement classifies every row and writes the winners, returning an outcome per row:
 *
 * 1. `input` unpacks the rows with `json_to_recordset` (owner ids that are not UUIDs become NULL,
 *    so they read as missing owners instead of failing the batch);
 * 2. `decided` joins the stored row, each owner and each unique-key holder and applies the
 *    replication rule of the contract (stale / version conflict / missing owner / key conflict);
 * 3. `written` is `INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE excluded.version > stored.version`
 *    for the rows decided `applied`, so a concurrent newer write is never overwritten.
 *
 * The contract applies a batch row by row, so a row may depend on an earlier row of the same batch
 * (the same id twice, two rows claiming one unique key, a key freed by a row of the batch). Those
 * batches are rare (and detected: client side, or by the statement reporting `sequential` and
 * writing nothing), and they run row by row through the same statement, each row seeing the last.
 * A row a concurrent writer got to first reports `retry` and is re-run on its own.
 */

const UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

interface OutcomeRow {
  id: string;
  outcome: string;
  storedVersion: number | null;
  [holder: `h${number}`]: string | null;
}

function buildStatement(info: TableInfo): Prepared {
  const t = info.table;
  const i = sql`"i"`;
  const s = sql`"s"`;
  const c = sql`"c"`;
  const ownerFields = new Set(info.owners.map((o) => o.field));
  const optionalOwners = new Set(info.owners.filter((o) => o.optional).map((o) => o.field));
  const recordType = sql.join(
    info.columns.map((col) => sql`${sql.identifier(col.field)} ${ownerFields.has(col.field) ? sql`text` : col.cast}`),
    sql`, `,
  );
  const inputCols = sql.join(
    info.columns.map((col) => {
      const f = sql.identifier(col.field);
      if (!ownerFields.has(col.field)) return sql`"r".${f}`;
      const checked = sql`CASE WHEN "r".${f} ~ ${sql`${UUID_RE}`} THEN "r".${f}::uuid END AS ${f}`;
      return optionalOwners.has(col.field) ? sql`${checked}, "r".${f} AS ${sql.identifier(`${col.field}__raw`)}` : checked;
    }),
    sql`, `,
  );
  const same = sql.join(
    info.columns.map((col) => sql`${ref(col, s)} IS NOT DISTINCT FROM ${i}.${sql.identifier(col.field)}`),
    sql` AND `,
  );
  const ownerJoins: SQL[] = info.owners.map(
    (owner, n) =>
      sql`LEFT JOIN LATERAL (SELECT "deleted" FROM ${owner.table} WHERE "id" = ${c}.${sql.identifier(owner.field)}) ${sql.identifier(`o${n}`)} ON true`,
  );
  const holderJoins: SQL[] = info.uniqueKeys.map((key, n) => {
    const eq = key.fields.map((f) => sql`${ref(info.byField.get(f)!, sql`"x"`)} = ${c}.${sql.identifier(f)}`);
    return sql`LEFT JOIN LATERAL (SELECT "x"."id" FROM ${t} "x" WHERE ${sql.join(eq, sql` AND `)} AND "x"."deleted" = false AND "x"."id" <> ${c}."id" LIMIT 1) ${sql.identifier(`h${n}`)} ON true`;
  });
  const cases: SQL[] = [
    sql`WHEN ${c}."__stored" IS NOT NULL AND (${c}."__stored" > ${c}."version" OR ${c}."__same") THEN 'stale'`,
    sql`WHEN ${c}."__stored" IS NOT NULL AND ${c}."__stored" >= ${c}."version" THEN 'version'`,
    ...info.owners.map((owner, n) => {
      const ov = sql.identifier(`o${n}`);
      const missing = sql`(${ov}."deleted" IS NULL OR (${ov}."deleted" AND NOT ${c}."deleted"))`;
      // A null optional owner names no row; a malformed one (not a UUID) arrives here as null too, so it is kept apart.
      const named = owner.optional ? sql`(${c}.${sql.identifier(owner.field)} IS NOT NULL OR ${c}.${sql.identifier(`${owner.field}__raw`)} IS NOT NULL) AND ` : sql``;
      return sql`WHEN ${named}${missing} THEN ${`owner:${n}`}::text`;
    }),
    ...info.uniqueKeys.map((_, n) => {
      const hv = sql.identifier(`h${n}`);
      return sql`WHEN NOT ${c}."deleted" AND ${hv}."id" IS NOT NULL THEN CASE WHEN ${hv}."id" IN (SELECT "id" FROM "input") THEN 'sequential' ELSE ${`key:${n}`}::text END`;
    }),
  ];
  const holders = info.uniqueKeys.map((_, n) => sql`, ${sql.identifier(`h${n}`)}."id" AS ${sql.identifier(`h${n}`)}`);
  const holderOut = info.uniqueKeys.map((_, n) => sql`, d.${sql.identifier(`h${n}`)}::text AS ${sql.identifier(`h${n}`)}`);
  const cols = sql.join(info.columns.map((col) => col.ident), sql`, `);
  const vals = sql.join(info.columns.map((col) => sql`${i}.${sql.identifier(col.field)}`), sql`, `);
  const sets = sql.join(
    info.columns.filter((col) => col.field !== "id").map((col) => sql`${col.ident} = excluded.${col.ident}`),
    sql`, `,
  );
  const query = sql`WITH "input" AS (
  SELECT ${inputCols} FROM json_to_recordset(${sql.placeholder("rows")}::json) AS "r"(${recordType})
), "cur" AS (
  SELECT ${i}.*, ${s}."version" AS "__stored", (${s}."id" IS NOT NULL AND ${same}) AS "__same"
  FROM "input" ${i} LEFT JOIN ${t} ${s} ON ${s}."id" = ${i}."id"
), "decided" AS (
  SELECT ${c}."id", CASE ${sql.join(cases, sql` `)} ELSE 'applied' END AS "outcome", ${c}."__stored" AS "storedVersion"${sql.join(holders, sql``)}
  FROM "cur" ${c} ${sql.join([...ownerJoins, ...holderJoins], sql` `)}
), "written" AS (
  INSERT INTO ${t} (${cols}, "change_seq")
  SELECT ${vals}, ${NEXT_CHANGE_SEQ} FROM "input" ${i} JOIN "decided" "d" ON "d"."id" = ${i}."id"
  WHERE "d"."outcome" = 'applied' AND NOT EXISTS (SELECT 1 FROM "decided" WHERE "outcome" = 'sequential')
  ON CONFLICT ("id") DO UPDATE SET ${sets}, "change_seq" = excluded."change_seq"
  WHERE excluded."version" > ${t}."version"
  RETURNING "id"
)
SELECT d."id"::text AS "id",
  CASE WHEN d."outcome" = 'applied' AND w."id" IS NULL THEN 'retry' ELSE d."outcome" END AS "outcome",
  d."storedVersion"${sql.join(holderOut, sql``)}
FROM "decided" d LEFT JOIN "written" w ON w."id" = d."id"`;
  return new Prepared(`journal_store_replicate_${info.tableName}`, query);
}

const statements = new Map<CollectionName, Prepared>();

function statementOf(collection: CollectionName): Prepared {
  let s = statements.get(collection);
  if (!s) statements.set(collection, (s = buildStatement(INFO[collection])));
  return s;
}

/** The string form of a live row's unique key, or null (tombstones hold no key). */
function keyValue(fields: readonly string[], row: AnyRow): string | null {
  if (row.deleted) return null;
  const r = row as unknown as Record<string, unknown>;
  const parts = fields.map((f) => r[f]);
  return parts.some((p) => p === null || p === undefined) ? null : JSON.stringify(parts);
}

/** True when a row of the batch may depend on another row of it (same id, same unique key). */
function needsSequential(info: TableInfo, rows: readonly AnyRow[]): boolean {
  const ids = new Set<string>();
  for (const row of rows) {
    if (ids.has(row.id)) return true;
    ids.add(row.id);
  }
  for (const key of info.uniqueKeys) {
    const seen = new Set<string>();
    for (const row of rows) {
      const v = keyValue(key.fields, row);
      if (v === null) continue;
      if (seen.has(v)) return true;
      seen.add(v);
    }
  }
  return false;
}

function toOutcome(info: TableInfo, row: AnyRow, r: OutcomeRow): ReplicationOutcome {
  const stored = r.storedVersion === null ? 0 : Number(r.storedVersion);
  if (r.outcome === "applied") return { id: row.id, outcome: "applied" };
  if (r.outcome === "stale") return { id: row.id, outcome: "stale", storedVersion: stored };
  if (r.outcome === "version") return { id: row.id, outcome: "conflict", reason: "version", storedVersion: stored };
  const [kind, n] = r.outcome.split(":");
  if (kind === "owner") {
    const owner = info.owners[Number(n)]!;
    const ownerId = (row as unknown as Record<string, unknown>)[owner.field];
    return { id: row.id, outcome: "missing-owner", ownerCollection: owner.collection, ownerId: String(ownerId) };
  }
  if (kind === "key") {
    const key = info.uniqueKeys[Number(n)]!;
    return { id: row.id, outcome: "conflict", reason: "unique-key", key: key.name, holderId: String(r[`h${Number(n)}`]) };
  }
  throw new Error(`journal-store: unexpected replication outcome ${r.outcome}`);
}

/** Runs the statement over `rows`; returns the outcome rows by id. */
async function runBatch(q: Queryable, collection: CollectionName, rows: readonly AnyRow[]): Promise<Map<string, OutcomeRow>> {
  const result = await statementOf(collection).execute<OutcomeRow>(q, { rows: JSON.stringify(rows) });
  return new Map(result.map((r) => [r.id, r]));
}

/** Applies one row on its own, re-running it while a concurrent writer keeps winning the race. */
async function applyOne(q: Queryable, collection: CollectionName, row: AnyRow): Promise<ReplicationOutcome> {
  const info = INFO[collection];
  for (let attempt = 0; ; attempt++) {
    const r = (await runBatch(q, collection, [row])).get(row.id);
    if (!r) throw new Error("journal-store: replication statement returned no outcome");
    if (r.outcome !== "retry") return toOutcome(info, row, r);
    if (attempt >= 5) throw new BackendError(BACKEND_NAME, `${collection} ${row.id}: replication kept losing races to concurrent writes`);
  }
}

/** Checks every id before any SQL runs (the contract's ValidationError on a malformed id). */
export function checkIds(collection: CollectionName, rows: readonly AnyRow[]): void {
  for (const row of rows) {
    checkId(collection, row.id);
  }
}

/**
 * Applies `rows` on `q` with per-row outcomes. `sequential` runs rows one by one (used when the
 * batch depends on itself); `begin` wraps that row-by-row work in a transaction when `q` is not
 * already inside one, so the batch stays all-or-nothing.
 */
export async function applyReplicatedOn(
  q: Queryable,
  collection: CollectionName,
  rows: readonly AnyRow[],
  inTransaction: <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>,
): Promise<ReplicationOutcome[]> {
  checkIds(collection, rows);
  if (rows.length === 0) return [];
  const info = INFO[collection];
  const rowByRow = () =>
    inTransaction(async (tq) => {
      const out: ReplicationOutcome[] = [];
      for (const row of rows) out.push(await applyOne(tq, collection, row));
      return out;
    });
  if (needsSequential(info, rows)) return rowByRow();
  const byId = await runBatch(q, collection, rows);
  if ([...byId.values()].some((r) => r.outcome === "sequential")) return rowByRow();
  const out: ReplicationOutcome[] = [];
  for (const row of rows) {
    const r = byId.get(row.id)!;
    out.push(r.outcome === "retry" ? await applyOne(q, collection, row) : toOutcome(info, row, r));
  }
  return out;
}
