import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { id, jsonObject, longText, name, tags, text } from "../fields.js";

const fields = {
  title: text(),
  sessionType: name.pipe(text(64)),
  aiConfig: jsonObject,
  status: z.enum(["active", "paused", "completed", "archived"]),
  description: longText.nullable(),
  tags,
  metadata: jsonObject,
};

const createSchema = z.strictObject({
  userId: id,
  title: fields.title.optional(),
  sessionType: fields.sessionType.optional(),
  aiConfig: fields.aiConfig.optional(),
  status: fields.status.optional(),
  description: fields.description.optional(),
  tags: fields.tags.optional(),
  metadata: fields.metadata.optional(),
});
const patchSchema = z.strictObject(fields).partial();

/**
 * Input of `sessions.create`.
 *
 * @useDeclaredType
 */
export type CreateSessionInput = z.input<typeof createSchema>;
/**
 * Input of `sessions.update`. Message counts are maintained by `messages.append` only.
 *
 * @useDeclaredType
 */
export type SessionPatch = z.input<typeof patchSchema>;

/** AI chat sessions. */
export const sessionModel: EntityModel<"chatSessions", typeof createSchema, typeof patchSchema> = {
  collection: "chatSessions",
  createSchema,
  patchSchema,
  fromInput: (input) => ({
    userId: input.userId,
    title: input.title ?? "",
    sessionType: input.sessionType ?? "general",
    aiConfig: input.aiConfig ?? {},
    status: input.status ?? "active",
    description: input.description ?? null,
    tags: input.tags ?? [],
    metadata: input.metadata ?? {},
    messageCount: 0,
    lastMessageAt: null,
  }),
  derive: (row) => row,
};
