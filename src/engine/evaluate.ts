import type { Filter, Page, QuerySpec, Stored } from "../backend.js";
import { decodeCursor, encodeCursor } from "../cursor.js";

/**
 * Query evaluation over rows in memory: filter matching, ordering and keyset paging, with the
 * contract's semantics (live rows only, ties broken by id, ids compared as lowercase strings).
 */

/** Reads one field of a row (the engine's resident rows recompute derived fields). */
export type FieldReader = (row: Stored, field: string) => unknown;

/** True when `row` satisfies every filter. */
export function matches(row: Stored, filters: readonly Filter[], read: FieldReader): boolean {
  for (const f of filters) {
    const v = read(row, f.field);
    switch (f.op) {
      case "eq":
        if (v !== f.value) return false;
        break;
      case "in":
        if (!f.values.includes(v as string | number)) return false;
        break;
      case "gt":
        if (v === null || v === undefined || !((v as string | number) > f.value)) return false;
        break;
      case "gte":
        if (v === null || v === undefined || !((v as string | number) >= f.value)) return false;
        break;
      case "lt":
        if (v === null || v === undefined || !((v as string | number) < f.value)) return false;
        break;
      case "lte":
        if (v === null || v === undefined || !((v as string | number) <= f.value)) return false;
        break;
      case "overlaps": {
        const arr = (v as string[] | null) ?? [];
        if (!f.values.some((x) => arr.includes(x))) return false;
        break;
      }
      case "contains": {
        const arr = (v as string[] | null) ?? [];
        if (!f.values.every((x) => arr.includes(x))) return false;
        break;
      }
      case "search": {
        const text = (v as string | null) ?? "";
        if (!f.terms.every((t) => text.includes(t))) return false;
        break;
      }
    }
  }
  return true;
}

/** Compares two sort keys: the value first, then the id; ascending. */
function compareKeys(av: unknown, aid: string, bv: unknown, bid: string): number {
  if (av !== bv) return (av as string | number) < (bv as string | number) ? -1 : 1;
  return aid < bid ? -1 : aid > bid ? 1 : 0;
}

/**
 * Orders the matching rows, skips to the cursor, and cuts one page. `rows` may be in any order;
 * the result is the same on every backend for the same data.
 */
export function paginate(collection: string, rows: Stored[], spec: QuerySpec): Page {
  const { field, direction } = spec.orderBy;
  const sign = direction === "asc" ? 1 : -1;
  const value = (r: Stored) => (r as unknown as Record<string, unknown>)[field];
  let candidates = rows;
  if (spec.cursor) {
    const after = decodeCursor(collection, spec.orderBy, spec.cursor);
    candidates = rows.filter((r) => sign * compareKeys(value(r), r.id, after.value, after.id) > 0);
  }
  candidates.sort((a, b) => sign * compareKeys(value(a), a.id, value(b), b.id));
  const page = candidates.slice(0, spec.limit);
  const last = page[page.length - 1];
  const nextCursor = candidates.length > spec.limit && last ? encodeCursor(spec.orderBy, last) : null;
  return { rows: page, nextCursor };
}
