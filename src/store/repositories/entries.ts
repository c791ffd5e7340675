import { z } from "zod";
import type { Filter } from "../../backend.js";
import { entryModel } from "../../model/entities/entries.js";
import { calendarDate, id, longText, scale, text } from "../../model/fields.js";
import type { JournalEntryRow } from "../../model/rows.js";
import { searchTerms } from "../../model/text.js";
import { validate } from "../../model/validate.js";
import type { StoreContext } from "../context.js";
import { basicRepository, type BasicRepository } from "../basic-repository.js";
import { listRows, pageFields, type Entity, type ListResult } from "../crud.js";

/** A journal entry. */
export type JournalEntry = Entity<JournalEntryRow>;

const listSchema = z.strictObject({
  userId: id,
  topicId: id.optional(),
  tags: z.array(text(100)).optional(),
  tagMatch: z.enum(["any", "all"]).optional(),
  from: calendarDate.optional(),
  to: calendarDate.optional(),
  moodMin: scale.optional(),
  moodMax: scale.optional(),
  favorite: z.boolean().optional(),
  orderBy: z.enum(["entryDate", "createdAt"]).optional(),
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

const searchSchema = z.strictObject({
  userId: id.optional(),
  text: longText.refine((t) => searchTerms(t).length > 0, "must contain at least one word"),
  ...pageFields,
});

/**
 * Options of `entries.list`. Every filter is optional but the user; `topicId` keeps one topic's
 * entries; `tags` matches entries with
 * any of the tags (`tagMatch: "all"` for all of them); `from`/`to` bound `entryDate` inclusively.
 * Ordered by `entryDate` (default) or `createdAt`, newest first unless `order: "asc"`.
 *
 * @useDeclaredType
 */
export type ListEntriesOptions = z.input<typeof listSchema>;

/**
 * Options of `entries.search`: every whitespace-separated word of `text` must occur in the title
 * or content, case-insensitively (NFC, JavaScript lower-casing) and literally (`%`, `_`, `\` are
 * plain characters). Newest first by creation time; `userId` restricts to one user's entries.
 *
 * @useDeclaredType
 */
export type SearchEntriesOptions = z.input<typeof searchSchema>;

/** The journal entries repository. */
export interface EntriesRepository extends BasicRepository<"journalEntries", typeof entryModel.createSchema, typeof entryModel.patchSchema> {
  list(options: ListEntriesOptions): Promise<ListResult<JournalEntry>>;
  search(options: SearchEntriesOptions): Promise<ListResult<JournalEntry>>;
}

/** Builds the journal entries repository over a store context. */
export function entriesRepository(ctx: StoreContext): EntriesRepository {
  const collection = "journalEntries";
  return {
    ...basicRepository(ctx, entryModel),
    async list(options) {
      const o = validate(collection, listSchema, options);
      const where: Filter[] = [{ field: "userId", op: "eq", value: o.userId }];
      if (o.topicId !== undefined) where.push({ field: "topicId", op: "eq", value: o.topicId });
      if (o.tags && o.tags.length > 0) {
        where.push({ field: "tags", op: o.tagMatch === "all" ? "contains" : "overlaps", values: o.tags });
      }
      if (o.from !== undefined) where.push({ field: "entryDate", op: "gte", value: o.from });
      if (o.to !== undefined) where.push({ field: "entryDate", op: "lte", value: o.to });
      if (o.moodMin !== undefined) where.push({ field: "mood", op: "gte", value: o.moodMin });
      if (o.moodMax !== undefined) where.push({ field: "mood", op: "lte", value: o.moodMax });
      if (o.favorite !== undefined) where.push({ field: "favorite", op: "eq", value: o.favorite });
      const orderBy = { field: o.orderBy ?? "entryDate", direction: o.order ?? "desc" } as const;
      return listRows(ctx, collection, where, orderBy, o);
    },
    async search(options) {
      const o = validate(collection, searchSchema, options);
      const where: Filter[] = [{ field: "searchText", op: "search", terms: searchTerms(o.text) }];
      if (o.userId !== undefined) where.unshift({ field: "userId", op: "eq", value: o.userId });
      return listRows(ctx, collection, where, { field: "createdAt", direction: "desc" }, o);
    },
  };
}
