import type { Backend, BackendTransaction, PurgeResult } from "../backend.js";
import { ClosedError } from "../errors.js";
import { COLLECTION_NAMES, checkCollection } from "../model/collections.js";
import type { CollectionName } from "../model/rows.js";
import type { Engine } from "./engine.js";

/**
 * A Backend over an {@link Engine}: single operations are one-write transactions, reads go to
 * the committed state. Shared by every engine-based backend (memory, JSON files).
 */
export function engineBackend(name: string, engine: Engine, onClose: () => Promise<void>): Backend {
  let closed = false;
  /** Refuses an unknown collection, then a closed backend. */
  const open = (collection?: string) => {
    if (collection !== undefined) checkCollection(collection);
    if (closed) throw new ClosedError(`${name} backend`);
  };
  const write = async <T>(collection: string | undefined, fn: (tx: BackendTransaction) => Promise<T>) => {
    open(collection);
    return engine.transaction(fn);
  };
  return {
    name,
    async get(collection, id) {
      open(collection);
      return engine.get(collection, id);
    },
    async getMany(collection, ids) {
      open(collection);
      return ids.map((id) => engine.get(collection, id));
    },
    async query(collection, spec) {
      open(collection);
      return engine.query(collection, spec);
    },
    async count(collection, where) {
      open(collection);
      return engine.count(collection, where);
    },
    async scan(collection, options) {
      open(collection);
      return engine.scan(collection, options);
    },
    async digest(collection, range) {
      open(collection);
      await engine.warmDigest(collection, range);
      open(collection);
      return engine.digest(collection, range);
    },
    async changeHorizon() {
      open();
      return engine.horizon;
    },
    insert: (collection, row) => write(collection, (tx) => tx.insert(collection, row)),
    update: (collection, row, expectedVersion) => write(collection, (tx) => tx.update(collection, row, expectedVersion)),
    applyReplicated: (collection, rows) => write(collection, (tx) => tx.applyReplicated(collection, rows)),
    transaction: (fn) => write(undefined, fn),
    purge({ olderThan, collections = COLLECTION_NAMES }): Promise<PurgeResult> {
      open();
      return engine.transaction(async (tx) => tx.purge(olderThan, collections as CollectionName[]));
    },
    async close() {
      if (closed) return;
      closed = true;
      await onClose();
    },
  };
}
