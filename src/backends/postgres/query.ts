import { createHash } from "node:crypto";
import { type SQL, fillPlaceholders, sql } from "drizzle-orm";
import type { Filter, OrderBy, QuerySpec } from "../../backend.js";
import { decodeCursor } from "../../cursor.js";
import { ValidationError } from "../../errors.js";
import { isId } from "../../model/ids.js";
import { checkOrderBy } from "../../model/order.js";
import { type Compiled, compile } from "./compile.js";
import { type ColumnInfo, type TableInfo, encodeValue, selectList, textArrayLiteral } from "./mapping.js";

/**
 * The query compiler: the contract's filters, ordering and keyset cursor as parameterised SQL.
 * Field names and directions are checked against the collection spec (an allowlist) before they
 * choose a column; values only ever travel as parameters.
 *
 * Building and compiling Drizzle SQL costs about 80 µs per query, as much as a fast indexed
 * query itself, so each query is built by one walker in two modes: a cheap pass that only
 * collects the parameter values and a shape key (fields, operators, branch taken), and, once per
 * shape, a pass that builds Drizzle SQL with positional placeholders and compiles it. Both passes
 * run the same code, so values and placeholders cannot drift apart.
 */

/** What the walker emits through: real Drizzle SQL, or nothing but collected values. */
interface Emit {
  t(strings: TemplateStringsArray, ...args: unknown[]): SQL;
  /** A parameter holding `value`, cast to `cast`. */
  p(value: unknown, cast: SQL): SQL;
  join(parts: SQL[], separator: SQL): SQL;
  /** Records a branch that changes the SQL text. */
  shape(part: string): void;
}

const NOTHING = sql``;

function collecting(values: unknown[], key: string[]): Emit {
  return {
    t: () => NOTHING,
    p: (value) => (values.push(value), NOTHING),
    join: () => NOTHING,
    shape: (part) => void key.push(part),
  };
}

function building(): Emit {
  let n = 0;
  return {
    t: sql,
    p: (_value, cast) => sql`${sql.placeholder(`p${n++}`)}::${cast}`,
    join: (parts, separator) => sql.join(parts, separator),
    shape: () => {},
  };
}

const DIRECTIONS = { asc: sql`ASC`, desc: sql`DESC` } as const;
const AND = sql` AND `;
const LIVE = sql`"deleted" = false`;
const GT = sql`>`;
const LT = sql`<`;
const TEXT = sql`text`;

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
function comparable(e: Emit, c: ColumnInfo): SQL {
  return c.kind === "text" ? e.t`${c.ident} COLLATE "C"` : e.t`${c.ident}`;
}

const TEXT_ARRAY = sql`text[]`;

/** One filter as a condition. */
function condition(e: Emit, info: TableInfo, f: Filter): SQL {
  const c = column(info, f.field, "where");
  e.shape(`${f.field}:${f.op}`);
  switch (f.op) {
    case "eq":
      // A uuid column holds lowercase UUIDs only; anything else cannot be equal (and must not reach a cast).
      if (c.kind === "uuid" && !isId(f.value)) return e.shape("none"), e.t`false`;
      return e.t`${c.ident} = ${e.p(encodeValue(c.kind, f.value), c.cast)}`;
    case "in": {
      const values = c.kind === "uuid" ? f.values.filter(isId) : [...f.values];
      if (values.length === 0) return e.shape("none"), e.t`false`;
      const literal =
        c.kind === "integer" || c.kind === "number" || c.kind === "boolean"
          ? `{${values.map((v) => encodeValue(c.kind, v)).join(",")}}`
          : textArrayLiteral(values);
      return e.t`${c.ident} = ANY(${e.p(literal, c.arrayCast)})`;
    }
    case "gt":
      return e.t`${comparable(e, c)} > ${e.p(encodeValue(c.kind, f.value), c.cast)}`;
    case "gte":
      return e.t`${comparable(e, c)} >= ${e.p(encodeValue(c.kind, f.value), c.cast)}`;
    case "lt":
      return e.t`${comparable(e, c)} < ${e.p(encodeValue(c.kind, f.value), c.cast)}`;
    case "lte":
      return e.t`${comparable(e, c)} <= ${e.p(encodeValue(c.kind, f.value), c.cast)}`;
    case "overlaps":
      return e.t`${c.ident} && ${e.p(textArrayLiteral(f.values), TEXT_ARRAY)}`;
    case "contains":
      return e.t`${c.ident} @> ${e.p(textArrayLiteral(f.values), TEXT_ARRAY)}`;
    case "search":
      e.shape(String(f.terms.length));
      if (f.terms.length === 0) return e.t`true`;
      return e.join(
        f.terms.map((term) => e.t`${c.ident} LIKE ${e.p(likePattern(term), TEXT)} ESCAPE E'\\\\'`),
        AND,
      );
    default:
      throw new ValidationError(info.collection, [{ path: "where", message: "unknown operator" }]);
  }
}

