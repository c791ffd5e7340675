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

/** Defaults for options that callers may leave out. */
export const DEFAULTS = {
  /** Rows per page when a list or search gives no `limit`. */
  pageSize: 50,
  /** Read-modify-write attempts of an update without `expectedVersion`. */
  updateAttempts: 5,
} as const;
