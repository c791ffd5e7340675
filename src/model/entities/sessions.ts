import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { id, jsonObject, longText, name, tags, text } from "../fields.js";

const fields = {
  /** The title. */
  title: text(),
  /** What the session is for, e.g. `general`, `cbt`. */
  sessionType: name.pipe(text(64)),
  /** Model and prompt settings (a JSON object). */
  aiConfig: jsonObject,
  /** The life-cycle status. */
  status: z.enum(["active", "paused", "completed", "archived"]),
  /** A longer description, or null. */
  description: longText.nullable(),
  /** Free-form labels. */
  tags,
  /** Free-form app data (a JSON object). */
  metadata: jsonObject,
};

const createSchema = z.strictObject({
  /** The owning user's id. */
  userId: id,
  /** The title. */
  title: fields.title.optional(),
  /** What the session is for, e.g. `general`, `cbt`. */
  sessionType: fields.sessionType.optional(),
  /** Model and prompt settings (a JSON object). */
  aiConfig: fields.aiConfig.optional(),
  /** The life-cycle status. */
  status: fields.status.optional(),
  /** A longer description, or null. */
  description: fields.description.optional(),
  /** Free-form labels. */
  tags: fields.tags.optional(),
  /** Free-form app data (a JSON object). */
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
