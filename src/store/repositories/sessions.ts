import { z } from "zod";
import type { Filter } from "../../backend.js";
import { sessionModel } from "../../model/entities/sessions.js";
import { id } from "../../model/fields.js";
import type { ChatSessionRow } from "../../model/rows.js";
import { validate } from "../../model/validate.js";
import type { StoreContext } from "../context.js";
import { basicRepository, type BasicRepository } from "../basic-repository.js";
import { listRows, pageFields, type Entity, type ListResult } from "../crud.js";

/** An AI chat session. */
export type ChatSession = Entity<ChatSessionRow>;

const listSchema = z.strictObject({
  /** The owning user: only this user's sessions are listed. */
  userId: id,
  /** Only sessions with this status. */
  status: sessionModel.patchSchema.shape.status.unwrap().optional(),
  /** Order by creation (default) or by last change, which moves with every appended message. */
  orderBy: z.enum(["createdAt", "updatedAt"]).optional(),
  /** Newest first (`desc`, default) or oldest first. */
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

/**
 * Options of `sessions.list`: one user's sessions, newest first by default.
 *
 * @useDeclaredType
 */
export type ListSessionsOptions = z.input<typeof listSchema>;

/** The chat sessions repository. Deleting a session deletes its messages. */
export interface SessionsRepository extends BasicRepository<"chatSessions", typeof sessionModel.createSchema, typeof sessionModel.patchSchema> {
  /**
   * A page of one user's sessions.
   *
   * ```ts
   * const { items } = await store.sessions.list({ userId: ada.id, status: "active", orderBy: "updatedAt" });
   * ```
   */
  list(options: ListSessionsOptions): Promise<ListResult<ChatSession>>;
}

/** Builds the chat sessions repository over a store context. */
export function sessionsRepository(ctx: StoreContext): SessionsRepository {
  const collection = "chatSessions";
  return {
    ...basicRepository(ctx, sessionModel),
    async list(options) {
      const o = validate(collection, listSchema, options);
      const where: Filter[] = [{ field: "userId", op: "eq", value: o.userId }];
      if (o.status) where.push({ field: "status", op: "eq", value: o.status });
      return listRows(ctx, collection, where, { field: o.orderBy ?? "createdAt", direction: o.order ?? "desc" }, o);
    },
  };
}
