import type { z } from "zod";
import type { EntityModel } from "../model/entity.js";
import type { CollectionName, RowTypes } from "../model/rows.js";
import type { StoreContext } from "./context.js";
import { createRow, deleteRow, getLive, patchRow, toEntity, type DeleteOptions, type Entity, type UpdateOptions } from "./crud.js";

/** The four operations every repository offers, typed by its entity model. */
export interface BasicRepository<C extends CollectionName, I extends z.ZodType, P extends z.ZodType> {
  /**
   * Validates the input and stores a new row (version 1).
   *
   * ```ts
   * const entry = await store.entries.create({ userId: ada.id, content: "Slept well, long walk." });
   * entry.version; // 1
   * ```
   */
  create(input: z.input<I>): Promise<Entity<RowTypes[C]>>;
  /**
   * The live row with `id`, or null when it is absent or deleted.
   *
   * ```ts
   * const entry = await store.entries.get(id);
   * if (entry === null) console.log("absent or deleted");
   * ```
   */
  get(id: string): Promise<Entity<RowTypes[C]> | null>;
  /**
   * Applies a validated patch as a compare-and-swap (see `UpdateOptions.expectedVersion`).
   *
   * ```ts
   * const next = await store.entries.update(entry.id, { mood: 7 }, { expectedVersion: entry.version });
   * next.version; // entry.version + 1
   * ```
   */
  update(id: string, patch: z.input<P>, options?: UpdateOptions): Promise<Entity<RowTypes[C]>>;
  /**
   * Writes the row's tombstone and those of everything it owns, in one transaction.
   *
   * ```ts
   * await store.topics.delete(work.id); // its entries stay, detached (topicId: null)
   * ```
   */
  delete(id: string, options?: DeleteOptions): Promise<void>;
}

/** create / get / update / delete for one collection, written once for every repository. */
export function basicRepository<C extends CollectionName, I extends z.ZodType, P extends z.ZodType>(
  ctx: StoreContext,
  model: EntityModel<C, I, P>,
): BasicRepository<C, I, P> {
  return {
    async create(input) {
      return toEntity(await createRow(ctx, model as EntityModel<C>, input));
    },
    async get(id) {
      const row = await getLive(ctx, model.collection, id);
      return row ? toEntity(row) : null;
    },
    async update(id, patch, options) {
      return toEntity(await patchRow(ctx, model as EntityModel<C>, id, patch, options));
    },
    delete: (id, options) => deleteRow(ctx, model.collection, id, options),
  };
}
