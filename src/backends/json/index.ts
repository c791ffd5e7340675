import type { Backend } from "../../backend.js";
import { engineBackend } from "../../engine/engine-backend.js";
import { checkCollection } from "../../model/collections.js";
import { type JsonFileBackendOptions, resolveOptions } from "./options.js";
import { JsonStore } from "./store.js";

export { CorruptStoreError, LockedError, type LockHolder } from "./errors.js";
export type { FsLayer } from "./fs.js";
export { JSON_DEFAULTS, JSON_SOURCE_DEFAULTS, type JsonFileBackendOptions } from "./options.js";
export { jsonFileSource, type JsonFileSource, type JsonFileSourceOptions } from "./source.js";

/** A {@link Backend} over a directory of JSON files, with the extras of {@link jsonFileBackend}. */
export interface JsonFileBackend extends Backend {
  /** The store directory. */
  readonly dir: string;
  /** True when opened with `readOnly: true`. */
  readonly readOnly: boolean;
  /**
   * Resolves once the directory is open (lock taken, data loaded). Every other call waits for it
   * anyway; call it to surface LockedError or CorruptStoreError at startup.
   */
  ready(): Promise<void>;
  /**
   * Folds the log into a fresh snapshot and removes what it covers, while writes continue. Once
   * it resolves, every write acknowledged before the call is in a snapshot. Runs in the
   * background by itself once the log outgrows the snapshot (`autoCompact`).
   */
  compact(): Promise<void>;
}

/**
 * The JSON-file backend: the in-memory engine made durable in a directory of human-readable JSON
 * files (docs/json-format.md). A write is acknowledged once it is fsynced in an append-only log
 * (concurrent writes share one fsync); snapshots streamed one row per line are compacted in the
 * background. One writer process per directory (LockedError for a second); `readOnly: true` reads
 * beside a live writer without a lock. A directory of legacy per-collection JSON arrays opens as
 * is and is converted on the first write. Options and limits: docs/json-backend.md.
 *
 * @example
 * ```ts
 * const backend = jsonFileBackend({ dir: "./data" });
 * await backend.ready(); // optional: fail fast on a locked or damaged directory
 * const store = createStore({ backend });
 * ```
 */
export function jsonFileBackend(options: JsonFileBackendOptions): JsonFileBackend {
  const o = resolveOptions(options);
  const store = new JsonStore(o);
  const opening = store.open();
  opening.catch(() => {});
  const inner = engineBackend("json", store.engine, () => store.close());
  // An unknown collection fails at once, without waiting for the directory to open.
  const after = async <T>(collection: string | null, fn: () => Promise<T>): Promise<T> => {
    if (collection !== null) checkCollection(collection);
    await opening;
    return fn();
  };
  /** Reads first wait for commits already staged (at most one group fsync), see Engine.caughtUp. */
  const read = async <T>(collection: string, fn: () => Promise<T>): Promise<T> => {
    checkCollection(collection);
    await opening;
    await store.engine.caughtUp();
    return fn();
  };
  return {
    name: "json",
    dir: o.dir,
    readOnly: o.readOnly,
    ready: () => opening,
    get: (c, id, opt) => read(c, () => inner.get(c, id, opt)),
    getMany: (c, ids) => read(c, () => inner.getMany(c, ids)),
    query: (c, spec) => read(c, () => inner.query(c, spec)),
    count: (c, where) => read(c, () => inner.count(c, where)),
    scan: (c, opt) => read(c, () => inner.scan(c, opt)),
    digest: (c, range) => read(c, () => inner.digest!(c, range)),
    changeHorizon: () => after(null, () => inner.changeHorizon()),
    insert: (c, row) => after(c, () => inner.insert(c, row)),
    update: (c, row, expected) => after(c, () => inner.update(c, row, expected)),
    applyReplicated: (c, rows) => after(c, () => inner.applyReplicated(c, rows)),
    transaction: (fn) => after(null, () => inner.transaction(fn)),
    purge: (opt) => after(null, () => inner.purge(opt)),
    compact: () => after(null, () => store.compact()),
    async close() {
      await opening.catch(() => {});
      await inner.close();
    },
  };
}
