import { z } from "zod";
import type { Filter } from "../../backend.js";
import { contentModel } from "../../model/entities/content.js";
import { longText, text } from "../../model/fields.js";
import type { PsychologyContentRow } from "../../model/rows.js";
import { searchTerms } from "../../model/text.js";
import { validate } from "../../model/validate.js";
import type { StoreContext } from "../context.js";
import { basicRepository, type BasicRepository } from "../basic-repository.js";
import { listRows, pageFields, type Entity, type ListResult } from "../crud.js";

/** An item of the psychology content library. */
export type PsychologyContent = Entity<PsychologyContentRow>;

const evidenceLevel = z.enum(["strong", "moderate", "emerging", "expert-opinion"]);

const listSchema = z.strictObject({
  /** Only content of this category. */
  category: text().optional(),
  /** Only content with any of these tags. */
  tags: z.array(text(100)).optional(),
  /** Only content with this evidence level. */
  evidenceLevel: evidenceLevel.optional(),
  /** Newest first (`desc`, default) or oldest first. */
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

const searchSchema = z.strictObject({
  /** The words to find; each must occur in the title or content. */
  text: longText.refine((t) => searchTerms(t).length > 0, "must contain at least one word"),
  /** Only content of this category. */
  category: text().optional(),
  ...pageFields,
});

/**
 * Options of `content.list`: by category, any of the tags, evidence level; newest first.
 *
 * @useDeclaredType
 */
export type ListContentOptions = z.input<typeof listSchema>;
/**
 * Options of `content.search`: the same text-search rules as entries.
 *
 * @useDeclaredType
 */
export type SearchContentOptions = z.input<typeof searchSchema>;

/** The psychology content repository. */
export interface ContentRepository extends BasicRepository<"psychologyContent", typeof contentModel.createSchema, typeof contentModel.patchSchema> {
  /**
   * A page of the library, newest first, filtered as the options say.
   *
   * ```ts
   * const { items } = await store.content.list({ category: "sleep", evidenceLevel: "strong" });
   * ```
   */
  list(options?: ListContentOptions): Promise<ListResult<PsychologyContent>>;
  /**
   * A page of content whose title or content contains every word of `text`.
   *
   * ```ts
   * const { items } = await store.content.search({ text: "breathing exercise", category: "anxiety" });
   * ```
   */
  search(options: SearchContentOptions): Promise<ListResult<PsychologyContent>>;
}

/** Builds the psychology content repository over a store context. */
export function contentRepository(ctx: StoreContext): ContentRepository {
  const collection = "psychologyContent";
  return {
    ...basicRepository(ctx, contentModel),
    async list(options = {}) {
      const o = validate(collection, listSchema, options);
      const where: Filter[] = [];
      if (o.category !== undefined) where.push({ field: "category", op: "eq", value: o.category });
      if (o.tags && o.tags.length > 0) where.push({ field: "tags", op: "overlaps", values: o.tags });
      if (o.evidenceLevel) where.push({ field: "evidenceLevel", op: "eq", value: o.evidenceLevel });
      return listRows(ctx, collection, where, { field: "createdAt", direction: o.order ?? "desc" }, o);
    },
    async search(options) {
      const o = validate(collection, searchSchema, options);
      const where: Filter[] = [{ field: "searchText", op: "search", terms: searchTerms(o.text) }];
      if (o.category !== undefined) where.unshift({ field: "category", op: "eq", value: o.category });
      return listRows(ctx, collection, where, { field: "createdAt", direction: "desc" }, o);
    },
  };
}
