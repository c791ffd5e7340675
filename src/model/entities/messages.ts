import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { count, id, jsonArray, jsonObject, longText, text } from "../fields.js";

const fields = {
  content: longText,
  citations: jsonArray,
  latencyMs: count.nullable(),
  tokens: count.nullable(),
  model: text(200).nullable(),
  metadata: jsonObject,
};

const createSchema = z.strictObject({
  sessionId: id,
  role: z.enum(["user", "assistant", "system"]),
  content: fields.content,
  citations: fields.citations.optional(),
  latencyMs: fields.latencyMs.optional(),
  tokens: fields.tokens.optional(),
  model: fields.model.optional(),
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
