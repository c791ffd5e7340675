import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { count, id, jsonObject, longText, tags, text, timestamp } from "../fields.js";

const fields = {
  /** The topic's name, unique per user among live topics. */
  name: text(),
  /** A longer description, or null. */
  description: longText.nullable(),
  /** A display colour, e.g. `#7aa2f7`, or null. */
  color: text().nullable(),
  /** Free-form labels. */
  tags,
  /** The app's own entry count (stored as written). */
  entryCount: count,
  /** The app's own newest-entry time, or null. */
  lastEntryAt: timestamp.nullable(),
  /** Free-form app data (a JSON object). */
  metadata: jsonObject,
};

const createSchema = z.strictObject({
  /** The owning user's id. */
  userId: id,
  /** The topic's name, unique per user among live topics. */
  name: fields.name,
  /** A longer description, or null. */
  description: fields.description.optional(),
  /** A display colour, e.g. `#7aa2f7`, or null. */
  color: fields.color.optional(),
  /** Free-form labels. */
  tags: fields.tags.optional(),
  /** The app's own entry count (stored as written). */
  entryCount: fields.entryCount.optional(),
  /** The app's own newest-entry time, or null. */
  lastEntryAt: fields.lastEntryAt.optional(),
  /** Free-form app data (a JSON object). */
  metadata: fields.metadata.optional(),
});
const patchSchema = z.strictObject(fields).partial();

/**
 * Input of `topics.create`.
 *
 * @useDeclaredType
 */
export type CreateTopicInput = z.input<typeof createSchema>;
/**
 * Input of `topics.update`.
 *
 * @useDeclaredType
 */
export type TopicPatch = z.input<typeof patchSchema>;

/**
 * Topics a user groups journal entries under (`entries.topicId`). `entryCount` and `lastEntryAt`
 * are plain stored values (an imported app's own counters), not maintained by the store.
 */
export const topicModel: EntityModel<"topics", typeof createSchema, typeof patchSchema> = {
  collection: "topics",
  createSchema,
  patchSchema,
  fromInput: (input) => ({
    userId: input.userId,
    name: input.name,
    description: input.description ?? null,
    color: input.color ?? null,
    tags: input.tags ?? [],
    entryCount: input.entryCount ?? 0,
    lastEntryAt: input.lastEntryAt ?? null,
    metadata: input.metadata ?? {},
  }),
  derive: (row) => row,
};
