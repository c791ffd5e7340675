import { withoutChangeSeq } from "../backend.js";
import { childrenOf } from "../model/collections.js";
import type { AnyRow, CollectionName } from "../model/rows.js";
import type { Timestamp } from "../model/time.js";
import type { StoreContext } from "./context.js";
import { writeTombstone } from "./tombstone.js";

/** Rows tombstoned per query page while cascading. */
const CASCADE_PAGE = 500;

/**
 * Tombstones every live row owned by `collection`/`id`, depth first, inside the caller's
 * transaction. Rows that name it through an optional owner field (an entry's topic) are detached
 * instead: the field becomes null in a new version, the row stays. Owned rows are found through
 * the owner fields of the collection specs, so a new owned collection cascades without code here.
 */
export async function cascadeDelete(ctx: StoreContext, collection: CollectionName, id: string, at: Timestamp): Promise<void> {
  for (const child of childrenOf(collection)) {
    for (;;) {
      const page = await ctx.ops.query(child.collection, {
        where: [{ field: child.field, op: "eq", value: id }],
        orderBy: { field: "id", direction: "asc" },
        limit: CASCADE_PAGE,
      });
      if (page.rows.length === 0) break;
      for (const row of page.rows) {
        if (child.optional) {
          const plain = withoutChangeSeq<AnyRow>(row);
          const detached = { ...plain, [child.field]: null, version: row.version + 1, updatedAt: at };
          await ctx.ops.update(child.collection, detached as typeof plain, row.version);
          continue;
        }
        await cascadeDelete(ctx, child.collection, row.id, at);
        await writeTombstone(ctx, child.collection, row, at);
      }
    }
  }
}
