import pg from "pg";
import { ValidationError } from "../../errors.js";

/**
 * The connection pool the backend creates from a URL, and the listeners every pool it uses gets.
 * This is the one module that loads `pg` at runtime, so the core entry never does.
 */

/** Pool settings, each with an environment variable and a default. */
export interface PoolSettings {
  /** Connections in the pool. Default: `DB_POOL_SIZE`, else 20. */
  poolSize?: number;
  /** Server-side `statement_timeout` in ms (0 = none). Default: `DB_STATEMENT_TIMEOUT_MS`, else 30000. */
  statementTimeoutMs?: number;
  /** `application_name` of every connection, to find them in `pg_stat_activity`. Default `journal-store`. */
  applicationName?: string;
}

/** The defaults of {@link PoolSettings}, when neither the option nor the variable is set. */
export const POOL_DEFAULTS = { poolSize: 20, statementTimeoutMs: 30_000, applicationName: "journal-store" } as const;

function fromEnv(name: string, min: number, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ValidationError("config", [{ path: name, message: `must be an integer >= ${min}` }]);
  }
  return n;
}

/** Resolves options, environment and defaults, failing fast on an invalid value. */
export function poolSettings(options: PoolSettings = {}): Required<PoolSettings> {
  return {
    poolSize: options.poolSize ?? fromEnv("DB_POOL_SIZE", 1, POOL_DEFAULTS.poolSize),
    statementTimeoutMs: options.statementTimeoutMs ?? fromEnv("DB_STATEMENT_TIMEOUT_MS", 0, POOL_DEFAULTS.statementTimeoutMs),
    applicationName: options.applicationName ?? POOL_DEFAULTS.applicationName,
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

/** A pool for `connectionString`, sized and configured by {@link poolSettings}. */
export function createPool(connectionString: string, settings: Required<PoolSettings>, onError: ConnectionErrorListener): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: settings.poolSize,
    application_name: settings.applicationName,
    ...(settings.statementTimeoutMs > 0 ? { statement_timeout: settings.statementTimeoutMs } : {}),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  return guardPool(pool, onError);
}

