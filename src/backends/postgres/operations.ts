import type { BackendTransaction, Filter, GetOptions, Page, QuerySpec, ReplicationOutcome, Stored } from "../../backend.js";
import { encodeCursor } from "../../cursor.js";
import { BackendError, ConflictError, NotFoundError } from "../../errors.js";
import { checkCollection } from "../../model/collections.js";
import { checkId, isId } from "../../model/ids.js";
import type { AnyRow, CollectionName, RowTypes } from "../../model/rows.js";
import { run } from "./compile.js";
import type { Queryable } from "./driver.js";
import { BACKEND_NAME, type ErrorContext, mapError } from "./errors.js";
import { INFO, type TableInfo } from "./mapping.js";
import { countQuery, pageQuery } from "./query.js";
import { type BulkSettings, applyReplicatedOn } from "./replicate.js";
import { diagnosisSql, encodeRow, statementsOf } from "./statements.js";
import { copyData } from "../../model/json.js";

/**
 * Reads and writes of the contract on one PostgreSQL queryable: the pool for single operations,
 * or the one connection of a transaction. Every statement error becomes the contract's error
 * (see errors.ts); a refused insert or update is diagnosed with follow-up reads in the order the
 * contract checks (id, version, owners, unique keys).
 */
export class PgOperations implements BackendTransaction {
  constructor(
    private readonly q: Queryable,
    /** Runs `fn` all-or-nothing: the driver's transaction, or `fn(q)` when already inside one. */
    private readonly atomically: <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>,
    /** Throws when the backend is closed or the transaction is over. */
    private readonly guard: () => void,
    /** True inside a transaction (enables `FOR UPDATE`). */
    private readonly inTransaction: boolean,
    /** When `applyReplicated` takes the bulk (COPY) path. */
    private readonly bulk: BulkSettings,
  ) {}

  private async attempt<T>(context: ErrorContext, fn: () => Promise<T>): Promise<T> {
    this.guard();
    try {
      return await fn();
    } catch (error) {
      throw mapError(error, context);
    }
  }

  async get<C extends CollectionName>(collection: C, id: string, options?: GetOptions): Promise<Stored<RowTypes[C]> | null> {
    const info = tableOf(collection);
    return this.attempt({ info }, async () => {
      if (!isId(id)) return null;
      const st = statementsOf(collection);
      const prepared = options?.forUpdate && this.inTransaction ? st.getForUpdate : st.get;
      const rows = await prepared.execute<Stored<RowTypes[C]>>(this.q, { id });
      return rows[0] ?? null;
    });
  }

