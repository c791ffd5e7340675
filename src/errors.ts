/**
 * Typed errors of @journal/store. Every error is a {@link JournalStoreError} with a stable `code`
 * that callers can switch on, an optional `cause`, and a message prefixed with `[journal-store]`
 * so a log line says where it came from. Messages name collections, ids and field paths, never
 * stored values (which may be personal) nor secrets.
 */

/** The stable codes carried by {@link JournalStoreError.code}. */
export type ErrorCode =
  | "VALIDATION"
  | "NOT_FOUND"
  | "CONFLICT"
  | "BACKEND"
  | "CLOSED"
  | "CORRUPT"
  | "LOCKED"
  | "CONFIG"
  | "LEGACY_FILE"
  | "CUTOVER_REFUSED"
  | "USAGE";

/** Base class of every error this package throws on purpose. */
export class JournalStoreError extends Error {
  /** A stable, machine-readable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[journal-store] ${message}`, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One offending field of a rejected input: a dotted path and what is wrong with it. */
export interface ValidationIssue {
  /** Field path, e.g. `tags.2` or `metadata.note`; empty for the input as a whole. */
  path: string;
  /** What is wrong, in words. */
  message: string;
}

/**
 * An input was rejected before anything was stored. `issues` lists every offending field path,
 * so a caller can report all problems at once.
 */
export class ValidationError extends JournalStoreError {
  /** The collection the input was meant for. */
  readonly collection: string;
  /** Every offending field, in input order. */
  readonly issues: readonly ValidationIssue[];

  constructor(collection: string, issues: readonly ValidationIssue[]) {
    const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    super("VALIDATION", `invalid ${collection} input: ${list}`);
    this.collection = collection;
    this.issues = issues;
  }
}

/** A row that must exist (an update, a delete, an owner) does not, or is deleted. */
export class NotFoundError extends JournalStoreError {
  /** The collection of the missing row. */
  readonly collection: string;
  /** The id of the missing row. */
  readonly id: string;

  constructor(collection: string, id: string, options?: { cause?: unknown }) {
    super("NOT_FOUND", `${collection} ${id} not found`, options);
    this.collection = collection;
    this.id = id;
  }
}

/** Why a {@link ConflictError} happened. */
export type ConflictReason = "version" | "duplicate-key" | "duplicate-id";

/**
 * A write lost a race or broke a unique key: the stored version was not the expected one
 * (`reason: "version"`), another live row holds a unique key (`"duplicate-key"`, with `key`
 * naming it), or the id is taken (`"duplicate-id"`). Nothing was written.
 */
export class ConflictError extends JournalStoreError {
  /** The collection written. */
  readonly collection: string;
  /** The id of the row written. */
  readonly id: string;
  /** What collided: `version`, `duplicate-key` or `duplicate-id`. */
  readonly reason: ConflictReason;
  /** The unique key that collided, for `duplicate-key`. */
  readonly key: string | undefined;
  /** The stored version, for `version` conflicts (null when the row is absent). */
  readonly actualVersion: number | null | undefined;

  constructor(
    collection: string,
    id: string,
    reason: ConflictReason,
    details: { key?: string; expectedVersion?: number; actualVersion?: number | null; cause?: unknown } = {},
  ) {
    const what =
      reason === "version"
        ? `version conflict (expected ${details.expectedVersion ?? "?"}, stored ${details.actualVersion ?? "none"})`
        : reason === "duplicate-key"
          ? `unique key ${details.key ?? "?"} is held by another live row`
          : "id already exists";
    super("CONFLICT", `${collection} ${id}: ${what}`, { cause: details.cause });
    this.collection = collection;
    this.id = id;
    this.reason = reason;
    this.key = details.key;
    this.actualVersion = details.actualVersion;
  }
}

/** A backend failed for a reason of its own (I/O, connection, corruption). Carries its name. */
export class BackendError extends JournalStoreError {
  /** The failing backend's `name`, e.g. `memory`, `json`, `postgres`. */
  readonly backend: string;

