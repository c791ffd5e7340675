import { type SQL, sql } from "drizzle-orm";
import type { ReplicationOutcome } from "../../backend.js";
import { BackendError } from "../../errors.js";
import { checkId, isId } from "../../model/ids.js";
import type { AnyRow, CollectionName } from "../../model/rows.js";
import type { FieldKind } from "../../model/collections.js";
import { type Compiled, Prepared, compile, run } from "./compile.js";
import { copyChunks, copyStreams } from "./copy.js";
import type { Queryable } from "./driver.js";
import { BACKEND_NAME } from "./errors.js";
import { type TableInfo, INFO, NEXT_CHANGE_SEQ, NEXTVAL_AFTER_GUARD, TAKE_CHANGE_GUARD, ref } from "./mapping.js";

/**
 * `applyReplicated` as set-based SQL: one statement classifies every row of a batch and writes the
 * winners, returning an outcome per row. The batch reaches it one of two ways:
 * - as one JSON parameter unpacked with `json_to_recordset` (any driver, PGlite included);
 * - for large batches on node-postgres, COPY'd into a session temp table (`pg_temp`, emptied at
 *   commit) through pg-copy-streams, which skips the JSON parse and the parameter's size.
 *
 * 1. `input` reads the rows (owner ids that are not UUIDs become NULL, so they read as missing
 *    owners instead of failing the batch);
 * 2. `decided` joins the stored row, each owner and each unique-key holder and applies the
 *    replication rule of the contract (stale / version conflict / missing owner / key conflict);
 * 3. `written` is `INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE excluded.version > stored.version`
 *    for the rows decided `applied`, so a concurrent newer write is never overwritten.
 *
 * The contract applies a batch row by row, so a row may depend on an earlier row of the same batch
 * (the same id twice, two rows claiming one unique key, a key freed by a row of the batch). The
 * batch is cut before each row the client sees depending on an earlier one, and the runs are
 * applied in order in one transaction; a run the statement finds depending on itself (it reports
 * `sequential` and writes nothing) goes row by row, each row seeing the last. A row a concurrent
 * writer got to first reports `retry` and is re-run on its own.
 */

const UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

interface OutcomeRow {
  id: string;
  outcome: string;
  storedVersion: number | null;
  [holder: `h${number}`]: string | null;
}

/** Where a replication statement reads the batch from. */
type Source = "json" | "stage";

/** The session's staging table of a collection (a temp table: each connection has its own). */
function stageTable(info: TableInfo): SQL {
  return sql`pg_temp.${sql.identifier(`journal_store_stage_${info.tableName}`)}`;
}

/**
 * The batch as a record type: every field under its own name, with its column's type; with
 * `ownersAsText`, owner ids stay text (an owner id that is not a UUID reads as a missing owner
 * instead of failing the batch).
 */
function recordType(info: TableInfo, ownersAsText: boolean): SQL {
  const ownerFields = new Set(ownersAsText ? info.owners.map((o) => o.field) : []);
  return sql.join(
    info.columns.map((col) => sql`${sql.identifier(col.field)} ${ownerFields.has(col.field) ? sql`text` : col.cast}`),
    sql`, `,
  );
}

