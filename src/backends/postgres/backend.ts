import { sql } from "drizzle-orm";
import type pg from "pg";
import type { Backend, BackendTransaction, PurgeResult, ScanOptions, Stored } from "../../backend.js";
import { BackendError, ClosedError, ValidationError } from "../../errors.js";
import { COLLECTION_NAMES, checkCollection } from "../../model/collections.js";
import { checkId } from "../../model/ids.js";
import type { CollectionName, RowTypes } from "../../model/rows.js";
import { beginGinBulkLoad } from "./bulk-load.js";
import { run } from "./compile.js";
import { driverFor } from "./connect.js";
import type { Driver, Queryable } from "./driver.js";
import { digestOn } from "./digest.js";
import { BACKEND_NAME, mapError } from "./errors.js";
import { INFO, selectList } from "./mapping.js";
import { PgOperations } from "./operations.js";
import { BULK_DEFAULTS, type BulkSettings } from "./replicate.js";
import { type ConnectionErrorListener, type PoolSettings, poolSettings } from "./pool.js";
import { type ReplicaOptions, type ReplicaStats, ReplicaRouter } from "./replicas.js";

/** A Drizzle PostgreSQL database (node-postgres or PGlite): the backend uses its `$client`. */
export interface DrizzleDatabaseLike {
  /** The driver client Drizzle wraps (a node-postgres pool or client, or a PGlite instance). */
  $client: unknown;
}

/** Options of {@link postgresBackend}: exactly one of `connectionString`, `pool` or `db`. */
export interface PostgresBackendOptions extends PoolSettings, ReplicaOptions {
  /** A PostgreSQL URL: the backend creates (and on close ends) its own pool. */
  connectionString?: string;
  /** An existing node-postgres Pool, shared with the host app (never ended by the backend). */
  pool?: pg.Pool;
  /** An existing Drizzle database over node-postgres or PGlite (never closed by the backend). */
  db?: DrizzleDatabaseLike;
  /**
   * Called with connection errors no call is waiting on (an idle connection terminated by the
   * server). The pool replaces the connection; the default listener ignores the error.
   */
  onConnectionError?: ConnectionErrorListener;
  /**
   * Rows from which an `applyReplicated` batch is COPY'd into a staging table and merged in one
   * statement (needs the optional `pg-copy-streams`, and a node-postgres pool or client; PGlite
   * always uses the single statement). `Infinity` turns the bulk path off. Default
   * {@link BULK_DEFAULTS}.minRows.
   */
  bulkMinRows?: number;
}

/** The bulk settings the options name, failing fast on a bad value. */
function bulkOf(options: PostgresBackendOptions): BulkSettings {
  const n = options.bulkMinRows;
  if (n === undefined) return BULK_DEFAULTS;
  if (n !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(n) || n < 1)) {
    throw new ValidationError("postgres options", [{ path: "bulkMinRows", message: "must be an integer >= 1, or Infinity" }]);
  }
  return { minRows: n };
}

/** The PostgreSQL backend: the contract, plus where its reads went (see {@link ReplicaStats}). */
export interface PostgresBackend extends Backend {
  /** Reads per target, fallbacks to the primary, skipped replicas (all reads go to the primary without replicas). */
  stats(): ReplicaStats;
}

/** The driver the options name: exactly one of a URL, a pool or a Drizzle database. */
function driverOf(options: PostgresBackendOptions): Driver {
  const given = [options.connectionString, options.pool, options.db].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new ValidationError("postgres options", [{ path: "", message: "give exactly one of connectionString, pool or db" }]);
  }
  const onError = options.onConnectionError ?? (() => {});
  const settings = poolSettings(options);
  const driver =
    options.connectionString !== undefined
      ? driverFor({ url: options.connectionString, settings }, onError)
      : driverFor({ client: options.pool ?? options.db?.$client, preparedStatements: settings.preparedStatements }, onError);
  if (!driver) {
    throw new ValidationError("postgres options", [{ path: "db", message: "is not a node-postgres or PGlite Drizzle database" }]);
  }
  return driver;
}

/**
 * The PostgreSQL backend: the Backend contract over the `journal_store` schema (run
 * {@link migrate} first). Single-row reads and writes are named prepared statements (unless
 * `preparedStatements: false`, for a transaction-mode pooler); queries are
 * compiled by Drizzle to parameterised SQL served by the schema's indexes; transactions are real
 * PostgreSQL transactions on one connection; `applyReplicated` is one set-based statement per
 * batch (large batches are COPY'd into a staging table first). With `replicas`, reads outside a
 * transaction go to a replica that has replayed this backend's writes (replicas.ts); `scan` and
 * `changeHorizon` always read the primary.
 *
 * @example
 * ```ts
 * import { migrate, postgresBackend } from "@journal/store/postgres";
 * const url = config.databaseUrl; // from the app's configuration
 * await migrate(url);
 * const store = createStore({ backend: postgresBackend({ connectionString: url }) });
 * ```
 */
