import type { RowSource, Stored } from "../backend.js";
import { REPLICATED_COLLECTIONS } from "../model/collections.js";
import type { CollectionName } from "../model/rows.js";
import { ValidationError } from "../errors.js";

/**
 * The one pager of sync: walks a collection of a backend in id order, tombstones included, a page
 * at a time (`scan({ afterId })`), so no operation holds more than a page of rows.
 */

/** Pages of `collection` after `afterId` (exclusive), in id order. Stops early when `signal` aborts. */
export async function* pages(backend: RowSource, collection: CollectionName, options: { afterId?: string | null; batchSize: number; signal?: AbortSignal }): AsyncGenerator<Stored[]> {
  let afterId = options.afterId ?? null;
  for (;;) {
    if (options.signal?.aborted) return;
    const page = await backend.scan(collection, { afterId, limit: options.batchSize });
    if (page.length > 0) yield page;
    if (page.length < options.batchSize) return;
    afterId = page[page.length - 1]!.id;
  }
}

/** The requested collections, checked and put in owner-first order; migrationLogs never sync. */
export function syncCollections(requested: readonly string[] | undefined): CollectionName[] {
  if (!requested) return [...REPLICATED_COLLECTIONS];
  const unknown = requested.filter((c) => !REPLICATED_COLLECTIONS.includes(c as CollectionName));
  if (unknown.length > 0) {
    throw new ValidationError("sync", [{ path: "collections", message: `unknown or local collection: ${unknown.join(", ")} (choose from ${REPLICATED_COLLECTIONS.join(", ")})` }]);
  }
  return REPLICATED_COLLECTIONS.filter((c) => requested.includes(c));
}

