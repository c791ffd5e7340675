import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { count, id, jsonArray, jsonObject, longText, text } from "../fields.js";

const fields = {
  /** The text. */
  content: longText,
  /** Sources the assistant cited (a JSON array). */
  citations: jsonArray,
  /** The model's answer time in milliseconds, or null. */
  latencyMs: count.nullable(),
  /** Tokens the model used, or null. */
  tokens: count.nullable(),
  /** The model that wrote the message, or null. */
  model: text(200).nullable(),
  /** Free-form app data (a JSON object). */
  metadata: jsonObject,
};

const createSchema = z.strictObject({
  /** The session to append to. */
  sessionId: id,
  /** Who wrote the message: `user`, `assistant` or `system`. */
  role: z.enum(["user", "assistant", "system"]),
  /** The text. */
  content: fields.content,
  /** Sources the assistant cited (a JSON array). */
  citations: fields.citations.optional(),
  /** The model's answer time in milliseconds, or null. */
  latencyMs: fields.latencyMs.optional(),
  /** Tokens the model used, or null. */
  tokens: fields.tokens.optional(),
  /** The model that wrote the message, or null. */
  model: fields.model.optional(),
  /** Free-form app data (a JSON object). */
  metadata: fields.metadata.optional(),
});
const patchSchema = z.strictObject(fields).partial();

/**
 * Input of `messages.append`. The sequence number and user come from the session.
 *
 * @useDeclaredType
 */
export type AppendMessageInput = z.input<typeof createSchema>;
/**
 * Input of `messages.update`.
 *
 * @useDeclaredType
 */
export type MessagePatch = z.input<typeof patchSchema>;

/** Chat messages; `userId` and `sequence` are filled in by `messages.append`. */
export const messageModel: EntityModel<"messages", typeof createSchema, typeof patchSchema> = {
  collection: "messages",
  createSchema,
  patchSchema,
  fromInput: (input) => ({
    sessionId: input.sessionId,
    userId: "",
    role: input.role,
    content: input.content,
    sequence: 0,
    citations: input.citations ?? [],
    latencyMs: input.latencyMs ?? null,
    tokens: input.tokens ?? null,
    model: input.model ?? null,
    metadata: input.metadata ?? {},
  }),
  derive: (row) => row,
};
