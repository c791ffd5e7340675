import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { calendarDate, embedding, id, jsonObject, longText, scale, tags, text } from "../fields.js";
import type { JournalEntryRow } from "../rows.js";
import { searchTextOf, wordCountOf } from "../text.js";

const fields = {
  topicId: id.nullable(),
  title: text(),
  content: longText,
  mood: scale.nullable(),
  energy: scale.nullable(),
  tags,
  entryDate: calendarDate,
  favorite: z.boolean(),
  metadata: jsonObject,
  aiAnalysis: jsonObject.nullable(),
  embedding: embedding.nullable(),
};

const createSchema = z.strictObject({
  userId: id,
  topicId: fields.topicId.optional(),
  title: fields.title.optional(),
  content: fields.content,
  mood: fields.mood.optional(),
  energy: fields.energy.optional(),
  tags: fields.tags.optional(),
  entryDate: fields.entryDate.optional(),
  favorite: fields.favorite.optional(),
  metadata: fields.metadata.optional(),
  aiAnalysis: fields.aiAnalysis.optional(),
  embedding: fields.embedding.optional(),
});
const patchSchema = z.strictObject(fields).partial();

/**
 * Input of `entries.create`. `entryDate` defaults to today's UTC date.
 *
 * @useDeclaredType
 */
export type CreateEntryInput = z.input<typeof createSchema>;
/**
 * Input of `entries.update`.
 *
 * @useDeclaredType
 */
export type EntryPatch = z.input<typeof patchSchema>;

/** Journal entries: search text (title and content) and word count (content) derived on every write. */
export const entryModel: EntityModel<"journalEntries", typeof createSchema, typeof patchSchema> = {
  collection: "journalEntries",
  createSchema,
  patchSchema,
  fromInput: (input, now) => ({
    userId: input.userId,
    topicId: input.topicId ?? null,
    title: input.title ?? "",
    content: input.content,
    searchText: "",
    mood: input.mood ?? null,
    energy: input.energy ?? null,
    tags: input.tags ?? [],
    entryDate: input.entryDate ?? now.slice(0, 10),
    favorite: input.favorite ?? false,
    metadata: input.metadata ?? {},
    aiAnalysis: input.aiAnalysis ?? null,
    embedding: input.embedding ?? null,
    wordCount: 0,
  }),
  derive: (row: JournalEntryRow) => ({
    ...row,
    searchText: searchTextOf(row.title, row.content),
    wordCount: wordCountOf(row.content),
  }),
};
