import type { BackendTransaction, DigestRange, Filter, Page, QuerySpec, RangeDigest, ScanOptions, Stored } from "../backend.js";
import { BackendError, JournalStoreError } from "../errors.js";
import { COLLECTION_NAMES, specOf } from "../model/collections.js";
import type { CollectionName, RowTypes } from "../model/rows.js";
import type { CommitSet } from "./commit.js";
import { tableDigest, warmDigest } from "./digest.js";
import { checkQuery } from "./guards.js";
import { Mutex } from "./mutex.js";
import { copyOut, toResident } from "./resident.js";
import { Table } from "./table.js";
import { EngineTransaction } from "./transaction.js";
import type { Layer } from "./layer.js";
import { View } from "./view.js";
import { upperBound } from "../model/ids.js";

export type { CommitSet } from "./commit.js";
export { EngineTransaction } from "./transaction.js";

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
  private visibleSeq = 0;

  constructor(private readonly options: EngineOptions) {
    for (const name of COLLECTION_NAMES) this.tables.set(name, new Table(specOf(name)));
  }

  /** The highest changeSeq handed out. */
  get changeSeq(): number {
    return this.seq;
  }

  /**
   * The change horizon: the highest changeSeq readers can see. Commits become visible in the order
   * their changeSeqs were handed out, so no row at or below it can still appear.
   */
  get horizon(): number {
    return this.visibleSeq;
  }

  /** Raises the change sequence to at least `seq` (for backends restoring durable state). */
  restoreSeq(seq: number): void {
    if (seq > this.seq) this.seq = seq;
    if (seq > this.visibleSeq) this.visibleSeq = seq;
  }

  /** Loads a row as committed, bypassing checks (for backends restoring durable state). */
  load(collection: CollectionName, row: Stored): void {
    this.tables.get(collection)!.put(toResident(collection, row));
    if (row.changeSeq > this.seq) this.seq = row.changeSeq;
    if (row.changeSeq > this.visibleSeq) this.visibleSeq = row.changeSeq;
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
    return row ? (copyOut(collection, row) as unknown as Stored<RowTypes[C]>) : null;
  }

  query<C extends CollectionName>(collection: C, spec: QuerySpec): Page<RowTypes[C]> {
    checkQuery(collection, spec);
    const page = this.committed().query(collection, spec);
    return { rows: page.rows.map((r) => copyOut(collection, r)), nextCursor: page.nextCursor } as unknown as Page<RowTypes[C]>;
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
        out.push(copyOut(collection, row));
        if (out.length >= options.limit) break;
      }
    } else {
      const ids = table.idsInOrder();
      let i = options.afterId ? upperBound(ids, options.afterId) : 0;
      for (; i < ids.length && out.length < options.limit; i++) out.push(copyOut(collection, table.rows.get(ids[i]!)!));
    }
    return out as unknown as Stored<RowTypes[C]>[];
  }

  /** The range digests of `collection`'s committed rows (see `digest.ts`); the range is checked there. */
  digest(collection: CollectionName, range: DigestRange): RangeDigest[] {
    return tableDigest(collection, this.tables.get(collection)!, range);
  }

  /** Hashes a large range's rows ahead of {@link Engine.digest}, a chunk per turn of the event loop (`warmDigest`). */
  warmDigest(collection: CollectionName, range: DigestRange): Promise<void> {
    return warmDigest(collection, this.tables.get(collection)!, range);
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
    while (this.pending.length > 0) await this.caughtUp();
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
      if (change.row) {
        this.tables.get(change.collection)!.put(change.row);
        if (change.row.changeSeq > this.visibleSeq) this.visibleSeq = change.row.changeSeq;
      } else this.tables.get(change.collection)!.remove(change.id);
    }
    group.settle?.();
  }
}
