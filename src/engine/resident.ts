import type { Stored } from "../backend.js";
import { specOf } from "../model/collections.js";
import { copyData } from "../model/json.js";
import type { AnyRow, CollectionName } from "../model/rows.js";
import { hasUnassigned } from "../model/text.js";

/**
 * Rows as the engine holds them ("resident" rows). A derived field (the spec's `derived`:
 * `searchText`, the folded title and content) is left out of the row while it equals its
 * derivation, and recomputed whenever the row is read. Kept, it would double the memory, the log
 * and the snapshots of every journal entry, and most of the garbage collector's work when a
 * large store opens. A value that differs from its derivation (written at the backend level, or
 * folded by another Unicode version) is kept as it is, so reads return exactly what was written.
 *
 * Only a value without code points unassigned in this runtime's Unicode version is left out: a
 * later version may give such a code point a lower-case mapping, and would recompute another value.
 */

type Fields = Record<string, unknown>;

/** The derived fields of `row` that equal their derivation (null when none do): the ones left out. */
function elidable(collection: CollectionName, r: Fields): string[] | null {
  let elided: string[] | null = null;
  for (const d of specOf(collection).derived) {
    const value = r[d.field];
    if (typeof value === "string" && !hasUnassigned(value) && value === d.compute(r)) (elided ??= []).push(d.field);
  }
  return elided;
}

/** `row` without the derived fields that equal their derivation (the same object when none do). */
export function toResident(collection: CollectionName, row: Stored): Stored {
  const r = row as unknown as Fields;
  const elided = elidable(collection, r);
  if (!elided) return row;
  const out: Fields = {};
  for (const key of Object.keys(r)) {
    if (elided.includes(key)) continue;
    // Defined, not assigned: a key such as `__proto__` stays plain data.
    if (key === "__proto__") Object.defineProperty(out, key, { value: r[key], enumerable: true, writable: true, configurable: true });
    else out[key] = r[key];
  }
  return out as unknown as Stored;
}

/**
 * A private deep copy of `row` (as written, its `changeSeq` ignored) in resident form, stamped
 * with `changeSeq`: what a write stores. One copy, made after the derived fields are dropped.
 */
export function residentCopy(collection: CollectionName, row: AnyRow, changeSeq: number): Stored {
  const r = row as unknown as Fields;
  const elided = elidable(collection, r);
  const out: Fields = {};
  for (const key of Object.keys(r)) {
    if (key === "changeSeq" || elided?.includes(key)) continue;
    const v = copyData(r[key]);
    if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  out.changeSeq = changeSeq;
  return out as unknown as Stored;
}

/** The value of `field` in a resident `row`, recomputed when it was left out. */
export function readField(collection: CollectionName, row: Stored, field: string): unknown {
  const r = row as unknown as Fields;
  if (Object.hasOwn(r, field)) return r[field];
  return specOf(collection).derived.find((d) => d.field === field)?.compute(r);
}

/** A resident `row` with its derived fields restored (shallow: `row` itself when none is missing). */
export function withDerived(collection: CollectionName, row: Stored): Stored {
  if (specOf(collection).derived.every((d) => Object.hasOwn(row, d.field))) return row;
  return restoreDerived(collection, { ...row });
}

/** A deep copy of a resident `row` with its derived fields restored: what readers get. */
export function copyOut(collection: CollectionName, row: Stored): Stored {
  return restoreDerived(collection, copyData(row));
}

/**
 * Computes into `copy` (a copy of a resident row the caller owns, such as a row just parsed from
 * a snapshot line) the derived fields it lacks, and returns it.
 */
export function restoreDerived(collection: CollectionName, copy: Stored): Stored {
  const out = copy as unknown as Fields;
  for (const d of specOf(collection).derived) if (!Object.hasOwn(out, d.field)) out[d.field] = d.compute(out);
  return copy;
}
