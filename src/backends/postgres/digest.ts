import { type SQL, sql } from "drizzle-orm";
import type { DigestRange, RangeDigest } from "../../backend.js";
import { checkDigestRange, hashHex, partsOf } from "../../digest.js";
import { checkCollection } from "../../model/collections.js";
import { bigIntToId, idToBigInt } from "../../model/ids.js";
import type { CollectionName } from "../../model/rows.js";
import { run } from "./compile.js";
import type { Driver } from "./driver.js";
import { type ColumnInfo, type TableInfo, INFO, ref } from "./mapping.js";

/**
 * Range digests computed inside PostgreSQL: one parameterised aggregate over the id range (served
 * by the primary key), the canonical text of each row built in SQL exactly as `canonical.ts` builds
 * it in JavaScript, hashed with `hashtextextended` (in the "C" collation, so always over its
 * bytes; `hash-bytes.ts` is the same hash in JavaScript) and summed; the parts of a cut range come
 * from one `GROUP BY width_bucket(id, cuts)`. Only counts, hashes and two ids cross the wire.
 */

/** The canonical form of one column in SQL (see the table in `canonical.ts`); null becomes `n`. */
function canonicalExpr(column: ColumnInfo): SQL {
  const c = ref(column);
  const expr =
    column.kind === "text"
      ? sql`octet_length(${c})::text || ':' || ${c}`
      : column.kind === "textArray" || column.kind === "numberArray"
        ? sql`encode(array_send(${c}), 'hex')`
        : column.kind === "number"
          ? sql`encode(float8send(${c} + 0::float8), 'hex')`
          : column.kind === "timestamp"
            ? sql`round(date_part('epoch', ${c}) * 1000)::bigint::text`
            : column.kind === "date"
              ? sql`(${c} - DATE '1970-01-01')::text`
              : sql`${c}::text`; // uuid, integer (int4/int8 text), boolean, jsonb
  return sql`coalesce(${expr}, 'n')`;
}

const rowTexts = new WeakMap<TableInfo, SQL>();

/** The canonical row text of a collection, in SQL (built once per collection). */
function canonicalRowExpr(info: TableInfo): SQL {
  let expr = rowTexts.get(info);
  if (!expr) rowTexts.set(info, (expr = sql.join(info.columns.map(canonicalExpr), sql` || '|' || `)));
  return expr;
}

/**
 * The digests of each part of `range` in `collection` (of the parts listed in `range.parts`
 * only, when given: the others' rows are filtered out before they are hashed), by one statement.
 * A cut range is aggregated by hashing, in a transaction with `SET LOCAL enable_sort = off`:
 * otherwise the planner sorts every row of the range by its part (on disk, with 100k journal
 * entries) and the cut digest costs about 1.3x the whole-range one instead of about the same.
 */
export async function digestOn(driver: Driver, collection: CollectionName, range: DigestRange): Promise<RangeDigest[]> {
  checkCollection(collection);
  checkDigestRange(collection, range);
  const info = INFO[collection];
  const cuts = range.splitAt ?? [];
  const where: SQL[] = [sql`true`];
  if (range.afterId != null) where.push(sql`"id" > ${range.afterId}::uuid`);
  if (range.untilId != null) where.push(sql`"id" <= ${range.untilId}::uuid`);
  // width_bucket counts the thresholds at or below the id; part i ends at cut i inclusive, so the
  // thresholds are the ids just after each cut.
  const thresholds = `{${cuts.map((c) => bigIntToId(idToBigInt(c) + 1n)).join(",")}}`;
  const part = cuts.length > 0 ? sql`width_bucket("id", ${thresholds}::uuid[])` : sql`0`;
  if (range.parts) where.push(sql`${part} = ANY(${`{${range.parts.join(",")}}`}::int[])`);
  const statement = sql`SELECT ${part} AS "part", count(*)::float8 AS "n", sum(hashtextextended(${canonicalRowExpr(info)} COLLATE "C", 0))::text AS "s", min("id"::text) AS "first", max("id"::text) AS "last" FROM ${info.table} WHERE ${sql.join(where, sql` AND `)} GROUP BY 1`;
  type Row = { part: number; n: number; s: string; first: string; last: string };
  const rows =
    cuts.length === 0
      ? await run<Row>(driver, statement)
      : await driver.transaction(async (q) => {
          await q.query("SET LOCAL enable_sort = off", []);
          return run<Row>(q, statement);
        });
  const wanted = partsOf(range);
  const at = new Map(wanted.map((p, i) => [p, i]));
  const out: RangeDigest[] = wanted.map(() => ({ count: 0, hash: hashHex(0n), firstId: null, lastId: null }));
  for (const r of rows) {
    const i = at.get(Number(r.part));
    if (i !== undefined) out[i] = { count: Number(r.n), hash: hashHex(BigInt(r.s)), firstId: r.first, lastId: r.last };
  }
  return out;
}
