import type {
  BackendTransaction,
  Filter,
  GetOptions,
  Page,
  PurgeResult,
  QuerySpec,
  ReplicationOutcome,
  ScanOptions,
  Stored,
} from "../backend.js";
import { BackendError, ConflictError, JournalStoreError, NotFoundError, ValidationError } from "../errors.js";
import { COLLECTION_NAMES, childrenOf, specOf } from "../model/collections.js";
import { isId } from "../model/ids.js";
import type { AnyRow, CollectionName, RowTypes } from "../model/rows.js";
import { checkOrderBy } from "./evaluate.js";
import { assertWritable, missingOwner, replicationDecision, uniqueClash } from "./integrity.js";
import { Mutex } from "./mutex.js";
import { Table } from "./table.js";
import { type Layer, View } from "./view.js";

/** What one committed transaction changed, in write order: rows written and rows purged (null). */
export interface CommitSet {
  changes: { collection: CollectionName; id: string; row: Stored | null }[];
}

/** Options of {@link Engine}. */
export interface EngineOptions {
  /** Backend name for errors. */
  name: string;
  /**
   * Makes a commit durable. Called in commit order, without the write lock held, so a backend can
   * group several commits into one fsync. The engine shows the commit to readers only once this
   * resolves; if it rejects, the commit and every later pending commit are rolled back, so a
   * persister must fail every call after a failed one until it has recovered. A rejection that is
   * a JournalStoreError (say, a ValidationError for an oversized commit) reaches the caller as is;
   * any other becomes a BackendError.
   */
  persist?: (commit: CommitSet) => Promise<void>;
}

interface PendingGroup {
  layer: Layer;
  commit: CommitSet;
  done: boolean;
  /** Resolves once the group is applied or rolled back. */
  settled: Promise<void>;
  settle: () => void;
}

/**
 * The in-memory storage engine: committed tables with indexes, serialised write transactions
 * with their own overlay, and an optional durability hook. The memory backend is the engine
 * alone; the JSON-file backend makes it durable through `persist`.
 */
export class Engine {
  readonly tables = new Map<CollectionName, Table>();
  private readonly writeLock = new Mutex();
  private pending: PendingGroup[] = [];
  private epoch = 0;
  private seq = 0;

  constructor(private readonly options: EngineOptions) {
    for (const name of COLLECTION_NAMES) this.tables.set(name, new Table(specOf(name)));
  }

  /** The highest changeSeq handed out. */
  get changeSeq(): number {
    return this.seq;
  }

  /** Raises the change sequence to at least `seq` (for backends restoring durable state). */
  restoreSeq(seq: number): void {
    if (seq > this.seq) this.seq = seq;
  }

  /** Loads a row as committed, bypassing checks (for backends restoring durable state). */
  load(collection: CollectionName, row: Stored): void {
    this.tables.get(collection)!.put(row);
    if (row.changeSeq > this.seq) this.seq = row.changeSeq;
  }

  /** Removes a row as committed, bypassing checks (for backends replaying a purge). */
  unload(collection: CollectionName, id: string): void {
    this.tables.get(collection)!.remove(id);
  }

  /** A view of the committed state, as readers outside a transaction see it. */
  committed(): View {
    return new View(this.tables, []);
  }

  get<C extends CollectionName>(collection: C, id: string): Stored<RowTypes[C]> | null {
    const row = this.committed().get(collection, id);
    return row ? (copy(row) as unknown as Stored<RowTypes[C]>) : null;
  }

  query<C extends CollectionName>(collection: C, spec: QuerySpec): Page<RowTypes[C]> {
    checkQuery(collection, spec);
    const page = this.committed().query(collection, spec);
    return { rows: page.rows.map(copy), nextCursor: page.nextCursor } as unknown as Page<RowTypes[C]>;
  }

  count(collection: CollectionName, where: readonly Filter[] = []): number {
    return this.committed().count(collection, where);
  }

  scan<C extends CollectionName>(collection: C, options: ScanOptions): Stored<RowTypes[C]>[] {
    const table = this.tables.get(collection)!;
    const out: Stored[] = [];
    if (options.changedSince !== undefined) {
      for (const row of table.inChangeOrder()) {
        if (row.changeSeq <= options.changedSince) continue;
        out.push(copy(row));
        if (out.length >= options.limit) break;
      }
    } else {
      const ids = table.idsInOrder();
      let i = options.afterId ? upperBound(ids, options.afterId) : 0;
      for (; i < ids.length && out.length < options.limit; i++) out.push(copy(table.rows.get(ids[i]!)!));
    }
    return out as unknown as Stored<RowTypes[C]>[];
  }

