import type { Filter, Page, QuerySpec, Stored } from "../backend.js";
import type { CollectionName } from "../model/rows.js";
import { matches, paginate } from "./evaluate.js";
import { readField } from "./resident.js";
import type { Layer, LayerKeyOf } from "./layer.js";
import type { Table } from "./table.js";
import { uniqueKeyValue } from "./table.js";

/**
 * A read view: the committed tables seen through zero or more layers (last layer on top).
 * Readers outside a transaction use no layers; a transaction sees pending groups and its own
 * writes. A query merges the layers' rows by id, and a unique-key or reference check, or a query
 * with an equality filter on an indexed field, asks each layer's lookups: they cost the same
 * however many rows the layers hold.
 */
export class View {
  constructor(
    private readonly tables: ReadonlyMap<CollectionName, Table>,
    private readonly layers: readonly Layer[],
  ) {}

  /** This view with one more layer on top. */
  with(layer: Layer): View {
    return new View(this.tables, [...this.layers, layer]);
  }

  table(collection: CollectionName): Table {
    return this.tables.get(collection)!;
  }

  /** The effective row with `id` (tombstones included), or undefined. */
  get(collection: CollectionName, id: string): Stored | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const hit = this.layers[i]!.get(collection, id);
      if (hit !== undefined) return hit ?? undefined;
    }
    return this.table(collection).rows.get(id);
  }

  /** True when some layer wrote (or purged) `id` in `collection`: its committed row is not the one seen. */
  private inLayers(collection: CollectionName, id: string): boolean {
    for (const layer of this.layers) if (layer.get(collection, id) !== undefined) return true;
    return false;
  }

  /**
   * The layers' ids that may match `filters`: through their equality lookups when an `eq` or `in`
   * filter is on an indexed field (a superset: each is checked), else every id they wrote. So a
   * query inside a transaction costs what its matches cost, not what the transaction wrote
   * (a cascading delete queries owned rows once per owner).
   */
  private layerCandidates(collection: CollectionName, filters: readonly Filter[]): Iterable<string> {
    const table = this.table(collection);
    for (const f of filters) {
      if ((f.op !== "eq" && f.op !== "in") || !table.isIndexed(f.field)) continue;
      const values = f.op === "eq" ? [f.value] : f.values;
      const keys = values.map(equalityKey);
      if (keys.some((k) => k === null)) continue;
      const ids = new Set<string>();
      for (const layer of this.layers) {
        for (const key of keys) for (const id of layer.idsWith(collection, `field:${f.field}`, fieldKeyOf(f.field), key!) ?? []) ids.add(id);
      }
      return ids;
    }
    const ids = new Set<string>();
    for (const layer of this.layers) for (const id of layer.ids(collection)) ids.add(id);
    return ids;
  }

  /** Live rows matching `filters`, narrowed by the best index available. */
  select(collection: CollectionName, filters: readonly Filter[]): Stored[] {
    const table = this.table(collection);
    const narrowed = narrow(table, filters);
    // Search filters last: on a resident row they fold its text, the costliest check.
    const checks = [...filters.filter((f) => f.op !== "search"), ...filters.filter((f) => f.op === "search")];
    const out: Stored[] = [];
    const read = (row: Stored, field: string) => readField(collection, row, field);
    const visit = (row: Stored | undefined) => {
      if (row && !row.deleted && matches(row, checks, read)) out.push(row);
    };
    const committed = narrowed ?? table.rows.keys();
    if (this.layers.length === 0) {
      for (const id of committed) visit(table.rows.get(id));
      return out;
    }
    for (const id of committed) if (!this.inLayers(collection, id)) visit(table.rows.get(id));
    for (const id of this.layerCandidates(collection, filters)) visit(this.get(collection, id));
    return out;
  }

  query(collection: CollectionName, spec: QuerySpec): Page {
    return paginate(collection, this.select(collection, spec.where ?? []), spec);
  }

  count(collection: CollectionName, filters: readonly Filter[]): number {
    return this.select(collection, filters).length;
  }

  /** The id of the live row holding unique key `name` with the value `row` has, if any. */
  uniqueHolder(collection: CollectionName, name: string, fields: readonly string[], row: Stored): string | undefined {
    const key = uniqueKeyValue(fields, row as unknown as Record<string, unknown>);
    if (key === null) return undefined;
    const holds = (id: string) => {
      const r = this.get(collection, id);
      return !!r && !r.deleted && uniqueKeyValue(fields, r as unknown as Record<string, unknown>) === key;
    };
    const keyOf = (r: Stored) => (r.deleted ? null : uniqueKeyValue(fields, r as unknown as Record<string, unknown>));
    for (const layer of this.layers) {
      for (const id of layer.idsWith(collection, `unique:${name}`, keyOf, key) ?? []) if (id !== row.id && holds(id)) return id;
    }
    const committed = this.table(collection).uniqueHolder(name, key);
    return committed !== undefined && committed !== row.id && holds(committed) ? committed : undefined;
  }

  /** True when any row (tombstones included) of `collection` has `field` = `value`. */
  isReferenced(collection: CollectionName, field: string, value: string): boolean {
    for (const id of this.table(collection).idsByField(field, value) ?? []) {
      const r = this.get(collection, id);
      if (r && (r as unknown as Record<string, unknown>)[field] === value) return true;
    }
    for (const layer of this.layers) {
      for (const id of layer.idsWith(collection, `field:${field}`, fieldKeyOf(field), equalityKey(value)!) ?? []) {
        const r = this.get(collection, id);
        if (r && (r as unknown as Record<string, unknown>)[field] === value) return true;
      }
    }
    return false;
  }
}


/**
 * The key a layer files a field's value under for equality lookups: its string form, so 1 and
 * "1" share a key (lookups give candidates, each checked). A null, absent or object value is not
 * filed: no equality filter asks for one.
 */
function equalityKey(value: unknown): string | null {
  return value === null || value === undefined || typeof value === "object" ? null : String(value);
}

/** The equality lookup of `field` (see {@link equalityKey}). */
function fieldKeyOf(field: string): LayerKeyOf {
  return (row) => equalityKey((row as unknown as Record<string, unknown>)[field]);
}

/** The smallest id set an index can give for `filters`, or null when a full scan is needed. */
function narrow(table: Table, filters: readonly Filter[]): Iterable<string> | null {
  let best: ReadonlySet<string> | null = null;
  const consider = (set: ReadonlySet<string> | undefined) => {
    if (set && (best === null || set.size < best.size)) best = set;
  };
  for (const f of filters) {
    if (f.op === "eq") consider(table.idsByField(f.field, f.value));
    else if (f.op === "contains" && f.values.length > 0) {
      for (const v of f.values) consider(table.idsByElement(f.field, v));
    } else if (f.op === "overlaps" || f.op === "in") {
      const union = new Set<string>();
      let indexed = true;
      for (const v of f.values) {
        const set = f.op === "in" ? table.idsByField(f.field, v) : table.idsByElement(f.field, String(v));
        if (!set) {
          indexed = false;
          break;
        }
        for (const id of set) union.add(id);
      }
      if (indexed) consider(union);
    }
  }
  return best;
}
