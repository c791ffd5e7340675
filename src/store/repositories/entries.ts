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
  /** The owning user: only this user's entries are listed. */
  userId: id,
  /** Only entries of this topic. */
  topicId: id.optional(),
  /** Only entries with any of these tags (all of them with `tagMatch: "all"`). */
  tags: z.array(text(100)).optional(),
  /** How `tags` match: `any` (default) or `all`. */
  tagMatch: z.enum(["any", "all"]).optional(),
  /** The first `entryDate` to include (`YYYY-MM-DD`). */
  from: calendarDate.optional(),
  /** The last `entryDate` to include (`YYYY-MM-DD`). */
  to: calendarDate.optional(),
  /** The lowest mood to include (1..10); entries without a mood are left out. */
  moodMin: scale.optional(),
  /** The highest mood to include (1..10); entries without a mood are left out. */
  moodMax: scale.optional(),
  /** Only favourites (true) or only the others (false). */
  favorite: z.boolean().optional(),
  /** Order by `entryDate` (default) or `createdAt`. */
  orderBy: z.enum(["entryDate", "createdAt"]).optional(),
  /** Newest first (`desc`, default) or oldest first. */
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

const searchSchema = z.strictObject({
  /** Only this user's entries; absent: every user's. */
  userId: id.optional(),
  /** The words to find; each must occur in the title or content. */
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
  /**
   * A page of one user's entries, filtered and ordered as the options say.
   *
   * ```ts
   * const page = await store.entries.list({ userId: ada.id, tags: ["sleep"], from: "2024-01-01", moodMin: 6 });
   * const next = await store.entries.list({ userId: ada.id, tags: ["sleep"], from: "2024-01-01", moodMin: 6, cursor: page.nextCursor });
   * ```
   */
  list(options: ListEntriesOptions): Promise<ListResult<JournalEntry>>;
  /**
   * A page of entries whose title or content contains every word of `text`, newest first.
   *
   * ```ts
   * const { items } = await store.entries.search({ userId: ada.id, text: "long walk" });
   * ```
   */
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
