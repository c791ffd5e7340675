import { withoutChangeSeq, type Stored } from "../backend.js";
import { tombstoneOf } from "../model/collections.js";
import type { CollectionName, RowTypes } from "../model/rows.js";
import type { Timestamp } from "../model/time.js";
import type { StoreContext } from "./context.js";

/**
 * Writes the tombstone of a stored row (see `tombstoneOf`: version + 1, `updatedAt` = `at`,
 * personal content cleared) as a compare-and-swap on the version read. The one way the facade
 * deletes a row: `delete`, the cascade under it and the analytics refresh all call it.
 */
export function writeTombstone<C extends CollectionName>(
  ctx: StoreContext,
  collection: C,
  row: Stored<RowTypes[C]>,
  at: Timestamp,
): Promise<Stored<RowTypes[C]>> {
  const plain = withoutChangeSeq(row);
  return ctx.ops.update(collection, tombstoneOf(collection, plain as unknown as RowTypes[C], at), row.version);
}
