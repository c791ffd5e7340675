import { ValidationError } from "../errors.js";
import { specOf } from "./collections.js";
import type { CollectionName } from "./rows.js";

/**
 * The sort-order rule of the Backend contract, checked once for every backend: a query orders by
 * `id` or by one of the collection spec's `sortable` fields, `asc` or `desc` (ties always broken
 * by id in the same direction). Anything else is a ValidationError at `orderBy` that lists what
 * the collection can sort by, so the engine and the PostgreSQL compiler refuse alike.
 */
export function checkOrderBy(collection: CollectionName, orderBy: { field: string; direction: string }): void {
  const sortable: readonly string[] = specOf(collection).sortable;
  if (orderBy.field !== "id" && !sortable.includes(orderBy.field)) {
    throw new ValidationError(collection, [
      { path: "orderBy", message: `cannot order by ${orderBy.field} (sortable: ${["id", ...sortable].join(", ")})` },
    ]);
  }
  if (orderBy.direction !== "asc" && orderBy.direction !== "desc") {
    throw new ValidationError(collection, [{ path: "orderBy", message: "direction must be asc or desc" }]);
  }
}
