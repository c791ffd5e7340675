import { z } from "zod";
import type { AnalyticsFigures } from "../analytics.js";
import type { EntityModel } from "../entity.js";

/** Analytics figures are computed by `computeAnalytics`, never taken from input: nothing to validate. */
const createSchema = z.custom<AnalyticsFigures>();
/** Analytics rows are never patched by hand: a refresh recomputes them whole. */
const patchSchema = z.never();

/**
 * The model of `userAnalytics` rows, so the analytics refresh builds them with `newRow` and
 * `successor` like every other row: a new row is its computed figures plus the base fields, and
 * nothing is derived.
 */
export const analyticsModel: EntityModel<"userAnalytics", typeof createSchema, typeof patchSchema> = {
  collection: "userAnalytics",
  createSchema,
  patchSchema,
  fromInput: (figures) => ({ ...figures }),
  derive: (row) => row,
};
