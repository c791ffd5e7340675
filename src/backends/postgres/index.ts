/**
 * `@journal/store/postgres`: the PostgreSQL backend on Drizzle ORM. A separate entry point, so
 * `pg` and `drizzle-orm` (optional peer dependencies) load only for apps that use PostgreSQL.
 *
 * @example
 * ```ts
 * import { createStore } from "@journal/store";
 * import { migrate, postgresBackend } from "@journal/store/postgres";
 *
 * const url = config.databaseUrl; // from the app's configuration
 * await migrate(url);
 * const store = createStore({ backend: postgresBackend({ connectionString: url }) });
 * ```
 */
export { postgresBackend, type PostgresBackend, type PostgresBackendOptions, type DrizzleDatabaseLike } from "./backend.js";
export { REPLICA_DEFAULTS, type ReplicaOptions, type ReplicaStats } from "./replicas.js";
export { migrate, defaultMigrationsFolder, type MigrateOptions, type MigrateResult, type MigrateTarget } from "./migrate.js";
export { POOL_DEFAULTS, type PoolSettings, type ConnectionErrorListener } from "./pool.js";
export { PostgresErrorCause } from "./errors.js";
export { BULK_DEFAULTS, type BulkSettings } from "./replicate.js";
export { checkConnectionString } from "./url.js";
/** The Drizzle tables of the `journal_store` schema, for host apps that read them directly. */
export * as schema from "./schema.js";
