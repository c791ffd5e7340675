import { BackendError, ConflictError, JournalStoreError, NotFoundError } from "../../errors.js";
import type { AnyRow } from "../../model/rows.js";
import { connectionFailure } from "./connection-errors.js";
import { INFO, type TableInfo } from "./mapping.js";

/**
 * PostgreSQL errors mapped to the contract's typed errors. The original driver error is never
 * attached as is: its `detail` and message can quote row values ("Key (email_key)=(...)"), so the
 * cause is a {@link PostgresErrorCause} holding only the SQLSTATE and the names of the objects
 * involved.
 */

/** What a failed PostgreSQL statement was about: SQLSTATE and object names, never values. */
export class PostgresErrorCause extends Error {
  /** SQLSTATE, e.g. `23505`; or a Node error code such as `ECONNREFUSED`. */
  readonly code: string | undefined;
  /** The constraint the statement violated, if PostgreSQL named one. */
  readonly constraint: string | undefined;
  /** The table involved, if PostgreSQL named one. */
  readonly table: string | undefined;
  /** The column involved, if PostgreSQL named one. */
  readonly column: string | undefined;

  constructor(code: string | undefined, names: { constraint?: string; table?: string; column?: string }) {
    const on = names.constraint ?? names.table;
    super(`PostgreSQL error ${code ?? "(no code)"}${on ? ` on ${on}` : ""}`);
    this.name = "PostgresErrorCause";
    this.code = code;
    this.constraint = names.constraint;
    this.table = names.table;
    this.column = names.column;
  }
}

interface PgErrorShape {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  severity?: unknown;
}

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/** The value-free cause of `error`. */
export function causeOf(error: unknown): PostgresErrorCause {
  const e = (error ?? {}) as PgErrorShape;
  return new PostgresErrorCause(str(e.code), { constraint: str(e.constraint), table: str(e.table), column: str(e.column) });
}

/** What the failing call was doing, so a constraint name can become the contract's error. */
export interface ErrorContext {
  info?: TableInfo;
  row?: AnyRow;
}

/** The backend name carried by every BackendError of this backend. */
export const BACKEND_NAME = "postgres";

/** Maps any error thrown by a statement to the contract's typed error. */
export function mapError(error: unknown, context: ErrorContext = {}): JournalStoreError {
  if (error instanceof JournalStoreError) return error;
  const cause = causeOf(error);
  const code = cause.code;
  const { info, row } = context;
  if (code === "23505" && info && row) {
    if (cause.constraint === `${info.tableName}_pkey`) return new ConflictError(info.collection, row.id, "duplicate-id", { cause });
    const key = info.uniqueKeys.find((k) => k.index === cause.constraint);
    if (key) return new ConflictError(info.collection, row.id, "duplicate-key", { key: key.name, cause });
  }
  if (code === "23503") {
    const owner = info?.owners.find((o) => o.constraint === cause.constraint);
    if (owner && row) {
      const ownerId = (row as unknown as Record<string, unknown>)[owner.field];
      return new NotFoundError(owner.collection, String(ownerId), { cause });
    }
    const child = Object.values(INFO).find((t) => t.owners.some((o) => o.constraint === cause.constraint));
    return new BackendError(BACKEND_NAME, `a row is still referenced by ${child?.collection ?? "another row"}`, { cause });
  }
  if (code === "40001" || code === "40P01") {
    return new BackendError(BACKEND_NAME, "transaction lost a serialization race or deadlock; retry it", { cause });
  }
  if (code === "57014") return new BackendError(BACKEND_NAME, "statement cancelled (statement timeout)", { cause });
  if (code === "25P02") {
    return new BackendError(BACKEND_NAME, "transaction is aborted after an earlier failed statement; it will roll back", { cause });
  }
  const connection = connectionFailure(error);
  if (connection) return new BackendError(BACKEND_NAME, connection, { cause });
  if (code?.startsWith("22")) return new BackendError(BACKEND_NAME, `a value was rejected by PostgreSQL (SQLSTATE ${code})`, { cause });
  if (code === "42P01" || code === "3F000") {
    return new BackendError(BACKEND_NAME, "tables missing: run migrate() before using the backend", { cause });
  }
  return new BackendError(BACKEND_NAME, `statement failed (SQLSTATE ${code ?? "unknown"})`, { cause });
}