  /**
   * Runs `fn` as one serialised write transaction over an overlay. On success the overlay becomes
   * a pending group (visible to later transactions at once, to readers once durable); on throw it
   * is dropped and nothing changes.
   */
  async transaction<T>(fn: (tx: BackendTransaction & EngineTransaction) => Promise<T>): Promise<T> {
    const release = await this.writeLock.lock();
    let group: PendingGroup | undefined;
    const startEpoch = this.epoch;
    const tx = new EngineTransaction(this, new View(this.tables, [...this.pending.map((g) => g.layer)]));
    try {
      const result = await fn(tx);
      tx.closed = true;
      if (this.epoch !== startEpoch) {
        throw new BackendError(this.options.name, "an earlier commit failed to persist; transaction rolled back");
      }
      if (tx.commit.changes.length > 0) group = this.stage(tx);
      release();
      if (group) await this.persist(group);
      return result;
    } catch (error) {
      tx.closed = true;
      release();
      throw error;
    }
  }

  /** Runs `fn` under the write lock without a transaction (for backends that compact or reload). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.writeLock.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Resolves once every pending group is durable (or failed). */
  async settled(): Promise<void> {
    const release = await this.writeLock.lock();
    release();
    await this.drained();
  }

  /**
   * Resolves once no commit is waiting for `persist`, without taking the write lock (so it can run
   * inside {@link exclusive}: a backend that compacts waits here for the commits already staged).
   */
  async drained(): Promise<void> {
    while (this.pending.length > 0) await new Promise((r) => setTimeout(r, 1));
  }

  /**
   * Resolves once every commit staged before the call is visible to readers, or rolled back. A
   * backend whose commits wait for `persist` awaits it before a read outside a transaction, so a
   * read-modify-write that lost a race re-reads the version it lost to instead of a stale one.
   */
  caughtUp(): Promise<void> {
    const last = this.pending[this.pending.length - 1];
    return last ? last.settled : Promise.resolve();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  private stage(tx: EngineTransaction): PendingGroup {
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const group: PendingGroup = { layer: tx.layer, commit: tx.commit, done: false, settled, settle };
    if (!this.options.persist) {
      group.done = true;
      this.apply(group);
      return group;
    }
    this.pending.push(group);
    return group;
  }

  private async persist(group: PendingGroup): Promise<void> {
    if (!this.options.persist || group.done) return;
    try {
      await this.options.persist(group.commit);
    } catch (error) {
      const at = this.pending.indexOf(group);
      if (at >= 0) {
        this.pending = this.pending.slice(0, at);
        this.epoch++;
      }
      group.settle();
      throw error instanceof JournalStoreError
        ? error
        : new BackendError(this.options.name, "write failed; nothing was committed", { cause: error });
    }
    group.done = true;
    while (this.pending[0]?.done) this.apply(this.pending.shift()!);
  }

  private apply(group: PendingGroup): void {
    for (const change of group.commit.changes) {
      if (change.row) this.tables.get(change.collection)!.put(change.row);
      else this.tables.get(change.collection)!.remove(change.id);
    }
    group.settle?.();
  }
}

/** One write transaction of the {@link Engine}: reads through its overlay, checks, writes into it. */
export class EngineTransaction implements BackendTransaction {
  readonly layer: Layer = new Map();
  readonly commit: CommitSet = { changes: [] };
  closed = false;
  private readonly view: View;

  constructor(
    private readonly engine: Engine,
    base: View,
  ) {
    this.view = base.with(this.layer);
  }

  async get<C extends CollectionName>(collection: C, id: string, _options?: GetOptions): Promise<Stored<RowTypes[C]> | null> {
    this.open();
    const row = this.view.get(collection, id);
    return row ? (copy(row) as unknown as Stored<RowTypes[C]>) : null;
  }

  async getMany<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<(Stored<RowTypes[C]> | null)[]> {
    this.open();
    return ids.map((id) => {
      const row = this.view.get(collection, id);
      return row ? (copy(row) as unknown as Stored<RowTypes[C]>) : null;
    });
  }

  async query<C extends CollectionName>(collection: C, spec: QuerySpec): Promise<Page<RowTypes[C]>> {
    this.open();
    checkQuery(collection, spec);
    const page = this.view.query(collection, spec);
    return { rows: page.rows.map(copy), nextCursor: page.nextCursor } as unknown as Page<RowTypes[C]>;
  }

  async count(collection: CollectionName, where: readonly Filter[] = []): Promise<number> {
    this.open();
    return this.view.count(collection, where);
  }

