import { stat } from "node:fs/promises";
import type { Backend, RowSource } from "../backend.js";
import { jsonFileBackend, jsonFileSource, LockedError } from "../backends/json/index.js";
import { BackendError, JournalStoreError, UsageError } from "../errors.js";
import type { Endpoint } from "./endpoint.js";

/**
 * Opening the stores a command names. A JSON directory that is only read is opened read-only
 * (no lock: the live app's directory is read beside it). A JSON directory that is written takes
 * the writer lock; if a running app holds it, the CLI refuses with a usage error (exit 2) that
 * says where writing goes instead. PostgreSQL is loaded lazily, so a JSON-only run never loads
 * `pg`, and is probed once so an unreachable server fails here, naming the flag.
 */

/** `application_name` of the CLI's PostgreSQL connections (find them in pg_stat_activity). */
export const CLI_APPLICATION_NAME = "journal-store-backfill";

/** How a command uses a store. */
export type Access = "read" | "write";

/** How a command words a refusal to open a store. */
export interface OpenOptions {
  /**
   * What to do instead when a running app holds the JSON directory's lock (the command's own
   * advice; every refusal first says who holds it and that only that app may write there).
   */
  whenLocked?: string;
}

/** Opens `endpoint` for `access`, or throws a typed error naming its flag or variable. */
export async function openEndpoint(endpoint: Endpoint, access: Access, options: OpenOptions = {}): Promise<Backend> {
  return endpoint.kind === "json" ? openJson(endpoint, access, options) : openPostgres(endpoint);
}

/** A store a sync command reads, possibly still opening: `ready` settles once it is open. */
export interface OpenedSource {
  source: RowSource;
  /** Resolves once the store is open; rejects with the failure worded for its flag, as opening does. */
  ready: Promise<void>;
}

/**
 * Opens the source a sync command reads: a JSON directory as a `jsonFileSource`, whose rows stay
 * on disk (a backfill or compare of any size holds about a page of them), PostgreSQL as a backend.
 * A JSON directory is returned while it is still being indexed, so the command opens the other
 * store and PostgreSQL starts its digests meanwhile (every read of the source waits for the
 * index); the command awaits `ready` before it reports, so a failure to open names the flag.
 */
export async function openSource(endpoint: Endpoint): Promise<OpenedSource> {
  if (endpoint.kind === "postgres") return { source: await openPostgres(endpoint), ready: Promise.resolve() };
  await checkDir(endpoint, "read");
  const source = jsonFileSource({ dir: endpoint.dir });
  const ready = source.ready().catch((e: unknown) => {
    throw opening(endpoint, e);
  });
  // The command awaits it once it has started its work; until then a failure is not unhandled.
  ready.catch(() => undefined);
  return { source, ready };
}

/** A UsageError naming the flag when a JSON endpoint's path is not a directory (or, to be read, is missing). */
async function checkDir(endpoint: Extract<Endpoint, { kind: "json" }>, access: Access): Promise<void> {
  const info = await stat(endpoint.dir).catch(() => null);
  if (access === "read" && !info) throw new UsageError(endpoint.setting, `${endpoint.dir} does not exist`);
  if (info && !info.isDirectory()) throw new UsageError(endpoint.setting, `${endpoint.dir} is not a directory`);
}

async function openJson(endpoint: Extract<Endpoint, { kind: "json" }>, access: Access, options: OpenOptions): Promise<Backend> {
  await checkDir(endpoint, access);
  const backend = jsonFileBackend({ dir: endpoint.dir, readOnly: access === "read", autoCompact: access === "write" });
  try {
    await backend.ready();
  } catch (e) {
    await backend.close().catch(() => undefined);
    if (e instanceof LockedError) {
      const who = e.holder ? `process ${e.holder.pid} on ${e.holder.hostname} (since ${e.holder.since})` : "another process";
      throw new UsageError(
        endpoint.setting,
        `${endpoint.display} is locked by ${who}: a running app writes this JSON store, and only it may. ` +
          (options.whenLocked ?? "Stop the app to write here with this command."),
        { cause: e },
      );
    }
    throw opening(endpoint, e);
  }
  return backend;
}

async function openPostgres(endpoint: Extract<Endpoint, { kind: "postgres" }>): Promise<Backend> {
  const { postgresBackend } = await import("../backends/postgres/index.js");
  const backend = postgresBackend({ connectionString: endpoint.url, poolSize: 4, applicationName: CLI_APPLICATION_NAME });
  try {
    await backend.count("users");
  } catch (e) {
    await backend.close().catch(() => undefined);
    throw opening(endpoint, e);
  }
  return backend;
}

/** Applies the shipped migrations to a PostgreSQL endpoint (`--migrate`). */
export async function migrateEndpoint(endpoint: Endpoint): Promise<string[]> {
  if (endpoint.kind !== "postgres") return [];
  const { migrate } = await import("../backends/postgres/index.js");
  try {
    return (await migrate(endpoint.url)).applied;
  } catch (e) {
    throw opening(endpoint, e);
  }
}

/** A failure to open `endpoint`, worded with its flag and redacted display, keeping the cause. */
function opening(endpoint: Endpoint, e: unknown): JournalStoreError {
  const text = (e instanceof Error ? e.message : String(e)).replace(/^\[journal-store\] /, "").replace(/^(json|postgres): /, "");
  const unmigrated = /tables missing|run migrate\(\)/.test(text) || (/does not exist/.test(text) && /relation|schema|function/.test(text));
  const hint = unmigrated ? " (apply the migrations: run again with --migrate)" : "";
  return new BackendError(endpoint.kind === "json" ? "json" : "postgres", `cannot open ${endpoint.setting} ${endpoint.display}: ${text}${hint}`, { cause: e });
}