  constructor(backend: string, message: string, options?: { cause?: unknown }) {
    super("BACKEND", `${backend}: ${message}`, options);
    this.backend = backend;
  }
}

/** The store or backend was used after `close()`. */
export class ClosedError extends JournalStoreError {
  constructor(what: string) {
    super("CLOSED", `${what} is closed`);
  }
}

/** One problem with the configuration: the variable(s) involved and what they accept. */
export interface ConfigIssue {
  /** The variables involved: one for a bad value, two for a contradiction. */
  variables: readonly string[];
  /** What is wrong and what is accepted, in words; never the value given. */
  message: string;
}

/**
 * The configuration (environment variables, see `configFromEnv`) was rejected before anything
 * was opened. `issues` lists every bad variable at once. Messages name variables and what they
 * accept, never the values given, so a secret (a password in `DATABASE_URL`) cannot leak.
 */
export class ConfigError extends JournalStoreError {
  /** Every problem found, in variable order. */
  readonly issues: readonly ConfigIssue[];
  /** Every variable named by an issue, without repeats. */
  readonly variables: readonly string[];

  constructor(issues: readonly ConfigIssue[]) {
    const list = issues.map((i) => `${i.variables.join(" and ")}: ${i.message}`).join("; ");
    super("CONFIG", `invalid configuration: ${list}`);
    this.issues = issues;
    this.variables = [...new Set(issues.flatMap((i) => i.variables))];
  }
}

/**
 * A file of an app's own data (read by `importLegacy`) is not what its mapping says: it does not
 * parse as JSON (corrupt or truncated), or its top level is neither an object nor an array. Names
 * the file and the position (1-based line and column, and the character offset); nothing from the
 * import has been written when it is thrown.
 */
export class LegacyFileError extends JournalStoreError {
  /** The file name, as the mapping names it. */
  readonly file: string;
  /** 1-based line of the problem. */
  readonly line: number;
  /** 1-based column (UTF-16 units) of the problem. */
  readonly column: number;
  /** 0-based character offset of the problem. */
  readonly offset: number;

  constructor(file: string, position: { line: number; column: number; offset: number }, problem: string, options?: { cause?: unknown }) {
    super("LEGACY_FILE", `${file}: ${problem} at line ${position.line}, column ${position.column} (offset ${position.offset})`, options);
    this.file = file;
    this.line = position.line;
    this.column = position.column;
    this.offset = position.offset;
  }
}

/** A condition of the gated cutover that did not hold (see {@link CutoverRefusedError}). */
export interface CutoverCondition {
  /** `compare`: the latest compare of a collection found divergences, failed, or never ran; `pending`: replication is behind; `shadow`: shadow reads too few or too inconsistent. */
  condition: "compare" | "pending" | "shadow";
  /** What was found, in words (collections, counts and rates; never values). */
  message: string;
}

/** Cutover conditions in words, as a refusal, a forced move's record and `status` print them: `condition: message; ...`. */
export function conditionsInWords(failed: readonly CutoverCondition[]): string {
  return failed.map((f) => `${f.condition}: ${f.message}`).join("; ");
}

/**
 * The dual-write backend refused to move to `live` or `complete` because the sides are not known
 * to be equal. `failed` lists every condition that did not hold; nothing changed. At run time
 * (`setStage`), pass `{ force: true }` to override. At start (a process started in `live` or
 * `complete` after another stage was recorded: `startedAfter` names it), the backend does not
 * serve; start it with the option `forceCutover: true` (JOURNAL_STORE_FORCE_CUTOVER=true) to
 * override. Either override is recorded in the stage record.
 */
export class CutoverRefusedError extends JournalStoreError {
  /** The stage the move was aiming for. */
  readonly stage: string;
  /** Every condition that failed, in check order. */
  readonly failed: readonly CutoverCondition[];
  /** For a refused start: the last stage recorded before it; null for a refused `setStage`. */
  readonly startedAfter: string | null;

  constructor(stage: string, failed: readonly CutoverCondition[], options: { startedAfter?: string } = {}) {
    const start = options.startedAfter;
    const where = start ? ` at start (the last recorded stage is ${start})` : "";
    const override = start ? "start with forceCutover: true (JOURNAL_STORE_FORCE_CUTOVER=true)" : "pass { force: true }";
    super("CUTOVER_REFUSED", `cutover to ${stage} refused${where}: ${conditionsInWords(failed)} (fix it, or ${override})`);
    this.stage = stage;
    this.failed = failed;
    this.startedAfter = start ?? null;
  }
}

/**
 * A command line the CLI cannot run: an unknown or malformed flag, a bad value, a missing or
 * invalid setting. `setting` names the flag (`--batch-size`) or variable (`DATABASE_URL`). The
 * CLI exits with code 2.
 */
export class UsageError extends JournalStoreError {
  /** The flag or environment variable at fault (empty when the command line as a whole is). */
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super("USAGE", setting ? `${setting}: ${message}` : message, options);
    this.setting = setting;
  }
}