export function postgresBackend(options: PostgresBackendOptions): PostgresBackend {
  const bulk = bulkOf(options);
  const driver = driverOf(options);
  let closed = false;
  const open = () => {
    if (closed) throw new ClosedError(`${BACKEND_NAME} backend`);
  };
  const atomically = async <T>(fn: (q: Queryable) => Promise<T>): Promise<T> => {
    let thrown: { error: unknown } | undefined;
    try {
      return await driver.transaction(async (q) => {
        try {
          return await fn(q);
        } catch (error) {
          thrown = { error };
          throw error;
        }
      });
    } catch (error) {
      // The callback's own errors pass through unchanged; BEGIN/COMMIT failures become typed.
      if (thrown && thrown.error === error) throw error;
      throw mapError(error);
    }
  };
  const ops = new PgOperations(driver, atomically, open, false, bulk);
  let router: ReplicaRouter;
  try {
    router = new ReplicaRouter(driver, ops, options, poolSettings(options), open, options.onConnectionError ?? (() => {}));
  } catch (error) {
    void driver.close();
    throw error;
  }
  /** Runs a write on the primary, then notes its WAL position for read-your-writes. */
  const written = async <T>(result: Promise<T>): Promise<T> => {
    const value = await result;
    await router.noteWrite();
    return value;
  };

  return {
    name: BACKEND_NAME,
    get: (collection, id, options) => (options?.forUpdate ? ops.get(collection, id, options) : router.read((r) => r.get(collection, id, options))),
    getMany: (collection, ids) => router.read((r) => r.getMany(collection, ids)),
    query: (collection, spec) => router.read((r) => r.query(collection, spec)),
    count: (collection, where) => router.read((r) => r.count(collection, where)),
    insert: (collection, row) => written(ops.insert(collection, row)),
    update: (collection, row, expectedVersion) => written(ops.update(collection, row, expectedVersion)),
    applyReplicated: (collection, rows) => written(ops.applyReplicated(collection, rows)),
    stats: () => router.stats(),

    async changeHorizon(): Promise<number> {
      open();
      try {
        const rows = await run<{ horizon: number | string }>(driver, sql`SELECT "journal_store"."change_horizon"() AS "horizon"`);
        return Number(rows[0]!.horizon);
      } catch (error) {
        throw mapError(error, {});
      }
    },

    async scan<C extends CollectionName>(collection: C, options: ScanOptions): Promise<Stored<RowTypes[C]>[]> {
      checkCollection(collection);
      open();
      const info = INFO[collection];
      const limit = Math.max(0, Math.floor(options.limit));
      let where = sql`true`;
      let order = sql`"id"`;
      if (options.changedSince !== undefined) {
        where = sql`"change_seq" > ${String(Math.floor(options.changedSince))}::bigint`;
        order = sql`"change_seq"`;
      } else if (options.afterId) {
        checkId(collection, options.afterId, "afterId");
        where = sql`"id" > ${options.afterId}::uuid`;
      }
      try {
        return await run<Stored<RowTypes[C]>>(
          driver,
          sql`SELECT ${selectList(info)} FROM ${info.table} WHERE ${where} ORDER BY ${order} LIMIT ${limit}`,
        );
      } catch (error) {
        throw mapError(error, { info });
      }
    },

    async digest(collection, range) {
      checkCollection(collection);
      open();
      try {
        return await digestOn(driver, collection, range);
      } catch (error) {
        throw mapError(error, { info: INFO[collection] });
      }
    },

    async transaction<T>(fn: (tx: BackendTransaction) => Promise<T>): Promise<T> {
      open();
      return written(atomically(async (q) => {
        let finished = false;
        const guard = () => {
          open();
          if (finished) throw new BackendError(BACKEND_NAME, "transaction already finished; use the tx only inside its callback");
        };
        const tx = new PgOperations(q, (inner) => inner(q), guard, true, bulk);
        try {
          return await fn(tx);
        } finally {
          finished = true;
        }
      }));
    },

    async purge({ olderThan, collections = COLLECTION_NAMES }): Promise<PurgeResult> {
      open();
      return written(atomically(async (q) => {
        const result: PurgeResult = {};
        for (const collection of [...COLLECTION_NAMES].reverse()) {
          if (!collections.includes(collection)) continue;
          const info = INFO[collection];
          const unreferenced = info.children.map(
            (c) => sql` AND NOT EXISTS (SELECT 1 FROM ${c.table} "c" WHERE "c".${c.ident} = ${info.table}."id")`,
          );
          try {
            const rows = await run<{ n: number }>(
              q,
              sql`WITH "d" AS (DELETE FROM ${info.table} WHERE "deleted" = true AND "updated_at" < ${olderThan}::timestamptz${sql.join(unreferenced, sql``)} RETURNING 1) SELECT count(*)::float8 AS "n" FROM "d"`,
            );
            const n = Number(rows[0]?.n ?? 0);
            if (n > 0) result[collection] = n;
          } catch (error) {
            throw mapError(error, { info });
          }
        }
        return result;
      }));
    },

    async beginBulkLoad(collections) {
      open();
      const load = await beginGinBulkLoad(driver, collections).catch((error: unknown) => {
        throw mapError(error);
      });
      return { end: () => load.end().catch((error: unknown) => Promise.reject(mapError(error))) };
    },

    async close() {
      if (closed) return;
      closed = true;
      await router.close();
      await driver.close();
    },
  };
}