  async getMany<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<(Stored<RowTypes[C]> | null)[]> {
    const info = tableOf(collection);
    return this.attempt({ info }, async () => {
      const valid = [...new Set(ids.filter(isId))];
      if (valid.length === 0) return ids.map(() => null);
      const rows = await statementsOf(collection).getMany.execute<Stored<RowTypes[C]>>(this.q, { ids: `{${valid.join(",")}}` });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => {
        const row = byId.get(id);
        return row ? copyData(row) : null;
      });
    });
  }

  async query<C extends CollectionName>(collection: C, spec: QuerySpec): Promise<Page<RowTypes[C]>> {
    const info = tableOf(collection);
    return this.attempt({ info }, async () => {
      const q = pageQuery(info, spec);
      const rows = await this.q.query<Stored<RowTypes[C]>>(q.text, q.params, "name" in q ? q.name : undefined);
      const limit = Math.max(0, Math.floor(spec.limit));
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(spec.orderBy, last) : null };
    });
  }

  async count(collection: CollectionName, where?: readonly Filter[]): Promise<number> {
    const info = tableOf(collection);
    return this.attempt({ info }, async () => {
      const q = countQuery(info, where);
      const rows = await this.q.query<{ n: number }>(q.text, q.params, "name" in q ? q.name : undefined);
      return Number(rows[0]?.n ?? 0);
    });
  }

  async insert<C extends CollectionName>(collection: C, row: RowTypes[C]): Promise<Stored<RowTypes[C]>> {
    const info = tableOf(collection);
    return this.attempt({ info, row }, async () => {
      checkId(collection, row.id);
      const st = statementsOf(collection);
      for (let attempt = 0; attempt < 3; attempt++) {
        if (ownersWellFormed(info, row)) {
          const rows = await st.insert.execute<Stored<RowTypes[C]>>(this.q, encodeRow(info, row));
          if (rows[0]) return rows[0];
        }
        const exists = await run(this.q, diagnosisSql.version(info, row.id));
        if (exists.length > 0) throw new ConflictError(collection, row.id, "duplicate-id");
        await this.explainRefusal(info, row);
      }
      throw new BackendError(BACKEND_NAME, `${collection} ${row.id}: insert kept losing races to concurrent writes`);
    });
  }

  async update<C extends CollectionName>(collection: C, row: RowTypes[C], expectedVersion: number): Promise<Stored<RowTypes[C]>> {
    const info = tableOf(collection);
    return this.attempt({ info, row }, async () => {
      checkId(collection, row.id);
      const st = statementsOf(collection);
      for (let attempt = 0; attempt < 3; attempt++) {
        if (ownersWellFormed(info, row) && Number.isInteger(expectedVersion)) {
          const values = { ...encodeRow(info, row), expectedVersion: String(expectedVersion) };
          const rows = await st.update.execute<Stored<RowTypes[C]>>(this.q, values);
          if (rows[0]) return rows[0];
        }
        const stored = await run<{ version: number }>(this.q, diagnosisSql.version(info, row.id));
        if (!stored[0]) throw new NotFoundError(collection, row.id);
        if (stored[0].version !== expectedVersion) {
          throw new ConflictError(collection, row.id, "version", { expectedVersion, actualVersion: stored[0].version });
        }
        await this.explainRefusal(info, row);
      }
      throw new BackendError(BACKEND_NAME, `${collection} ${row.id}: update kept losing races to concurrent writes`);
    });
  }

  async applyReplicated<C extends CollectionName>(collection: C, rows: readonly RowTypes[C][]): Promise<ReplicationOutcome[]> {
    const info = tableOf(collection);
    return this.attempt({ info }, () => applyReplicatedOn(this.q, collection, rows, this.atomically, this.bulk));
  }

  /** Throws the owner or unique-key error that refused `row`; returns when none applies (a race). */
  private async explainRefusal(info: TableInfo, row: AnyRow): Promise<void> {
    const r = row as unknown as Record<string, unknown>;
    for (const owner of info.owners) {
      const ownerId = r[owner.field];
      if (ownerId === null && owner.optional) continue;
      if (!isId(ownerId)) throw new NotFoundError(owner.collection, String(ownerId));
      const found = await run<{ deleted: boolean }>(this.q, diagnosisSql.owner(owner.table, ownerId));
      if (!found[0] || (found[0].deleted && !row.deleted)) throw new NotFoundError(owner.collection, ownerId);
    }
    if (row.deleted) return;
    for (const key of info.uniqueKeys) {
      const holder = await run(this.q, diagnosisSql.holder(info, key, row));
      if (holder.length > 0) throw new ConflictError(info.collection, row.id, "duplicate-key", { key: key.name });
    }
  }
}

/** The table of a known collection; the contract's ValidationError for any other name. */
function tableOf(collection: CollectionName): TableInfo {
  checkCollection(collection);
  return INFO[collection];
}

/** Owner ids that are not UUIDs cannot name a row; they must not reach a `::uuid` cast (null is fine for an optional owner). */
function ownersWellFormed(info: TableInfo, row: AnyRow): boolean {
  const r = row as unknown as Record<string, unknown>;
  return info.owners.every((o) => isId(r[o.field]) || (o.optional && r[o.field] === null));
}
