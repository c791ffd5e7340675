import { type SQL, sql } from "drizzle-orm";
import { type PgColumn, type PgTable, getTableConfig } from "drizzle-orm/pg-core";
import { type FieldKind, COLLECTION_NAMES, childrenOf, specOf } from "../../model/collections.js";
import type { CollectionName } from "../../model/rows.js";
import * as schema from "./schema.js";

/**
 * The row <-> record mapping, derived once from the collection specs and the Drizzle tables so
 * nothing is written twice: which column holds each field, how a value is sent (a parameter with
 * an explicit cast) and how it is read back (an expression aliased to the camelCase field name,
 * so a result row already has the contract's shape: ISO timestamps, `YYYY-MM-DD` dates, numbers).
 * Every identifier in generated SQL comes from here, never from caller input.
 */

/** The Drizzle table of each collection. */
export const TABLES: { readonly [C in CollectionName]: PgTable } = {
  users: schema.users,
  journalEntries: schema.journalEntries,
  chatSessions: schema.chatSessions,
  messages: schema.messages,
  psychologyContent: schema.psychologyContent,
  userAnalytics: schema.userAnalytics,
  migrationLogs: schema.migrationLogs,
};

/**
 * Every write's `change_seq`: the sequence, through `next_change_seq()`, which also marks the
 * writing transaction as open until it ends (see drizzle/0003_change_horizon.sql).
 */
export const NEXT_CHANGE_SEQ = sql`"journal_store"."next_change_seq"()`;

/** One field of a collection and the column that stores it. */
export interface ColumnInfo {
  field: string;
  kind: FieldKind;
  /** The column identifier. */
  ident: ReturnType<typeof sql.identifier>;
  /** The PostgreSQL type a parameter for this column is cast to (a constant fragment). */
  cast: SQL;
  /** The array type of `cast`, for `= ANY(...)`. */
  arrayCast: SQL;
  /** True for a bigint column read back as a JS number. */
  bigint: boolean;
}

/** An owner reference: the field, the owner's table, and the FK constraint that backs it. */
export interface OwnerInfo {
  field: string;
  collection: CollectionName;
  table: PgTable;
  constraint: string;
}

/** A unique key among live rows and the partial unique index that enforces it. */
export interface UniqueInfo {
  name: string;
  fields: readonly string[];
  index: string;
}

/** Everything the SQL builders need about one collection. */
export interface TableInfo {
  collection: CollectionName;
  table: PgTable;
  /** Table name without schema, for constraint lookups. */
  tableName: string;
  columns: readonly ColumnInfo[];
  byField: ReadonlyMap<string, ColumnInfo>;
  owners: readonly OwnerInfo[];
  uniqueKeys: readonly UniqueInfo[];
  /** Tables whose rows name a row of this one (for purge). */
  children: readonly { table: PgTable; ident: ReturnType<typeof sql.identifier> }[];
}

const CASTS: Record<Exclude<FieldKind, "integer">, [SQL, SQL]> = {
  uuid: [sql`uuid`, sql`uuid[]`],
  text: [sql`text`, sql`text[]`],
  number: [sql`double precision`, sql`double precision[]`],
  boolean: [sql`boolean`, sql`boolean[]`],
  timestamp: [sql`timestamptz`, sql`timestamptz[]`],
  date: [sql`date`, sql`date[]`],
  json: [sql`jsonb`, sql`jsonb[]`],
  textArray: [sql`text[]`, sql`text[]`],
  numberArray: [sql`double precision[]`, sql`double precision[]`],
};

function castsOf(kind: FieldKind, column: PgColumn): [SQL, SQL] {
  if (kind !== "integer") return CASTS[kind];
  return column.getSQLType() === "bigint" ? [sql`bigint`, sql`bigint[]`] : [sql`integer`, sql`integer[]`];
}

function columnsOf(table: PgTable): Record<string, PgColumn> {
  return table as unknown as Record<string, PgColumn>;
}

