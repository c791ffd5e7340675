import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { calendarDate, embedding, id, jsonObject, longText, scale, tags, text } from "../fields.js";
import type { JournalEntryRow } from "../rows.js";
import { searchTextOf, wordCountOf } from "../text.js";

const fields = {
  /** The entry's topic, or null for none. */
  topicId: id.nullable(),
  /** The title. */
  title: text(),
  /** The text. */
  content: longText,
  /** Mood, 1..10, or null. */
  mood: scale.nullable(),
  /** Energy, 1..10, or null. */
  energy: scale.nullable(),
  /** Free-form labels. */
  tags,
  /** The calendar day the entry is about (`YYYY-MM-DD`). */
  entryDate: calendarDate,
  /** True when starred. */
  favorite: z.boolean(),
  /** Free-form app data (a JSON object). */
  metadata: jsonObject,
  /** The AI pipeline's analysis (a JSON object), or null. */
  aiAnalysis: jsonObject.nullable(),
  /** A vector embedding of the content, or null. */
  embedding: embedding.nullable(),
};

const createSchema = z.strictObject({
  /** The owning user's id. */
  userId: id,
  /** The entry's topic, or null for none. */
  topicId: fields.topicId.optional(),
  /** The title. */
  title: fields.title.optional(),
  /** The text. */
  content: fields.content,
  /** Mood, 1..10, or null. */
  mood: fields.mood.optional(),
  /** Energy, 1..10, or null. */
  energy: fields.energy.optional(),
  /** Free-form labels. */
  tags: fields.tags.optional(),
  /** The calendar day the entry is about (`YYYY-MM-DD`). */
  entryDate: fields.entryDate.optional(),
  /** True when starred. */
  favorite: fields.favorite.optional(),
  /** Free-form app data (a JSON object). */
  metadata: fields.metadata.optional(),
  /** The AI pipeline's analysis (a JSON object), or null. */
  aiAnalysis: fields.aiAnalysis.optional(),
  /** A vector embedding of the content, or null. */
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
