import type { z } from "zod";
import type { CollectionName, RowBase, RowTypes } from "./rows.js";
import type { Timestamp } from "./time.js";

/** The fields of a row that its input decides (everything but the base fields). */
export type RowFields<C extends CollectionName> = Omit<RowTypes[C], keyof RowBase>;

/**
 * How the facade turns input into rows for one collection: a create schema, a patch schema (the
 * mutable fields, all optional, no defaults), the defaults of a new row, and the derived fields
 * recomputed after every create and patch. Domain logic lives here once; no backend computes a
 * field the other side of a dual write could not.
 */
export interface EntityModel<C extends CollectionName, I extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  collection: C;
  createSchema: I;
  patchSchema: P;
  /** A new row's fields from a validated create input, defaults applied. */
  fromInput(input: z.output<I>, now: Timestamp): RowFields<C>;
  /** Recomputes derived fields (search text, email key, word count). */
  derive(row: RowTypes[C]): RowTypes[C];
}