function buildStatement(info: TableInfo, source: Source): SQL {
  const t = info.table;
  const i = sql`"i"`;
  const s = sql`"s"`;
  const c = sql`"c"`;
  const ownerFields = new Set(info.owners.map((o) => o.field));
  const optionalOwners = new Set(info.owners.filter((o) => o.optional).map((o) => o.field));
  const inputCols = sql.join(
    info.columns.map((col) => {
      const f = sql.identifier(col.field);
      if (!ownerFields.has(col.field)) return sql`"r".${f}`;
      const checked = sql`CASE WHEN "r".${f} ~ ${sql`${UUID_RE}`} THEN "r".${f}::uuid END AS ${f}`;
      return optionalOwners.has(col.field) ? sql`${checked}, "r".${f} AS ${sql.identifier(`${col.field}__raw`)}` : checked;
    }),
    sql`, `,
  );
  // JSON: a CTE unpacks the parameter. Staged: the staging table is read directly (no CTE to
  // materialise); its owner columns are uuid, the client having sent NULL for a malformed id.
  const from = sql`json_to_recordset(${sql.placeholder("rows")}::json) AS "r"(${recordType(info, true)})`;
  const input = source === "json" ? sql`"input"` : stageTable(info);
  // The staged path takes the transaction's change guard first (see runStaged), so plain nextval
  // is equivalent there and saves a function call per row.
  const nextSeq = source === "json" ? NEXT_CHANGE_SEQ : NEXTVAL_AFTER_GUARD;
  // Every lookup (stored row, owners, key holders) is a LATERAL subquery with LIMIT 1, which
  // PostgreSQL never flattens into a join: it stays one index probe per batch row. A plain join
  // let the planner merge- or hash-join a staged batch of thousands of rows against the whole
  // table (measured: a full index scan of 200,000 entries for a 5,000-row batch).
  const same = sql.join(
    info.columns.map((col) => sql`${ref(col, s)} IS NOT DISTINCT FROM ${i}.${sql.identifier(col.field)}`),
    sql` AND `,
  );
  const ownerJoins: SQL[] = info.owners.map(
    (owner, n) =>
      sql`LEFT JOIN LATERAL (SELECT "deleted" FROM ${owner.table} WHERE "id" = ${c}.${sql.identifier(owner.field)} LIMIT 1) ${sql.identifier(`o${n}`)} ON true`,
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
      // A null optional owner names no row; from JSON a malformed one (not a UUID) arrives here as
      // null too, so it is kept apart (`__raw`). A staged batch never holds a malformed optional
      // owner (such a batch takes the JSON path, see `stageable`).
      const raw = source === "json" ? sql` OR ${c}.${sql.identifier(`${owner.field}__raw`)} IS NOT NULL` : sql``;
      const named = owner.optional ? sql`(${c}.${sql.identifier(owner.field)} IS NOT NULL${raw}) AND ` : sql``;
      return sql`WHEN ${named}${missing} THEN ${`owner:${n}`}::text`;
    }),
    ...info.uniqueKeys.map((_, n) => {
      const hv = sql.identifier(`h${n}`);
      return sql`WHEN NOT ${c}."deleted" AND ${hv}."id" IS NOT NULL THEN CASE WHEN ${hv}."id" IN (SELECT "id" FROM ${input}) THEN 'sequential' ELSE ${`key:${n}`}::text END`;
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
  const head = source === "json" ? sql`WITH "input" AS (
  SELECT ${inputCols} FROM ${from}
), ` : sql`WITH `;
  return sql`${head}"cur" AS (
  SELECT ${i}.*, ${s}."version" AS "__stored", (${s}."id" IS NOT NULL AND ${same}) AS "__same"
  FROM ${input} ${i} LEFT JOIN LATERAL (SELECT * FROM ${t} WHERE "id" = ${i}."id" LIMIT 1) ${s} ON true
), "decided" AS (
  SELECT ${c}."id", CASE ${sql.join(cases, sql` `)} ELSE 'applied' END AS "outcome", ${c}."__stored" AS "storedVersion"${sql.join(holders, sql``)}
  FROM "cur" ${c} ${sql.join([...ownerJoins, ...holderJoins], sql` `)}
), "written" AS (
  INSERT INTO ${t} (${cols}, "change_seq")
  SELECT ${vals}, ${nextSeq} FROM ${input} ${i} JOIN "decided" "d" ON "d"."id" = ${i}."id"
  WHERE "d"."outcome" = 'applied' AND NOT EXISTS (SELECT 1 FROM "decided" WHERE "outcome" = 'sequential')
  ON CONFLICT ("id") DO UPDATE SET ${sets}, "change_seq" = excluded."change_seq"
  WHERE excluded."version" > ${t}."version"
  RETURNING "id"
)
SELECT d."id"::text AS "id",
  CASE WHEN d."outcome" = 'applied' AND w."id" IS NULL THEN 'retry' ELSE d."outcome" END AS "outcome",
  d."storedVersion"${sql.join(holderOut, sql``)}
FROM "decided" d LEFT JOIN "written" w ON w."id" = d."id"`;
}

/** The staged path's statements of one collection, compiled once. */
interface StagedStatements {
  /** Creates the session's staging table unless it exists; its rows go at every commit. */
  create: string;
  copy: string;
  merge: Compiled;
  /** Empties the staging table for the next batch of the same transaction. */
  clear: string;
  /** The fields in COPY column order, owners as text. */
  fields: { field: string; kind: FieldKind | "owner" }[];
}

const statements = new Map<CollectionName, Prepared>();

function statementOf(collection: CollectionName): Prepared {
  let s = statements.get(collection);
  if (!s) {
    const info = INFO[collection];
    statements.set(collection, (s = new Prepared(`journal_store_replicate_${info.tableName}`, buildStatement(info, "json"))));
  }
  return s;
}

const staged = new Map<CollectionName, StagedStatements>();

function stagedOf(collection: CollectionName): StagedStatements {
  let s = staged.get(collection);
  if (!s) {
    const info = INFO[collection];
    const stage = stageTable(info);
    const owners = new Set(info.owners.map((o) => o.field));
    const names = sql.join(info.columns.map((col) => sql.identifier(col.field)), sql`, `);
    staged.set(
      collection,
      (s = {
        create: compile(sql`CREATE TEMP TABLE IF NOT EXISTS ${stage} (${recordType(info, false)}) ON COMMIT DELETE ROWS`).text,
        copy: compile(sql`COPY ${stage} (${names}) FROM STDIN`).text,
        merge: compile(buildStatement(info, "stage")),
        clear: compile(sql`TRUNCATE ${stage}`).text,
        fields: info.columns.map((col) => ({ field: col.field, kind: owners.has(col.field) ? ("owner" as const) : col.kind })),
      }),
    );
  }
  return s;
}

/** The string form of a live row's unique key, or null (tombstones hold no key). */
function keyValue(fields: readonly string[], row: AnyRow): string | null {
  if (row.deleted) return null;
  const r = row as unknown as Record<string, unknown>;
  const parts = fields.map((f) => r[f]);
  return parts.some((p) => p === null || p === undefined) ? null : JSON.stringify(parts);
}

/**
 * The batch cut into runs of rows that cannot depend on each other: a run ends before a row whose
 * id, or whose live unique key, an earlier row of the run already has. Applying the runs in order,
 * each set-based, gives the row-by-row outcomes (a dependency the client cannot see, a key freed
 * by another row of the run, is caught by the statement, which then reports `sequential`).
 */
export function independentRuns(info: TableInfo, rows: readonly AnyRow[]): AnyRow[][] {
  const runs: AnyRow[][] = [];
  let run: AnyRow[] = [];
  let ids = new Set<string>();
  let keys = info.uniqueKeys.map(() => new Set<string>());
  for (const row of rows) {
    const values = info.uniqueKeys.map((key) => keyValue(key.fields, row));
    const clash = ids.has(row.id) || values.some((v, n) => v !== null && keys[n]!.has(v));
    if (clash) {
      runs.push(run);
      run = [];
      ids = new Set();
      keys = info.uniqueKeys.map(() => new Set<string>());
    }
    run.push(row);
    ids.add(row.id);
    values.forEach((v, n) => v !== null && keys[n]!.add(v));
  }
  if (run.length > 0) runs.push(run);
  return runs;
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

/**
 * The bulk path, on one connection inside a transaction: COPY the rows into the session's staging
 * table, then the same classification and write as {@link runBatch}, reading the staging table.
 * The transaction's change guard is taken first (`next_change_seq()`), so every row written
 * after it holds a later value, as the change horizon requires. Rows holding text PostgreSQL
 * cannot store go through {@link runBatch}, which refuses them as before.
 */
async function runStaged(q: Queryable & Required<Pick<Queryable, "copyFrom">>, collection: CollectionName, rows: readonly AnyRow[]): Promise<Map<string, OutcomeRow>> {
  const st = stagedOf(collection);
  const chunks = copyChunks(rows as unknown as readonly Record<string, unknown>[], st.fields);
  if (!chunks) return runBatch(q, collection, rows);
  await q.query(st.create, []);
  await run(q, TAKE_CHANGE_GUARD);
  await q.copyFrom(st.copy, chunks);
  const result = await q.query<OutcomeRow>(st.merge.text, st.merge.params);
  await q.query(st.clear, []);
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

/**
 * Whether a run may be COPY'd: COPY sends a malformed owner id as NULL, which for an optional
 * owner would read as "no owner" instead of a missing one, so such a run takes the JSON path.
 */
function stageable(info: TableInfo, rows: readonly AnyRow[]): boolean {
  const optional = info.owners.filter((o) => o.optional).map((o) => o.field);
  return optional.every((field) => rows.every((r) => {
    const v = (r as unknown as Record<string, unknown>)[field];
    return v === null || isId(v);
  }));
}

/** Checks every id before any SQL runs (the contract's ValidationError on a malformed id). */
export function checkIds(collection: CollectionName, rows: readonly AnyRow[]): void {
  for (const row of rows) {
    checkId(collection, row.id);
  }
}

/** When a batch takes the bulk path (COPY into a staging table, then one merge). */
export interface BulkSettings {
  /** Rows in a batch (or an independent run of it) from which the bulk path is taken. */
  minRows: number;
}

/**
 * The default of {@link BulkSettings}: the one place it is written. Measured with
 * `npm run bench:sync` (its batch-size sweep, both paths alternating on one table in bulk-load
 * mode): below 5,000 rows the COPY path's extra round trips (staging table, guard, COPY, merge,
 * clear) cost more than the JSON parameter saves (users 0.5-1.0x, journal entries 0.6-1.0x); from
 * 5,000 it is at par or ahead (users 1.1x). For 1.3 KB entries the trigram GIN update dominates
 * whichever way the rows arrive.
 */
export const BULK_DEFAULTS: BulkSettings = { minRows: 5000 };

/**
 * Applies `rows` on `q` with per-row outcomes, exactly as the contract's row-by-row rule would:
 * the batch is cut into independent runs ({@link independentRuns}) applied in order, each with
 * one set-based statement (from JSON, or from COPY when the run has at least `bulk.minRows` rows
 * and the connection can COPY); a run the statement finds depending on itself goes row by row.
 * `inTransaction` wraps work that needs one connection or several statements (it is `fn(q)`
 * when `q` is already inside a transaction), so the batch stays all-or-nothing.
 */
export async function applyReplicatedOn(
  q: Queryable,
  collection: CollectionName,
  rows: readonly AnyRow[],
  inTransaction: <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>,
  bulk: BulkSettings = BULK_DEFAULTS,
): Promise<ReplicationOutcome[]> {
  checkIds(collection, rows);
  if (rows.length === 0) return [];
  const info = INFO[collection];
  const runs = independentRuns(info, rows);
  const canCopy = q.copyFrom !== undefined && runs.some((r) => r.length >= bulk.minRows) && (await copyStreams()) !== null;
  const applyRun = async (rq: Queryable, part: readonly AnyRow[], alone: boolean): Promise<ReplicationOutcome[]> => {
    const staged = canCopy && rq.copyFrom !== undefined && part.length >= bulk.minRows && stageable(info, part);
    const byId = staged ? await runStaged(rq as Queryable & Required<Pick<Queryable, "copyFrom">>, collection, part) : await runBatch(rq, collection, part);
    if ([...byId.values()].some((r) => r.outcome === "sequential")) {
      const rowByRow = async (tq: Queryable) => {
        const out: ReplicationOutcome[] = [];
        for (const row of part) out.push(await applyOne(tq, collection, row));
        return out;
      };
      return alone ? inTransaction(rowByRow) : rowByRow(rq);
    }
    const out: ReplicationOutcome[] = [];
    for (const row of part) {
      const r = byId.get(row.id)!;
      out.push(r.outcome === "retry" ? await applyOne(rq, collection, row) : toOutcome(info, row, r));
    }
    return out;
  };
  if (runs.length === 1 && !(canCopy && q.copyFrom !== undefined)) return applyRun(q, rows, true);
  return inTransaction(async (tq) => {
    const out: ReplicationOutcome[] = [];
    for (const part of runs) out.push(...(await applyRun(tq, part, false)));
    return out;
  });
}
