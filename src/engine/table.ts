import type { Stored } from "../backend.js";
import type { CollectionSpec } from "../model/collections.js";
import { IdIndex } from "./id-index.js";

/**
 * One collection's committed rows with real indexes, so queries narrow before they filter:
 * - equality indexes on owner fields and the spec's `indexed` fields (tombstones included, so
 *   purge can tell whether anything still refers to an owner);
 * - array indexes on text-array fields (live rows only);
 * - unique-key indexes (live rows only);
 * - change-sequence order, for `scan({ changedSince })`.
 *
 * The indexes are built on first use, in one pass over the rows, then kept up to date by every
 * `put` and `remove`: opening a store only stores its rows, so a process that only scans or
 * digests (a compare, a backfill reading a JSON store) never builds them, and a table no one
 * queries costs no index memory.
 */
export class Table {
  /**
   * Rows by id. Map iteration order is insertion order, and `put` re-inserts a replaced row, so
   * iterating yields rows in changeSeq order: one map serves lookups and change order.
   */
  readonly rows = new Map<string, Stored>();
  private readonly equality = new Map<string, IdIndex<unknown>>();
  private readonly arrays = new Map<string, IdIndex<string>>();
  private readonly unique = new Map<string, Map<string, string>>();
  private sortedIds: string[] | null = null;
  /** False until the first index lookup builds the indexes (see the class comment). */
  private indexed = false;

  constructor(readonly spec: CollectionSpec) {
    for (const owner of spec.owners) this.equality.set(owner.field, new IdIndex());
    for (const field of spec.indexed) this.equality.set(field, new IdIndex());
    for (const [field, f] of Object.entries(spec.fields)) if (f.kind === "textArray") this.arrays.set(field, new IdIndex());
    for (const key of spec.uniqueKeys) this.unique.set(key.name, new Map());
  }

  get size(): number {
    return this.rows.size;
  }

  /**
   * Stores `row` (replacing any stored row with its id, which moves it to the end of the change
   * order) and updates every index.
   */
  put(row: Stored): void {
    const old = this.rows.get(row.id);
    if (old) {
      if (this.indexed) this.unindex(old);
      this.rows.delete(row.id);
    } else {
      this.sortedIds = null;
    }
    this.rows.set(row.id, row);
    if (this.indexed) this.index(row);
  }

  /** Removes a row for good (purge). */
  remove(id: string): void {
    const old = this.rows.get(id);
    if (!old) return;
    if (this.indexed) this.unindex(old);
    this.rows.delete(id);
    this.sortedIds = null;
  }

  /** True when `field` has an equality index (an owner field or one of the spec's `indexed` fields). */
  isIndexed(field: string): boolean {
    return this.equality.has(field);
  }

  /** Ids whose `field` equals `value` (tombstones included), or undefined when `field` has no index. */
  idsByField(field: string, value: unknown): ReadonlySet<string> | undefined {
    this.buildIndexes();
    const index = this.equality.get(field);
    if (!index) return undefined;
    return index.get(value) ?? EMPTY;
  }

  /** Live ids whose array `field` holds `value`, or undefined when `field` has no index. */
  idsByElement(field: string, value: string): ReadonlySet<string> | undefined {
    this.buildIndexes();
    const index = this.arrays.get(field);
    if (!index) return undefined;
    return index.get(value) ?? EMPTY;
  }

  /** The live holder of unique key `name` with value `key`. */
  uniqueHolder(name: string, key: string): string | undefined {
    this.buildIndexes();
    return this.unique.get(name)?.get(key);
  }

  /** All ids in ascending order (cached until an id is added or removed). */
  idsInOrder(): readonly string[] {
    this.sortedIds ??= [...this.rows.keys()].sort();
    return this.sortedIds;
  }

  /** Rows in increasing changeSeq order. */
  inChangeOrder(): IterableIterator<Stored> {
    return this.rows.values();
  }

  /** True once the indexes are built (they are on first lookup). */
  get hasIndexes(): boolean {
    return this.indexed;
  }

  /** Builds the indexes from the stored rows, unless they are built already. */
  buildIndexes(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const row of this.rows.values()) this.index(row);
  }

  private index(row: Stored): void {
    this.eachIndexKey(row, (index, key) => index.add(key, row.id));
    if (row.deleted) return;
    for (const key of this.spec.uniqueKeys) {
      const value = uniqueKeyValue(key.fields, row as unknown as Record<string, unknown>);
      if (value !== null) this.unique.get(key.name)!.set(value, row.id);
    }
  }

  private unindex(row: Stored): void {
    this.eachIndexKey(row, (index, key) => index.delete(key, row.id));
    if (row.deleted) return;
    for (const key of this.spec.uniqueKeys) {
      const value = uniqueKeyValue(key.fields, row as unknown as Record<string, unknown>);
      const index = this.unique.get(key.name)!;
      if (value !== null && index.get(value) === row.id) index.delete(value);
    }
  }

  /** Every equality and array index entry of `row` (array ones for live rows only). */
  private eachIndexKey(row: Stored, visit: <K>(index: IdIndex<K>, key: K) => void): void {
    const r = row as unknown as Record<string, unknown>;
    for (const [field, index] of this.equality) visit(index, r[field]);
    if (row.deleted) return;
    for (const [field, index] of this.arrays) for (const element of (r[field] as string[] | null) ?? []) visit(index, element);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** The string form of a unique key's value in `row`, or null when any of its fields is null. */
export function uniqueKeyValue(fields: readonly string[], row: Record<string, unknown>): string | null {
  const parts: unknown[] = [];
  for (const field of fields) {
    const v = row[field];
    if (v === null || v === undefined) return null;
    parts.push(v);
  }
  return JSON.stringify(parts);
}
