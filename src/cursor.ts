import { ValidationError } from "./errors.js";
import { isCollectionName, specOf, type FieldKind } from "./model/collections.js";
import { isId } from "./model/ids.js";
import { INTEGER_RANGE } from "./model/limits.js";
import type { AnyRow } from "./model/rows.js";
import { isCalendarDate, isTimestamp } from "./model/time.js";
import type { OrderBy } from "./backend.js";

/**
 * Keyset cursors in one backend-independent format: the sort field, direction, the last row's
 * sort value and id, as base64url JSON. Both sides of a dual write return the same cursor for
 * the same page, and a cursor from one works on the other.
 */

/** The decoded position a cursor points after. */
export interface CursorPosition {
  /** The last row's value of the sort field. */
  value: string | number;
  /** The last row's id (the tie-breaker). */
  id: string;
}

/** Encodes the position after `row` for `orderBy`. */
export function encodeCursor(orderBy: OrderBy, row: AnyRow): string {
  const value = (row as unknown as Record<string, unknown>)[orderBy.field];
  return Buffer.from(JSON.stringify([orderBy.field, orderBy.direction, value, row.id]), "utf8").toString("base64url");
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same ordering. A malformed cursor, one
 * made for another ordering, or one whose id is not a lowercase UUID or whose value is not what
 * the sort field holds, is a ValidationError naming `cursor`: decided here, before any backend
 * sees it, so every backend refuses the same cursors (this store never makes one of them).
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
  if (!isId(id) || !holds(collection, orderBy.field, value)) throw bad("is not a cursor returned by this store");
  return { value: value as string | number, id };
}

/** Checks a cursor value against the kind of the sort field, as its PostgreSQL column would. */
const HOLDS: Partial<Record<FieldKind, (value: unknown) => boolean>> = {
  uuid: isId,
  timestamp: (v) => typeof v === "string" && isTimestamp(v),
  date: (v) => typeof v === "string" && isCalendarDate(v),
  // Sortable integer fields are `integer` columns (schema.ts; test/model/integer-bounds.test.ts).
  integer: (v) => Number.isInteger(v) && (v as number) >= INTEGER_RANGE.integer.min && (v as number) <= INTEGER_RANGE.integer.max,
  number: (v) => typeof v === "number" && Number.isFinite(v),
};

function holds(collection: string, field: string, value: unknown): boolean {
  if (!isCollectionName(collection)) return false;
  const kind = (specOf(collection).fields as Record<string, { kind: FieldKind } | undefined>)[field]?.kind;
  return kind !== undefined && HOLDS[kind]?.(value) === true;
}
