/**
 * Size limits enforced at the facade for every backend, in one place so they are documented
 * once (README "Limits") and the same everywhere. An input over a limit gets a ValidationError
 * naming the field before anything is written.
 */
export const LIMITS = {
  /** Characters (UTF-16 code units) in a long text field: entry or message content. */
  contentLength: 200_000,
  /** Characters in a short text field: titles, names, categories, sources. */
  shortTextLength: 1_000,
  /** Characters in one tag. */
  tagLength: 100,
  /** Tags on one row. */
  tags: 100,
  /** Bytes of one JSON field, serialised. */
  jsonBytes: 256 * 1024,
  /** Nesting depth of one JSON field. */
  jsonDepth: 32,
  /** Numbers in an embedding. */
  embeddingLength: 8_192,
  /** Rows per list or search page. */
  pageSize: 500,
} as const;

/**
 * The whole numbers each PostgreSQL integer column type holds, as the facade enforces them for
 * every backend: an integer field's input schema is bounded by its column's type
 * (`backends/postgres/schema.ts`), so a value one backend stores is never refused by another.
 * `bigint` columns are read in `mode: "number"`, so they hold what a JavaScript number holds
 * exactly: the safe integers.
 */
export const INTEGER_RANGE = {
  /** PostgreSQL `integer` (int4). */
  integer: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  /** PostgreSQL `bigint` (int8), as far as a JavaScript number is exact. */
  bigint: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
} as const;

/** Defaults for options that callers may leave out. */
export const DEFAULTS = {
  /** Rows per page when a list or search gives no `limit`. */
  pageSize: 50,
  /** Read-modify-write attempts of an update without `expectedVersion`. */
  updateAttempts: 5,
} as const;
