import pg from "pg";
import { ValidationError } from "../../errors.js";
import { checkConnectionString } from "./url.js";

/**
 * The connection pool the backend creates from a URL, and the listeners every pool it uses gets.
 * This is the one module that loads `pg` at runtime, so the core entry never does.
 */

/** Pool settings of a pool the backend creates; {@link POOL_DEFAULTS} fills what is not given. */
export interface PoolSettings {
  /** Connections in the pool, at least 1. Default 20. */
  poolSize?: number;
  /** Server-side `statement_timeout` in ms (0 = none). Default 30000. */
  statementTimeoutMs?: number;
  /** `application_name` of every connection, to find them in `pg_stat_activity`. Default `journal-store`. */
  applicationName?: string;
  /**
   * Hot statements run as named prepared statements (one plan per connection). Default true.
   * Set false behind a transaction-mode pooler that cannot keep them across transactions
   * (PgBouncer before 1.21, or without `max_prepared_statements`): every statement then runs
   * unnamed. Applies to a caller's Pool or Client too.
   */
  preparedStatements?: boolean;
  /**
   * The URL leads to a transaction-mode pooler (PgBouncer `pool_mode = transaction`). Default
   * false. The pooler refuses a `statement_timeout` startup parameter and would leak a session
   * `SET` to other clients, so the timeout is set with `SET LOCAL` at the start of every
   * transaction instead, and a single statement outside a transaction runs in one of its own
   * (two more round trips; with `statementTimeoutMs: 0` it runs bare).
   */
  transactionPooling?: boolean;
}

/**
 * The defaults of {@link PoolSettings}: the one place they are written. Backends take options
 * only; `createStoreFromEnv` maps `DB_POOL_SIZE` and `DB_STATEMENT_TIMEOUT_MS` onto them.
 */
export const POOL_DEFAULTS = {
  /** 20 connections per pool. */
  poolSize: 20,
  /** Statements are cancelled after 30 s. */
  statementTimeoutMs: 30_000,
  /** `application_name` as `pg_stat_activity` shows it. */
  applicationName: "journal-store",
  /** Named prepared statements on (turn off behind a transaction-mode pooler). */
  preparedStatements: true,
  /** Direct connections, not a transaction-mode pooler. */
  transactionPooling: false,
} as const;

function integer(name: keyof PoolSettings, value: number | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError("config", [{ path: name, message: `must be an integer >= ${min}` }]);
  }
  return value;
}

function flag(name: keyof PoolSettings, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ValidationError("config", [{ path: name, message: "must be true or false" }]);
  return value;
}

/** The options over {@link POOL_DEFAULTS}, failing fast with a ValidationError naming a bad option. */
export function poolSettings(options: PoolSettings = {}): Required<PoolSettings> {
  return {
    poolSize: integer("poolSize", options.poolSize, 1, POOL_DEFAULTS.poolSize),
    statementTimeoutMs: integer("statementTimeoutMs", options.statementTimeoutMs, 0, POOL_DEFAULTS.statementTimeoutMs),
    applicationName: options.applicationName ?? POOL_DEFAULTS.applicationName,
    preparedStatements: flag("preparedStatements", options.preparedStatements, POOL_DEFAULTS.preparedStatements),
    transactionPooling: flag("transactionPooling", options.transactionPooling, POOL_DEFAULTS.transactionPooling),
  };
}

/** Reports a connection error that no caller is waiting on (the pool replaces the connection). */
export type ConnectionErrorListener = (error: Error) => void;

/**
 * Adds error listeners to `pool` and to every client it opens from now on, so a connection the
 * server terminates (restart, `pg_terminate_backend`, network loss) never surfaces as an
 * unhandled 'error' event that would crash the process. The call in progress still fails with
 * its own error; the pool discards the dead connection and opens a new one for the next call.
 */
export function guardPool(pool: pg.Pool, onError: ConnectionErrorListener): pg.Pool {
  pool.on("error", (error) => onError(error));
  pool.on("connect", (client) => {
    client.on("error", (error) => onError(error));
  });
  return pool;
}

/**
 * A pool for `connectionString`, sized and configured by {@link poolSettings}. A malformed
 * string is refused here, before any connection is tried (see {@link checkConnectionString}).
 * The statement timeout is a startup parameter on a direct connection; behind a transaction
 * pooler the driver sets it per transaction instead (see `DriverSettings`).
 */
export function createPool(connectionString: string, settings: Required<PoolSettings>, onError: ConnectionErrorListener): pg.Pool {
  checkConnectionString(connectionString);
  const pool = new pg.Pool({
    connectionString,
    max: settings.poolSize,
    application_name: settings.applicationName,
    ...(settings.statementTimeoutMs > 0 && !settings.transactionPooling ? { statement_timeout: settings.statementTimeoutMs } : {}),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  return guardPool(pool, onError);
}

