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
  category: text().optional(),
  tags: z.array(text(100)).optional(),
  evidenceLevel: evidenceLevel.optional(),
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

const searchSchema = z.strictObject({
  text: longText.refine((t) => searchTerms(t).length > 0, "must contain at least one word"),
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
  list(options?: ListContentOptions): Promise<ListResult<PsychologyContent>>;
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