  async insert<C extends CollectionName>(collection: C, row: RowTypes[C]): Promise<Stored<RowTypes[C]>> {
    this.open();
    checkId(collection, row.id);
    if (this.view.get(collection, row.id)) throw new ConflictError(collection, row.id, "duplicate-id");
    const stored = this.stamp(row);
    assertWritable(this.view, collection, stored);
    this.write(collection, stored);
    return copy(stored) as unknown as Stored<RowTypes[C]>;
  }

  async update<C extends CollectionName>(collection: C, row: RowTypes[C], expectedVersion: number): Promise<Stored<RowTypes[C]>> {
    this.open();
    checkId(collection, row.id);
    const current = this.view.get(collection, row.id);
    if (!current) throw new NotFoundError(collection, row.id);
    if (current.version !== expectedVersion) {
      throw new ConflictError(collection, row.id, "version", { expectedVersion, actualVersion: current.version });
    }
    const stored = this.stamp(row);
    assertWritable(this.view, collection, stored);
    this.write(collection, stored);
    return copy(stored) as unknown as Stored<RowTypes[C]>;
  }

  async applyReplicated<C extends CollectionName>(collection: C, rows: readonly RowTypes[C][]): Promise<ReplicationOutcome[]> {
    this.open();
    const outcomes: ReplicationOutcome[] = [];
    for (const row of rows) {
      checkId(collection, row.id);
      const decision = replicationDecision(row, this.view.get(collection, row.id));
      if (decision !== "write") {
        outcomes.push(decision);
        continue;
      }
      const owner = missingOwner(this.view, collection, row);
      if (owner) {
        outcomes.push({ id: row.id, outcome: "missing-owner", ...owner });
        continue;
      }
      const stored = this.stamp(row);
      const clash = uniqueClash(this.view, collection, stored);
      if (clash) {
        outcomes.push({ id: row.id, outcome: "conflict", reason: "unique-key", ...clash });
        continue;
      }
      this.write(collection, stored);
      outcomes.push({ id: row.id, outcome: "applied" });
    }
    return outcomes;
  }

  /** Purges old tombstones, children before owners; an owner stays while anything refers to it. */
  purge(olderThan: string, collections: readonly CollectionName[]): PurgeResult {
    this.open();
    const result: PurgeResult = {};
    for (const collection of [...COLLECTION_NAMES].reverse()) {
      if (!collections.includes(collection)) continue;
      const children = childrenOf(collection);
      let removed = 0;
      for (const row of [...this.view.table(collection).rows.values()]) {
        const current = this.view.get(collection, row.id);
        if (!current?.deleted || current.updatedAt >= olderThan) continue;
        if (children.some((c) => this.view.isReferenced(c.collection, c.field, row.id))) continue;
        this.remove(collection, row.id);
        removed++;
      }
      if (removed > 0) result[collection] = removed;
    }
    return result;
  }

  private stamp(row: AnyRow): Stored {
    const { changeSeq: _ignored, ...plain } = row as Stored;
    return { ...structuredClone(plain), changeSeq: this.engine.nextSeq() } as Stored;
  }

  private write(collection: CollectionName, row: Stored): void {
    this.layerFor(collection).set(row.id, row);
    this.commit.changes.push({ collection, id: row.id, row });
  }

  private remove(collection: CollectionName, id: string): void {
    this.layerFor(collection).set(id, null);
    this.commit.changes.push({ collection, id, row: null });
  }

  private layerFor(collection: CollectionName): Map<string, Stored | null> {
    let map = this.layer.get(collection);
    if (!map) this.layer.set(collection, (map = new Map()));
    return map;
  }

  private open(): void {
    if (this.closed) throw new BackendError("engine", "transaction already finished; use the tx only inside its callback");
  }
}

function copy<R extends Stored>(row: R): R {
  return structuredClone(row);
}

function checkId(collection: string, id: unknown): void {
  if (!isId(id)) throw new ValidationError(collection, [{ path: "id", message: "must be a lowercase UUID" }]);
}

function checkQuery(collection: CollectionName, spec: QuerySpec): void {
  const problem = checkOrderBy(specOf(collection).sortable, spec.orderBy);
  if (problem) throw new ValidationError(collection, [{ path: "orderBy", message: problem }]);
  for (const filter of spec.where ?? []) {
    if (!(filter.field in specOf(collection).fields)) {
      throw new ValidationError(collection, [{ path: "where", message: `unknown field ${filter.field}` }]);
    }
  }
}

/** Index of the first id greater than `id` in an ascending array. */
function upperBound(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
