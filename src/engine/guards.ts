import type { QuerySpec } from "../backend.js";
import { ValidationError } from "../errors.js";
import { specOf } from "../model/collections.js";
import { checkOrderBy } from "../model/order.js";
import type { CollectionName } from "../model/rows.js";

// Checks shared by the engine's reads and its transactions.

/** Throws a ValidationError for an ordering or filter field the collection does not allow. */
export function checkQuery(collection: CollectionName, spec: QuerySpec): void {
  checkOrderBy(collection, spec.orderBy);
  for (const filter of spec.where ?? []) {
    if (!(filter.field in specOf(collection).fields)) {
      throw new ValidationError(collection, [{ path: "where", message: `unknown field ${filter.field}` }]);
    }
  }
}

