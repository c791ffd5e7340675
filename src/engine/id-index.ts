/**
 * Ids by a value: the shape of every secondary index the engine keeps (a table's equality and
 * array indexes, a layer's lookups). A value whose last id goes is dropped, so the index holds
 * only values some row has.
 */
export class IdIndex<K> {
  private readonly byKey = new Map<K, Set<string>>();

  /** The ids filed under `key`, or undefined when none is. */
  get(key: K): ReadonlySet<string> | undefined {
    return this.byKey.get(key);
  }

  add(key: K, id: string): void {
    let ids = this.byKey.get(key);
    if (!ids) this.byKey.set(key, (ids = new Set()));
    ids.add(id);
  }

  delete(key: K, id: string): void {
    const ids = this.byKey.get(key);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.byKey.delete(key);
  }
}
