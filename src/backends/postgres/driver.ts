import type { Client, Pool, PoolClient } from "pg";
import { copyInto } from "./copy.js";

/**
 * The few things the backend asks of a PostgreSQL connection, over the three clients it accepts:
 * a node-postgres Pool (the usual case), a single node-postgres Client, or PGlite in-process.
 * SQL is built and compiled by Drizzle before it reaches a driver; drivers only run text with
 * parameters, optionally as a named prepared statement.
 */

/** Something that runs one statement. */
export interface Queryable {
  /**
   * Runs `text` with `params`. With `name`, node-postgres prepares it once per connection and
   * reuses the plan (the same name must always carry the same text).
   */
  query<R = Record<string, unknown>>(text: string, params: readonly unknown[], name?: string): Promise<R[]>;
  /**
   * Streams `chunks` (COPY text format) into `text`, a `COPY ... FROM STDIN`, on this connection.
   * Present on node-postgres connections only (PGlite has no COPY FROM STDIN over a stream); the
   * bulk replication path is taken only where it is.
   */
  copyFrom?(text: string, chunks: Iterable<string>): Promise<void>;
}

/**
 * A connection source: single statements and transactions. Nothing is held across transactions
 * on a connection (no session settings, session locks or temp tables), so every driver works
 * behind a transaction-mode pooler.
 */
export interface Driver extends Queryable {
  /** Runs `fn` inside BEGIN/COMMIT on one connection; ROLLBACK and rethrow when it throws. */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Ends what this driver created (never a pool or client the caller passed in). */
  close(): Promise<void>;
}

/** How a node-postgres driver runs statements (from `PoolSettings`). */
export interface DriverSettings {
  /** False: the statement names callers give are dropped, so every statement runs unnamed. */
  preparedStatements: boolean;
  /**
   * Above 0: every transaction begins with `SET LOCAL statement_timeout` (same round trip as
   * BEGIN), and a single statement runs in such a transaction: the timeout for a connection
   * behind a transaction pooler, where a startup parameter is refused and a session SET leaks.
   */
  transactionTimeoutMs: number;
}

/** Named statements, no per-transaction timeout: a direct connection. */
export const DIRECT: DriverSettings = { preparedStatements: true, transactionTimeoutMs: 0 };

/** The part of PGlite the backend uses (kept structural so PGlite stays an optional import). */
export interface PGliteLike {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  transaction<T>(fn: (tx: { query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }> }) => Promise<T>): Promise<T>;
  exec(text: string): Promise<unknown>;
}

/** True when `client` looks like a PGlite instance. */
export function isPGlite(client: unknown): client is PGliteLike {
  const c = client as Partial<PGliteLike> | null;
  return !!c && typeof c.query === "function" && typeof c.exec === "function" && typeof c.transaction === "function";
}

/** True when `client` looks like a node-postgres Pool. */
export function isPool(client: unknown): client is Pool {
  const c = client as Partial<Pool> | null;
  return !!c && typeof c.connect === "function" && typeof c.query === "function" && "totalCount" in c;
}

/** The query config node-postgres takes: named only when the settings allow it. */
function config(settings: DriverSettings, text: string, params: readonly unknown[], name: string | undefined) {
  return { text, values: params as unknown[], ...(name && settings.preparedStatements ? { name } : {}) };
}

function onClient(client: Client | PoolClient, settings: DriverSettings): Queryable {
  return {
    async query(text, params, name) {
      const result = await client.query(config(settings, text, params, name));
      return result.rows;
    },
    copyFrom: (text, chunks) => copyInto(client, text, chunks),
  };
}

/** BEGIN, with the transaction's own statement timeout when the settings ask for one. */
function beginOf(settings: DriverSettings): string {
  const ms = settings.transactionTimeoutMs;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error("journal-store: transactionTimeoutMs must be a whole number >= 0");
  return ms > 0 ? `BEGIN; SET LOCAL statement_timeout = ${ms}` : "BEGIN";
}

/** Connections whose state is unknown after a failure: destroyed instead of returned to the pool. */
const broken = new WeakSet<object>();

async function inTransaction<T>(client: Client | PoolClient, settings: DriverSettings, fn: (q: Queryable) => Promise<T>): Promise<T> {
  try {
    await client.query(beginOf(settings));
  } catch (error) {
    broken.add(client);
    throw error;
  }
  let result: T;
  try {
    result = await fn(onClient(client, settings));
  } catch (error) {
    await client.query("ROLLBACK").catch(() => broken.add(client));
    throw error;
  }
  try {
    await client.query("COMMIT");
  } catch (error) {
    broken.add(client);
    throw error;
  }
  return result;
}

/** A driver over a node-postgres Pool; `owned` pools are ended by `close()`. */
export function poolDriver(pool: Pool, owned: boolean, settings: DriverSettings = DIRECT): Driver {
  const pinned = async <T>(fn: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (error) {
      // A connection whose BEGIN, ROLLBACK or COMMIT failed may be unusable: drop it, never reuse it.
      client.release(broken.has(client) ? new Error("journal-store: connection dropped after a failure") : undefined);
      throw error;
    }
  };
  const transaction = <T>(fn: (q: Queryable) => Promise<T>) => pinned((client) => inTransaction(client, settings, fn));
  return {
    async query(text, params, name) {
      if (settings.transactionTimeoutMs > 0) return transaction((q) => q.query(text, params, name));
      const result = await pool.query(config(settings, text, params, name));
      return result.rows;
    },
    copyFrom: (text, chunks) => pinned((client) => copyInto(client, text, chunks)),
    transaction,
    async close() {
      if (owned) await pool.end();
    },
  };
}

/** A driver over one node-postgres Client: one statement or transaction at a time. */
export function clientDriver(client: Client, settings: DriverSettings = DIRECT): Driver {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  const q = onClient(client, settings);
  return {
    query: (text, params, name) => serial(() => q.query(text, params, name)),
    copyFrom: (text, chunks) => serial(() => copyInto(client, text, chunks)),
    transaction: (fn) => serial(() => inTransaction(client, settings, fn)),
    async close() {},
  };
}

/** A driver over PGlite (one in-process connection; PGlite queues statements itself). */
export function pgliteDriver(db: PGliteLike): Driver {
  const q: Queryable = {
    async query(text, params) {
      return (await db.query(text, params as unknown[])).rows as never;
    },
  };
  return {
    query: (text, params) => q.query(text, params),
    transaction: (fn) =>
      db.transaction(async (tx) =>
        fn({
          async query(text, params) {
            return (await tx.query(text, params as unknown[])).rows as never;
          },
        }),
      ),
    async close() {},
  };
}