function build(collection: CollectionName): TableInfo {
  const spec = specOf(collection);
  const table = TABLES[collection];
  const config = getTableConfig(table);
  const cols = columnsOf(table);
  const columns: ColumnInfo[] = Object.entries(spec.fields).map(([field, f]) => {
    const column = cols[field];
    if (!column) throw new Error(`schema: ${config.name} has no column for ${collection}.${field}`);
    const [cast, arrayCast] = castsOf(f.kind, column);
    return { field, kind: f.kind, ident: sql.identifier(column.name), cast, arrayCast, bigint: column.getSQLType() === "bigint" };
  });
  const byField = new Map(columns.map((c) => [c.field, c]));
  const owners = spec.owners.map((o) => {
    const column = cols[o.field]!;
    const fk = config.foreignKeys.find((k) => k.reference().columns[0]?.name === column.name);
    if (!fk) throw new Error(`schema: ${config.name}.${column.name} has no foreign key`);
    return { field: o.field, collection: o.collection, table: TABLES[o.collection], constraint: fk.getName() };
  });
  const uniqueKeys = spec.uniqueKeys.map((k) => {
    const names = k.fields.map((f) => cols[f]!.name).join(",");
    const index = config.indexes.find(
      (i) => i.config.unique && i.config.columns.map((c) => (c as PgColumn).name).join(",") === names,
    );
    if (!index?.config.name) throw new Error(`schema: ${config.name} has no unique index for ${k.name}`);
    return { name: k.name, fields: k.fields, index: index.config.name };
  });
  const children = childrenOf(collection).map((c) => ({
    table: TABLES[c.collection],
    ident: sql.identifier(columnsOf(TABLES[c.collection])[c.field]!.name),
  }));
  return { collection, table, tableName: config.name, columns, byField, owners, uniqueKeys, children };
}

/** The mapping of every collection, built once. */
export const INFO: { readonly [C in CollectionName]: TableInfo } = Object.fromEntries(
  COLLECTION_NAMES.map((c) => [c, build(c)]),
) as { [C in CollectionName]: TableInfo };

/** `"q"."column"` when a qualifier is given, else the bare column. */
export function ref(column: ColumnInfo, qualifier?: SQL): SQL {
  return qualifier ? sql`${qualifier}.${column.ident}` : sql`${column.ident}`;
}

/** How a column is read back, aliased to its field name. */
function readExpr(column: ColumnInfo, qualifier?: SQL): SQL {
  const c = ref(column, qualifier);
  const expr =
    column.kind === "timestamp"
      ? sql`to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : column.kind === "date"
        ? sql`to_char(${c}, 'YYYY-MM-DD')`
        : column.bigint
          ? sql`${c}::float8`
          : c;
  return sql`${expr} AS ${sql.identifier(column.field)}`;
}

const selectLists = new WeakMap<TableInfo, SQL>();

/** The select list of a stored row: every field, then `changeSeq`, in the contract's shape. */
export function selectList(info: TableInfo, qualifier?: SQL): SQL {
  if (!qualifier) {
    let list = selectLists.get(info);
    if (!list) selectLists.set(info, (list = buildSelectList(info)));
    return list;
  }
  return buildSelectList(info, qualifier);
}

function buildSelectList(info: TableInfo, qualifier?: SQL): SQL {
  const seq = qualifier ? sql`${qualifier}."change_seq"` : sql`"change_seq"`;
  return sql.join([...info.columns.map((c) => readExpr(c, qualifier)), sql`${seq}::float8 AS "changeSeq"`], sql`, `);
}

/** A PostgreSQL array literal of strings: every element quoted, `"` and `\` escaped. */
export function textArrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => `"${String(v).replace(/[\\"]/g, "\\$&")}"`).join(",")}}`;
}

/** Encodes a field value as the text parameter its cast expects (null stays null). */
export function encodeValue(kind: FieldKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "json":
      return JSON.stringify(value);
    case "textArray":
      return textArrayLiteral(value as unknown[]);
    case "numberArray":
      return `{${(value as number[]).map((n) => String(n)).join(",")}}`;
    case "boolean":
      return value ? "true" : "false";
    case "integer":
    case "number":
      return String(value);
    default:
      return value;
  }
}

/** A cast parameter holding `value` for `column`. */
export function param(column: ColumnInfo, value: unknown): SQL {
  return sql`${encodeValue(column.kind, value)}::${column.cast}`;
}