/** `NOT deleted AND` every filter: queries and counts see live rows only. */
function whereLive(e: Emit, info: TableInfo, filters: readonly Filter[] = []): SQL {
  return e.join([LIVE, ...filters.map((f) => e.t`(${condition(e, info, f)})`)], AND);
}

/** Checks the ordering (the contract's sort-order rule, model/order.ts) and returns its column. */
export function orderColumn(info: TableInfo, orderBy: OrderBy): ColumnInfo {
  checkOrderBy(info.collection, orderBy);
  return column(info, orderBy.field, "orderBy");
}

const UUID = sql`uuid`;
const BIGINT = sql`bigint`;

function page(e: Emit, info: TableInfo, spec: QuerySpec): SQL {
  const order = orderColumn(info, spec.orderBy);
  const dir = DIRECTIONS[spec.orderBy.direction];
  e.shape(`order:${order.field}:${spec.orderBy.direction}`);
  const conditions = [whereLive(e, info, spec.where)];
  if (spec.cursor) {
    e.shape("cursor");
    const after = decodeCursor(info.collection, spec.orderBy, spec.cursor);
    const cmp = spec.orderBy.direction === "asc" ? GT : LT;
    conditions.push(
      order.field === "id"
        ? e.t`"id" ${cmp} ${e.p(after.id, UUID)}`
        : e.t`(${order.ident}, "id") ${cmp} (${e.p(encodeValue(order.kind, after.value), order.cast)}, ${e.p(after.id, UUID)})`,
    );
  }
  const orderSql = order.field === "id" ? e.t`"id" ${dir}` : e.t`${order.ident} ${dir}, "id" ${dir}`;
  const limit = e.p(String(Math.max(0, Math.floor(spec.limit)) + 1), BIGINT);
  return e.t`SELECT ${selectList(info)} FROM ${info.table} WHERE ${e.join(conditions, AND)} ORDER BY ${orderSql} LIMIT ${limit}`;
}

function count(e: Emit, info: TableInfo, filters: readonly Filter[] = []): SQL {
  e.shape("count");
  return e.t`SELECT count(*)::float8 AS "n" FROM ${info.table} WHERE ${whereLive(e, info, filters)}`;
}

const MAX_SHAPES = 1000;
const shapes = new Map<string, Compiled & { name: string }>();

/** A query to run as a named prepared statement: its name is derived from its text. */
export interface NamedCompiled extends Compiled {
  name: string;
}

/** Collects values and shape, then compiles once per shape; returns text and positional params. */
function cached(info: TableInfo, walk: (e: Emit) => SQL): NamedCompiled {
  const values: unknown[] = [];
  const key: string[] = [info.collection];
  walk(collecting(values, key));
  const k = key.join("|");
  let compiled = shapes.get(k);
  if (!compiled) {
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    const c = compile(walk(building()));
    // The same text always gets the same name, so a shape compiled again after the cache was
    // cleared reuses the statement each connection already prepared.
    compiled = { ...c, name: `journal_store_q_${createHash("sha256").update(c.text).digest("hex").slice(0, 24)}` };
    shapes.set(k, compiled);
  }
  const byName: Record<string, unknown> = {};
  values.forEach((v, i) => (byName[`p${i}`] = v));
  return { text: compiled.text, params: fillPlaceholders(compiled.params, byName), name: compiled.name };
}

/**
 * True when a query may run as a named prepared statement. After five executions PostgreSQL may
 * switch a prepared statement to a generic plan, made without the parameter values. That is
 * harmless for equality and range filters (the owner's B-tree index wins whatever the value), but
 * a generic plan cannot tell `LIKE '%calm%'` from `LIKE '%a%'` or a rare tag from a common one: it
 * was seen ANDing the trigram index into a search within one user (26 ms to 1.7 s instead of
 * ~1 ms). Queries with text search or array filters are therefore planned for their values on
 * every call (unnamed).
 */
function preparable(filters: readonly Filter[] = []): boolean {
  return filters.every((f) => f.op !== "search" && f.op !== "overlaps" && f.op !== "contains");
}

/** The page query: live rows, filters, after the cursor, ordered, `limit + 1` rows to see a next page. */
export function pageQuery(info: TableInfo, spec: QuerySpec): NamedCompiled | Compiled {
  const q = cached(info, (e) => page(e, info, spec));
  return preparable(spec.where) ? q : { text: q.text, params: q.params };
}

/** The count query over live rows. */
export function countQuery(info: TableInfo, filters: readonly Filter[] = []): NamedCompiled | Compiled {
  const q = cached(info, (e) => count(e, info, filters));
  return preparable(filters) ? q : { text: q.text, params: q.params };
}
