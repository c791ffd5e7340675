import type { BackendTransaction } from "../backend.js";
import { specOf } from "../model/collections.js";
import type { Change } from "./replicator.js";

/**
 * A transaction on the primary that notes every row it writes, in write order, so that once it
 * commits exactly those rows (tombstones included) go to the secondary. Local collections
 * (migrationLogs) are written but never noted.
 */
export function capturing(tx: BackendTransaction, changes: Change[]): BackendTransaction {
  const replicated = (collection: Parameters<BackendTransaction["insert"]>[0]) => !specOf(collection).local;
  return {
    get: (collection, id, options) => tx.get(collection, id, options),
    getMany: (collection, ids) => tx.getMany(collection, ids),
    query: (collection, spec) => tx.query(collection, spec),
    count: (collection, where) => tx.count(collection, where),
    async insert(collection, row) {
      const stored = await tx.insert(collection, row);
      if (replicated(collection)) changes.push({ collection, row: stored });
      return stored;
    },
    async update(collection, row, expectedVersion) {
      const stored = await tx.update(collection, row, expectedVersion);
      if (replicated(collection)) changes.push({ collection, row: stored });
      return stored;
    },
    async applyReplicated(collection, rows) {
      const outcomes = await tx.applyReplicated(collection, rows);
      if (replicated(collection)) {
        outcomes.forEach((o, i) => {
          if (o.outcome === "applied") changes.push({ collection, row: rows[i]! });
        });
      }
      return outcomes;
    },
  };
}
