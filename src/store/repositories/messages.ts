import { z } from "zod";
import { ConflictError, NotFoundError } from "../../errors.js";
import { messageModel, sessionModel } from "../../model/entities/index.js";
import type { AppendMessageInput } from "../../model/entities/messages.js";
import { id } from "../../model/fields.js";
import type { MessageRow } from "../../model/rows.js";
import { validate } from "../../model/validate.js";
import { atomically, type StoreContext } from "../context.js";
import { basicRepository, type BasicRepository } from "../basic-repository.js";
import { buildRow, listRows, pageFields, successor, toEntity, type Entity, type ListResult } from "../crud.js";

/** A chat message. */
export type Message = Entity<MessageRow>;

const listSchema = z.strictObject({
  /** The session whose messages are listed. */
  sessionId: id,
  /** Sequence order: oldest first (default) or newest first. */
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

/**
 * Options of `messages.list`: one session's messages in sequence order, with a cursor.
 *
 * @useDeclaredType
 */
export type ListMessagesOptions = z.input<typeof listSchema>;

/** The messages repository. */
export interface MessagesRepository
  extends Omit<BasicRepository<"messages", typeof messageModel.createSchema, typeof messageModel.patchSchema>, "create"> {
  /**
   * Appends a message to a live session: assigns the next sequence number and, in the same
   * transaction, updates the session's `messageCount` and `lastMessageAt`. Concurrent appends
   * on one session get unique, consecutive numbers.
   *
   * ```ts
   * const session = await store.sessions.create({ userId: ada.id, title: "Evening check-in" });
   * const hello = await store.messages.append({ sessionId: session.id, role: "user", content: "Hello" });
   * hello.sequence; // 1
   * ```
   */
  append(input: AppendMessageInput): Promise<Message>;
  /**
   * Same as {@link MessagesRepository.append}.
   *
   * ```ts
   * await store.messages.create({ sessionId: session.id, role: "assistant", content: "Hi! How was today?" });
   * ```
   */
  create(input: AppendMessageInput): Promise<Message>;
  /**
   * A page of one session's messages in sequence order.
   *
   * ```ts
   * const { items } = await store.messages.list({ sessionId: session.id, limit: 100 });
   * ```
   */
  list(options: ListMessagesOptions): Promise<ListResult<Message>>;
}

/** Builds the messages repository over a store context. */
export function messagesRepository(ctx: StoreContext): MessagesRepository {
  const collection = "messages";
  const basic = basicRepository(ctx, messageModel);
  const appendOnce = (input: AppendMessageInput) =>
    atomically(ctx, async (tx) => {
      const draft = buildRow(tx, messageModel, input);
      const session = await tx.ops.get("chatSessions", draft.sessionId, { forUpdate: true });
      if (!session || session.deleted) throw new NotFoundError("chatSessions", draft.sessionId);
      const sequence = session.messageCount + 1;
      const message = await tx.ops.insert(collection, { ...draft, userId: session.userId, sequence });
      const next = successor(tx, sessionModel, session, (s) => ({
        ...s,
        messageCount: sequence,
        lastMessageAt: message.createdAt,
      }));
      await tx.ops.update("chatSessions", next, session.version);
      return toEntity(message);
    });
  const append = async (input: AppendMessageInput) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await appendOnce(input);
      } catch (error) {
        const raced = error instanceof ConflictError && (error.reason === "version" || error.key === "sessionSequence");
        if (!raced || ctx.inTransaction || attempt >= ctx.updateAttempts * 4) throw error;
      }
    }
  };
  return {
    append,
    create: append,
    get: basic.get,
    update: basic.update,
    delete: basic.delete,
    async list(options) {
      const o = validate(collection, listSchema, options);
      return listRows(
        ctx,
        collection,
        [{ field: "sessionId", op: "eq", value: o.sessionId }],
        { field: "sequence", direction: o.order ?? "asc" },
        o,
      );
    },
  };
}
