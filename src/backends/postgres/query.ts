import { type SQL, sql } from "drizzle-orm";
import type { Filter, OrderBy, QuerySpec } from "../../backend.js";
import { decodeCursor } from "../../cursor.js";
import { ValidationError } from "../../errors.js";
import { isId } from "../../model/ids.js";
import { type ColumnInfo, type TableInfo, encodeValue, param, selectList, textArrayLiteral } from "./mapping.js";

/**
 * The query compiler: the contract's filters, ordering and keyset cursor as parameterised SQL.
 * Field names and directions are checked against the collection spec (an allowlist) before they
 * choose a column; values only ever travel as parameters.
 */

const FALSE = sql`false`;
const DIRECTIONS = { asc: sql`ASC`, desc: sql`DESC` } as const;

function column(info: TableInfo, field: string, path: string): ColumnInfo {
  const c = info.byField.get(field);
  if (!c) throw new ValidationError(info.collection, [{ path, message: `unknown field ${field}` }]);
  return c;
}

/** Escapes `%`, `_` and `\` so a search term matches literally inside `LIKE '%term%'`. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, "\\$&")}%`;
}

/** Text compared by range uses byte order, as JavaScript compares strings. */
function comparable(c: ColumnInfo): SQL {
  return c.kind === "text" ? sql`${c.ident} COLLATE "C"` : sql`${c.ident}`;
}

/** One filter as a condition. */
function condition(info: TableInfo, f: Filter): SQL {
  const c = column(info, f.field, "where");
  switch (f.op) {
    case "eq":
      // A uuid column holds lowercase UUIDs only; anything else cannot be equal (and must not reach a cast).
      if (c.kind === "uuid" && !isId(f.value)) return FALSE;
      return sql`${c.ident} = ${param(c, f.value)}`;
    case "in": {
      const values = c.kind === "uuid" ? f.values.filter(isId) : [...f.values];
      if (values.length === 0) return FALSE;
      const literal = c.kind === "text" || c.kind === "uuid" || c.kind === "date" || c.kind === "timestamp"
        ? textArrayLiteral(values)
        : `{${values.map((v) => encodeValue(c.kind, v)).join(",")}}`;
      return sql`${c.ident} = ANY(${literal}::${c.arrayCast})`;
    }
    case "gt":
      return sql`${comparable(c)} > ${param(c, f.value)}`;
    case "gte":
      return sql`${comparable(c)} >= ${param(c, f.value)}`;
    case "lt":
      return sql`${comparable(c)} < ${param(c, f.value)}`;
    case "lte":
      return sql`${comparable(c)} <= ${param(c, f.value)}`;
    case "overlaps":
      return sql`${c.ident} && ${textArrayLiteral(f.values)}::text[]`;
    case "contains":
      return sql`${c.ident} @> ${textArrayLiteral(f.values)}::text[]`;
    case "search":
      if (f.terms.length === 0) return sql`true`;
      return sql.join(
        f.terms.map((t) => sql`${c.ident} LIKE ${likePattern(t)} ESCAPE E'\\\\'`),
        sql` AND `,
      );
    default:
      throw new ValidationError(info.collection, [{ path: "where", message: `unknown operator` }]);
  }
}

/** `NOT deleted AND` every filter: queries and counts see live rows only. */
export function whereLive(info: TableInfo, filters: readonly Filter[] = []): SQL {
  return sql.join([sql`"deleted" = false`, ...filters.map((f) => sql`(${condition(info, f)})`)], sql` AND `);
}

/** Checks the ordering against the spec's sortable fields and returns its column. */
export function orderColumn(info: TableInfo, orderBy: OrderBy, sortable: readonly string[]): ColumnInfo {
  const ok = orderBy.field === "id" || sortable.includes(orderBy.field);
  if (!ok) {
    throw new ValidationError(info.collection, [
      { path: "orderBy", message: `cannot order by ${orderBy.field} (sortable: ${["id", ...sortable].join(", ")})` },
    ]);
  }
  if (orderBy.direction !== "asc" && orderBy.direction !== "desc") {
    throw new ValidationError(info.collection, [{ path: "orderBy", message: "direction must be asc or desc" }]);
  }
  return column(info, orderBy.field, "orderBy");
}

/** The page query: live rows, filters, after the cursor, ordered, `limit + 1` rows to see a next page. */
export function pageSql(info: TableInfo, spec: QuerySpec, sortable: readonly string[]): SQL {
  const order = orderColumn(info, spec.orderBy, sortable);
  const dir = DIRECTIONS[spec.orderBy.direction];
  const conditions = [whereLive(info, spec.where)];
  if (spec.cursor) {
    const after = decodeCursor(info.collection, spec.orderBy, spec.cursor);
    if (!isId(after.id) || (order.field === "id" && !isId(after.value))) {
      throw new ValidationError(info.collection, [{ path: "cursor", message: "is not a cursor returned by this store" }]);
    }
    const cmp = spec.orderBy.direction === "asc" ? sql`>` : sql`<`;
    conditions.push(
      order.field === "id"
        ? sql`"id" ${cmp} ${after.id}::uuid`
        : sql`(${order.ident}, "id") ${cmp} (${param(order, after.value)}, ${after.id}::uuid)`,
    );
  }
  const limit = Math.max(0, Math.floor(spec.limit)) + 1;
  const orderSql = order.field === "id" ? sql`"id" ${dir}` : sql`${order.ident} ${dir}, "id" ${dir}`;
  return sql`SELECT ${selectList(info)} FROM ${info.table} WHERE ${sql.join(conditions, sql` AND `)} ORDER BY ${orderSql} LIMIT ${limit}`;
}

/** The count query over live rows. */
export function countSql(info: TableInfo, filters: readonly Filter[] = []): SQL {
  return sql`SELECT count(*)::float8 AS "n" FROM ${info.table} WHERE ${whereLive(info, filters)}`;
}
