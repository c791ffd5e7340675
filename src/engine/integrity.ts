import type { ReplicationOutcome, Stored } from "../backend.js";
import { rowsEqual } from "../diff.js";
import { ConflictError, NotFoundError } from "../errors.js";
import { specOf } from "../model/collections.js";
import type { AnyRow, CollectionName } from "../model/rows.js";
import { withDerived } from "./resident.js";
import type { View } from "./view.js";

/**
 * The contract's integrity rules evaluated against a view: owners must exist (and be live, for a
 * live row), unique keys are unique among live rows, and the replication rule decides whether a
 * replicated row is applied, stale or a conflict.
 */

/**
 * The first owner of `row` that is missing (or deleted, when `row` is live), if any. A null
 * optional owner (`OwnerSpec.optional`) names no row and is never missing.
 */
export function missingOwner(
  view: View,
  collection: CollectionName,
  row: AnyRow,
): { ownerCollection: CollectionName; ownerId: string } | undefined {
  for (const owner of specOf(collection).owners) {
    const ownerId = (row as unknown as Record<string, unknown>)[owner.field] as string;
    if (ownerId === null && owner.optional) continue;
    const stored = view.get(owner.collection, ownerId);
    if (!stored || (!row.deleted && stored.deleted)) return { ownerCollection: owner.collection, ownerId };
  }
  return undefined;
}

/** The first unique key of a live `row` held by another live row, if any. */
export function uniqueClash(
  view: View,
  collection: CollectionName,
  row: Stored,
): { key: string; holderId: string } | undefined {
  if (row.deleted) return undefined;
  for (const key of specOf(collection).uniqueKeys) {
    const holderId = view.uniqueHolder(collection, key.name, key.fields, row);
    if (holderId) return { key: key.name, holderId };
  }
  return undefined;
}

/** Throws the contract's error when `row` may not be written (owners, unique keys). */
export function assertWritable(view: View, collection: CollectionName, row: Stored): void {
  const owner = missingOwner(view, collection, row);
  if (owner) throw new NotFoundError(owner.ownerCollection, owner.ownerId);
  const clash = uniqueClash(view, collection, row);
  if (clash) throw new ConflictError(collection, row.id, "duplicate-key", { key: clash.key });
}

/**
 * The replication rule: what applying `row` over `stored` yields. Returns "write" when the row
 * must be written (integrity permitting), or the final outcome otherwise.
 */
export function replicationDecision(collection: CollectionName, row: AnyRow, stored: Stored | undefined): "write" | ReplicationOutcome {
  if (!stored || stored.version < row.version) return "write";
  if (stored.version > row.version || rowsEqual(withDerived(collection, stored), row)) {
    return { id: row.id, outcome: "stale", storedVersion: stored.version };
  }
  return { id: row.id, outcome: "conflict", reason: "version", storedVersion: stored.version };
}
