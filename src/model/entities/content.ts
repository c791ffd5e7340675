import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { longText, name, tags, text } from "../fields.js";
import type { PsychologyContentRow } from "../rows.js";
import { searchTextOf } from "../text.js";

const fields = {
  /** The content's title. */
  title: name,
  /** The text. */
  content: longText,
  /** The content category, e.g. `anxiety`. */
  category: name,
  /** Free-form labels. */
  tags,
  /** How well research supports the content. */
  evidenceLevel: z.enum(["strong", "moderate", "emerging", "expert-opinion"]),
  /** Where the content comes from, or null. */
  source: text().nullable(),
};

const createSchema = z.strictObject({
  ...fields,
  /** Free-form labels. */
  tags: fields.tags.optional(),
  /** Where the content comes from, or null. */
  source: fields.source.optional(),
});
const patchSchema = z.strictObject(fields).partial();

/**
 * Input of `content.create`.
 *
 * @useDeclaredType
 */
export type CreateContentInput = z.input<typeof createSchema>;
/**
 * Input of `content.update`.
 *
 * @useDeclaredType
 */
export type ContentPatch = z.input<typeof patchSchema>;

/** The psychology content library: searchable by title and content, filtered by category and tags. */
export const contentModel: EntityModel<"psychologyContent", typeof createSchema, typeof patchSchema> = {
  collection: "psychologyContent",
  createSchema,
  patchSchema,
  fromInput: (input) => ({
    title: input.title,
    content: input.content,
    searchText: "",
    category: input.category,
    tags: input.tags ?? [],
    evidenceLevel: input.evidenceLevel,
    source: input.source ?? null,
  }),
  derive: (row: PsychologyContentRow) => ({ ...row, searchText: searchTextOf(row.title, row.content) }),
};
