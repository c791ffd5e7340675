import {
  withoutChangeSeq,
  type BackendTransaction,
  type Filter,
  type GetOptions,
  type Page,
  type PurgeResult,
  type QuerySpec,
  type ReplicationOutcome,
  type Stored,
} from "../backend.js";
import { BackendError, ConflictError, NotFoundError } from "../errors.js";
import { COLLECTION_NAMES, checkCollection, childrenOf } from "../model/collections.js";
import { checkId } from "../model/ids.js";
import { copyData } from "../model/json.js";
import type { AnyRow, CollectionName, RowTypes } from "../model/rows.js";
import type { CommitSet } from "./commit.js";
import { checkQuery } from "./guards.js";
import { assertWritable, missingOwner, replicationDecision, uniqueClash } from "./integrity.js";
import { copyOut, residentCopy } from "./resident.js";
import { Layer } from "./layer.js";
import type { View } from "./view.js";

/** A deep copy of `row` as given (derived fields and all) with `changeSeq` set: what a write returns. */
function stamped(row: AnyRow, changeSeq: number): Stored {
  const copy = copyData(withoutChangeSeq(row)) as Stored;
  copy.changeSeq = changeSeq;
  return copy;
}

/** What a transaction needs from its engine: the next change sequence number. */
export interface SequenceSource {
  nextSeq(): number;
}

/** One write transaction of the {@link Engine}: reads through its overlay, checks, writes into it. */
export class EngineTransaction implements BackendTransaction {
  readonly layer = new Layer();
  readonly commit: CommitSet = { changes: [] };
  closed = false;
  private readonly view: View;

  constructor(
    private readonly engine: SequenceSource,
    base: View,
  ) {
    this.view = base.with(this.layer);
  }

  async get<C extends CollectionName>(collection: C, id: string, _options?: GetOptions): Promise<Stored<RowTypes[C]> | null> {
    this.open(collection);
    const row = this.view.get(collection, id);
    return row ? (copyOut(collection, row) as unknown as Stored<RowTypes[C]>) : null;
  }

  async getMany<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<(Stored<RowTypes[C]> | null)[]> {
    this.open(collection);
    return ids.map((id) => {
      const row = this.view.get(collection, id);
      return row ? (copyOut(collection, row) as unknown as Stored<RowTypes[C]>) : null;
    });
  }

  async query<C extends CollectionName>(collection: C, spec: QuerySpec): Promise<Page<RowTypes[C]>> {
    this.open(collection);
    checkQuery(collection, spec);
    const page = this.view.query(collection, spec);
    return { rows: page.rows.map((r) => copyOut(collection, r)), nextCursor: page.nextCursor } as unknown as Page<RowTypes[C]>;
  }

  async count(collection: CollectionName, where: readonly Filter[] = []): Promise<number> {
    this.open(collection);
    return this.view.count(collection, where);
  }

  async insert<C extends CollectionName>(collection: C, row: RowTypes[C]): Promise<Stored<RowTypes[C]>> {
    this.open(collection);
    checkId(collection, row.id);
    if (this.view.get(collection, row.id)) throw new ConflictError(collection, row.id, "duplicate-id");
    const stored = this.stamp(collection, row);
    assertWritable(this.view, collection, stored);
    this.write(collection, stored);
    return stamped(row, stored.changeSeq) as unknown as Stored<RowTypes[C]>;
  }

  async update<C extends CollectionName>(collection: C, row: RowTypes[C], expectedVersion: number): Promise<Stored<RowTypes[C]>> {
    this.open(collection);
    checkId(collection, row.id);
    const current = this.view.get(collection, row.id);
    if (!current) throw new NotFoundError(collection, row.id);
    if (current.version !== expectedVersion) {
      throw new ConflictError(collection, row.id, "version", { expectedVersion, actualVersion: current.version });
    }
    const stored = this.stamp(collection, row);
    assertWritable(this.view, collection, stored);
    this.write(collection, stored);
    return stamped(row, stored.changeSeq) as unknown as Stored<RowTypes[C]>;
  }

  async applyReplicated<C extends CollectionName>(collection: C, rows: readonly RowTypes[C][]): Promise<ReplicationOutcome[]> {
    this.open(collection);
    const outcomes: ReplicationOutcome[] = [];
    for (const row of rows) {
      checkId(collection, row.id);
      const decision = replicationDecision(collection, row, this.view.get(collection, row.id));
      if (decision !== "write") {
        outcomes.push(decision);
        continue;
      }
      const owner = missingOwner(this.view, collection, row);
      if (owner) {
        outcomes.push({ id: row.id, outcome: "missing-owner", ...owner });
        continue;
      }
      const stored = this.stamp(collection, row);
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

  /** The row as stored: a private copy with the next changeSeq, in resident form. */
  private stamp(collection: CollectionName, row: AnyRow): Stored {
    return residentCopy(collection, row, this.engine.nextSeq());
  }

  private write(collection: CollectionName, row: Stored): void {
    this.layer.set(collection, row.id, row);
    this.commit.changes.push({ collection, id: row.id, row });
  }

  private remove(collection: CollectionName, id: string): void {
    this.layer.set(collection, id, null);
    this.commit.changes.push({ collection, id, row: null });
  }

  /** Refuses an unknown collection, then a finished transaction. */
  private open(collection?: string): void {
    if (collection !== undefined) checkCollection(collection);
    if (this.closed) throw new BackendError("engine", "transaction already finished; use the tx only inside its callback");
  }
}

