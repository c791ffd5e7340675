import type { Backend, BackendTransaction, PurgeResult } from "../backend.js";
import { ClosedError } from "../errors.js";
import { COLLECTION_NAMES } from "../model/collections.js";
import type { CollectionName } from "../model/rows.js";
import type { Engine } from "./engine.js";

/**
 * A Backend over an {@link Engine}: single operations are one-write transactions, reads go to
 * the committed state. Shared by every engine-based backend (memory, JSON files).
 */
export function engineBackend(name: string, engine: Engine, onClose: () => Promise<void>): Backend {
  let closed = false;
  const open = () => {
    if (closed) throw new ClosedError(`${name} backend`);
  };
  const write = <T>(fn: (tx: BackendTransaction) => Promise<T>) => {
    open();
    return engine.transaction(fn);
  };
  return {
    name,
    async get(collection, id) {
      open();
      return engine.get(collection, id);
    },
    async getMany(collection, ids) {
      open();
      return ids.map((id) => engine.get(collection, id));
    },
    async query(collection, spec) {
      open();
      return engine.query(collection, spec);
    },
    async count(collection, where) {
      open();
      return engine.count(collection, where);
    },
    async scan(collection, options) {
      open();
      return engine.scan(collection, options);
    },
    insert: (collection, row) => write((tx) => tx.insert(collection, row)),
    update: (collection, row, expectedVersion) => write((tx) => tx.update(collection, row, expectedVersion)),
    applyReplicated: (collection, rows) => write((tx) => tx.applyReplicated(collection, rows)),
    transaction: (fn) => write(fn),
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
