import { z } from "zod";
import type { Filter } from "../../backend.js";
import { topicModel } from "../../model/entities/topics.js";
import { id } from "../../model/fields.js";
import type { TopicRow } from "../../model/rows.js";
import { validate } from "../../model/validate.js";
import type { StoreContext } from "../context.js";
import { basicRepository, type BasicRepository } from "../basic-repository.js";
import { listRows, pageFields, type Entity, type ListResult } from "../crud.js";

/** A topic entries are grouped under. */
export type Topic = Entity<TopicRow>;

const listSchema = z.strictObject({
  /** The owning user: only this user's topics are listed. */
  userId: id,
  /** Order by `createdAt` (default) or `updatedAt`. */
  orderBy: z.enum(["createdAt", "updatedAt"]).optional(),
  /** Newest first (`desc`, default) or oldest first. */
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

/**
 * Options of `topics.list`: one user's topics, newest first by default.
 *
 * @useDeclaredType
 */
export type ListTopicsOptions = z.input<typeof listSchema>;

/**
 * The topics repository. Deleting a topic keeps its entries: they are detached (`topicId`
 * becomes null) in the same transaction.
 *
 * @example
 * ```ts
 * const work = await store.topics.create({ userId: ada.id, name: "Work", color: "#7aa2f7" });
 * await store.entries.create({ userId: ada.id, topicId: work.id, content: "Standup went well." });
 * ```
 */
export interface TopicsRepository extends BasicRepository<"topics", typeof topicModel.createSchema, typeof topicModel.patchSchema> {
  /**
   * A page of one user's topics.
   *
   * ```ts
   * const { items } = await store.topics.list({ userId: ada.id, orderBy: "updatedAt" });
   * ```
   */
  list(options: ListTopicsOptions): Promise<ListResult<Topic>>;
}

/** Builds the topics repository over a store context. */
export function topicsRepository(ctx: StoreContext): TopicsRepository {
  const collection = "topics";
  return {
    ...basicRepository(ctx, topicModel),
    async list(options) {
      const o = validate(collection, listSchema, options);
      const where: Filter[] = [{ field: "userId", op: "eq", value: o.userId }];
      return listRows(ctx, collection, where, { field: o.orderBy ?? "createdAt", direction: o.order ?? "desc" }, o);
    },
  };
}
