import type { Stored } from "../backend.js";
import type { CollectionName } from "../model/rows.js";

/**
 * What one committed transaction changed, in write order: rows written and rows purged (null).
 * Its own file so the engine and its transactions both import it from below, without a loop.
 */
export interface CommitSet {
  changes: { collection: CollectionName; id: string; row: Stored | null }[];
}
