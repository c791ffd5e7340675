import { z } from "zod";
import { withoutChangeSeq, type Filter, type OrderBy, type Stored } from "../backend.js";
import { ConflictError, NotFoundError, ValidationError } from "../errors.js";
import { type EntityModel, newRow } from "../model/entity.js";
import { checkId } from "../model/ids.js";
import { DEFAULTS, LIMITS } from "../model/limits.js";
import type { AnyRow, CollectionName, RowTypes } from "../model/rows.js";
import type { Timestamp } from "../model/time.js";
import { validate } from "../model/validate.js";
import { cascadeDelete } from "./cascade.js";
import { atomically, now, type StoreContext } from "./context.js";
import { writeTombstone } from "./tombstone.js";

/**
 * The generic repository operations, written once for every collection: create, get, update
 * (read-modify-write as a compare-and-swap, retried when the caller gave no expected version),
 * delete (a tombstone version, cascading to owned rows) and keyset-paged list.
 */

/** A row as the facade returns it: the stored row without the backend-local `changeSeq`. */
export type Entity<R> = Omit<R, "changeSeq">;

/** One page of a list or search. */
export interface ListResult<T> {
  /** The rows of this page, in the requested order. */
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Options of every `update`. */
export interface UpdateOptions {
  /** Fail with ConflictError unless the stored version is this one (optimistic concurrency). */
  expectedVersion?: number;
}

/** Options of every `delete`. */
export interface DeleteOptions {
  /** Fail with ConflictError unless the stored version is this one. */
  expectedVersion?: number;
}

/** Strips the backend-local `changeSeq`. */
export function toEntity<R extends AnyRow>(row: Stored<R>): Entity<R> {
  return withoutChangeSeq(row) as unknown as Entity<R>;
}

/** Validates a create input and builds the full new row (id, version 1, timestamps, derived fields). */
export function buildRow<C extends CollectionName>(
  ctx: StoreContext,
  model: EntityModel<C>,
  input: unknown,
  overrides: Partial<RowTypes[C]> = {},
): RowTypes[C] {
  return newRow(model, validate(model.collection, model.createSchema, input), ctx.ids(), now(ctx), overrides);
}

/** Validates and inserts a new row. */
export async function createRow<C extends CollectionName>(
  ctx: StoreContext,
  model: EntityModel<C>,
  input: unknown,
): Promise<Stored<RowTypes[C]>> {
  return ctx.ops.insert(model.collection, buildRow(ctx, model, input));
}

/** The live row with `id`, or null (absent or deleted). */
export async function getLive<C extends CollectionName>(
  ctx: StoreContext,
  collection: C,
  id: string,
): Promise<Stored<RowTypes[C]> | null> {
  checkId(collection, id);
  const row = await ctx.ops.get(collection, id);
  return row && !row.deleted ? row : null;
}

/**
 * Read-modify-write of one live row: read it, let `change` compute the new fields, bump version
 * and updatedAt, re-derive, and compare-and-swap. Without `expectedVersion`, a lost race is
 * retried up to `ctx.updateAttempts` times; with it, a stale version is a ConflictError at once.
 */
export async function modifyRow<C extends CollectionName>(
  ctx: StoreContext,
  model: EntityModel<C>,
  id: string,
  change: (row: RowTypes[C]) => RowTypes[C],
  options: UpdateOptions = {},
): Promise<Stored<RowTypes[C]>> {
  const collection = model.collection;
  checkId(collection, id);
  const attempts = options.expectedVersion === undefined ? ctx.updateAttempts : 1;
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.ops.get(collection, id);
    if (!current || current.deleted) throw new NotFoundError(collection, id);
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
      throw new ConflictError(collection, id, "version", {
        expectedVersion: options.expectedVersion,
        actualVersion: current.version,
      });
    }
    const next = successor(ctx, model, current, change);
    try {
      return await ctx.ops.update(collection, next, current.version);
    } catch (error) {
      const lostRace = error instanceof ConflictError && error.reason === "version";
      if (!lostRace || attempt >= attempts) throw error;
    }
  }
}

/**
 * The next version of a stored row: `change` applied, version + 1, updatedAt `at` (default: now),
 * not deleted, derived fields recomputed; id and createdAt kept. Used by every read-modify-write,
 * and by a multi-row write that stamps all its rows with one instant (the analytics refresh).
 */
export function successor<C extends CollectionName>(
  ctx: StoreContext,
  model: EntityModel<C>,
  current: Stored<RowTypes[C]>,
  change: (row: RowTypes[C]) => RowTypes[C],
  at: Timestamp = now(ctx),
): RowTypes[C] {
  const plain = withoutChangeSeq(current);
  return model.derive({
    ...change(plain as unknown as RowTypes[C]),
    id: current.id,
    version: current.version + 1,
    createdAt: current.createdAt,
    updatedAt: at,
    deleted: false,
  });
}

/** Validates a patch and applies it with {@link modifyRow}. */
export function patchRow<C extends CollectionName>(
  ctx: StoreContext,
  model: EntityModel<C>,
  id: string,
  patch: unknown,
  options: UpdateOptions = {},
): Promise<Stored<RowTypes[C]>> {
  const parsed = validate(model.collection, model.patchSchema, patch) as Partial<RowTypes[C]>;
  return modifyRow(ctx, model, id, (row) => ({ ...row, ...parsed }), options);
}

/** Deletes a live row and, in the same transaction, everything it owns (tombstone versions). */
export async function deleteRow(
  ctx: StoreContext,
  collection: CollectionName,
  id: string,
  options: DeleteOptions = {},
): Promise<void> {
  checkId(collection, id);
  await atomically(ctx, async (tx) => {
    const current = await tx.ops.get(collection, id, { forUpdate: true });
    if (!current || current.deleted) throw new NotFoundError(collection, id);
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
      throw new ConflictError(collection, id, "version", {
        expectedVersion: options.expectedVersion,
        actualVersion: current.version,
      });
    }
    const at = now(tx);
    await cascadeDelete(tx, collection, id, at);
    await writeTombstone(tx, collection, current, at);
  });
}

/** Zod fields of the paging options, for list option schemas. */
export const pageFields = {
  /** Rows per page: 1 to 500, default 50. */
  limit: z.number().optional(),
  /** The `nextCursor` of the previous page; absent or null for the first page. */
  cursor: z.string().nullable().optional(),
};

/** Paging options shared by every list and search. */
export interface PageOptions {
  /** Rows per page: 1 to 500, default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

/** Checks page options and returns the limit to use. */
export function pageLimit(collection: string, options: PageOptions): number {
  const limit = options.limit ?? DEFAULTS.pageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageSize) {
    throw new ValidationError(collection, [{ path: "limit", message: `must be a whole number from 1 to ${LIMITS.pageSize}` }]);
  }
  if (options.cursor !== undefined && options.cursor !== null && typeof options.cursor !== "string") {
    throw new ValidationError(collection, [{ path: "cursor", message: "must be a string from nextCursor" }]);
  }
  return limit;
}

/** Runs one page of a query and returns entities. */
export async function listRows<C extends CollectionName, T = Entity<RowTypes[C]>>(
  ctx: StoreContext,
  collection: C,
  where: Filter[],
  orderBy: OrderBy,
  options: PageOptions,
  project: (row: Stored<RowTypes[C]>) => T = toEntity as (row: Stored<RowTypes[C]>) => T,
): Promise<ListResult<T>> {
  const limit = pageLimit(collection, options);
  const page = await ctx.ops.query(collection, { where, orderBy, limit, cursor: options.cursor ?? null });
  return { items: page.rows.map(project), nextCursor: page.nextCursor };
}
