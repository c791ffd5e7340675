import { ValidationError } from "./errors.js";
import type { AnyRow } from "./model/rows.js";
import type { OrderBy } from "./backend.js";

/**
 * Keyset cursors in one backend-independent format: the sort field, direction, the last row's
 * sort value and id, as base64url JSON. Both sides of a dual write return the same cursor for
 * the same page, and a cursor from one works on the other.
 */

/** The decoded position a cursor points after. */
export interface CursorPosition {
  value: string | number;
  id: string;
}

/** Encodes the position after `row` for `orderBy`. */
export function encodeCursor(orderBy: OrderBy, row: AnyRow): string {
  const value = (row as unknown as Record<string, unknown>)[orderBy.field];
  return Buffer.from(JSON.stringify([orderBy.field, orderBy.direction, value, row.id]), "utf8").toString("base64url");
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same ordering; a malformed cursor, or one
 * made for another ordering, is a ValidationError naming `cursor`.
 */
export function decodeCursor(collection: string, orderBy: OrderBy, cursor: string): CursorPosition {
  const bad = (message: string) => new ValidationError(collection, [{ path: "cursor", message }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad("is not a cursor returned by this store");
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw bad("is not a cursor returned by this store");
  const [field, direction, value, id] = parsed as unknown[];
  if (field !== orderBy.field || direction !== orderBy.direction) {
    throw bad(`was made for another ordering (${String(field)} ${String(direction)})`);
  }
  if ((typeof value !== "string" && typeof value !== "number") || typeof id !== "string") {
    throw bad("is not a cursor returned by this store");
  }
  return { value, id };
}
