import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { count, id, jsonObject, longText, tags, text, timestamp } from "../fields.js";

const fields = {
  name: text(),
  description: longText.nullable(),
  color: text().nullable(),
  tags,
  entryCount: count,
  lastEntryAt: timestamp.nullable(),
  metadata: jsonObject,
};

const createSchema = z.strictObject({
  userId: id,
  name: fields.name,
  description: fields.description.optional(),
  color: fields.color.optional(),
  tags: fields.tags.optional(),
  entryCount: fields.entryCount.optional(),
  lastEntryAt: fields.lastEntryAt.optional(),
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
