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

/**
 * A complete new row of `model`'s collection: version 1, both timestamps `at`, the model's
 * defaults for a validated `input`, `overrides` on top, then the derived fields. The facade's
 * create path builds rows here, and so does every test or benchmark that needs a whole row.
 */
export function newRow<C extends CollectionName, I extends z.ZodType>(
  model: EntityModel<C, I>,
  input: z.output<I>,
  id: string,
  at: Timestamp,
  overrides: Partial<RowTypes[C]> = {},
): RowTypes[C] {
  const row = { id, version: 1, createdAt: at, updatedAt: at, deleted: false, ...model.fromInput(input, at), ...overrides } as RowTypes[C];
  return model.derive(row);
}
