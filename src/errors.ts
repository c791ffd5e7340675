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
  readonly collection: string;
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
  readonly collection: string;
  readonly id: string;
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

/** A condition of the gated cutover that did not hold (see {@link CutoverRefusedError}). */
export interface CutoverCondition {
  /** `compare`: the latest compare of a collection found divergences, failed, or never ran; `pending`: replication is behind; `shadow`: shadow reads too few or too inconsistent. */
  condition: "compare" | "pending" | "shadow";
  /** What was found, in words (collections, counts and rates; never values). */
  message: string;
}

/**
 * The dual-write backend refused to move to `live` or `complete` because the sides are not known
 * to be equal. `failed` lists every condition that did not hold; nothing changed. Pass
 * `{ force: true }` to override (the override is recorded in the stage record).
 */
export class CutoverRefusedError extends JournalStoreError {
  /** The stage the move was aiming for. */
  readonly stage: string;
  /** Every condition that failed, in check order. */
  readonly failed: readonly CutoverCondition[];

  constructor(stage: string, failed: readonly CutoverCondition[]) {
    super("CUTOVER_REFUSED", `cutover to ${stage} refused: ${failed.map((f) => `${f.condition}: ${f.message}`).join("; ")} (fix it, or pass { force: true })`);
    this.stage = stage;
    this.failed = failed;
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
