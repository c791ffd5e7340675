import { z } from "zod";
import type { ValidationIssue } from "../errors.js";
import { cloneJson, isPlainObject, type Json, type JsonObject } from "./json.js";
import { isId } from "./ids.js";
import { INTEGER_RANGE, LIMITS } from "./limits.js";
import { checkJson, storableNumber, unstorableText } from "./storable.js";
import { normaliseTags } from "./text.js";
import { isCalendarDate, parseTimestamp, type CalendarDate, type Timestamp } from "./time.js";

/**
 * Field schemas shared by every entity's input schema. Each rejects what PostgreSQL cannot hold
 * (NUL, lone surrogates, non-finite numbers, whole numbers beyond the field's column type) and
 * reads -0 as 0, so that every backend accepts exactly the same inputs and returns the same
 * values. No schema here has a default: defaults live in each entity's `fromInput`, so a patch
 * never resets a field it does not mention.
 */

/** Text up to `max` UTF-16 units, storable by every backend. */
export function text(max: number = LIMITS.shortTextLength) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    // A refinement, not superRefine: superRefine allocates a closure on every call, and this
    // runs for every text field of every row written.
    .refine((value) => unstorableText(value) === null, { error: (issue) => unstorableText(issue.input as string) ?? "is not storable" });
}

/** Long text (entry and message content). */
export const longText = text(LIMITS.contentLength);

/** A non-empty short text. */
export const name = text().refine((v) => v.trim().length > 0, "must not be empty");

/** A lowercase UUID naming another row. */
export const id = z.string().refine(isId, "must be a lowercase UUID");

/** Tags: each trimmed and non-empty, then de-duplicated in first-seen order. */
export const tags = z
  .array(text(LIMITS.tagLength).refine((t) => t.trim().length > 0, "must not be empty"))
  .max(LIMITS.tags, `at most ${LIMITS.tags} tags`)
  .overwrite(normaliseTags);

/** An integer from 1 to 10 (mood, energy). */
export const scale = z.number().int("must be a whole number").min(1).max(10);

/**
 * A whole number from `min` up to what a PostgreSQL column of type `column` holds
 * ({@link INTEGER_RANGE}), -0 read as 0.
 */
function wholeNumber(column: keyof typeof INTEGER_RANGE, min: number) {
  const { max } = INTEGER_RANGE[column];
  return z
    .number()
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max} (stored in a PostgreSQL ${column} column)`)
    .overwrite(storableNumber);
}

/** A non-negative whole number stored in an `integer` column: 0 to 2147483647 (tokens, latency, counts). */
export const count = wholeNumber("integer", 0);

/** A non-negative whole number stored in a `bigint` column: 0 to 2^53 - 1 (durations). */
export const bigCount = wholeNumber("bigint", 0);

/** A `YYYY-MM-DD` calendar date. */
export const calendarDate = z
  .string()
  .refine(isCalendarDate, "must be a calendar date written YYYY-MM-DD") as unknown as z.ZodType<CalendarDate, CalendarDate>;

/** An instant: a Date or an ISO 8601 string, stored as a millisecond ISO string in UTC. */
export const timestamp = z.union([z.date(), z.string()]).transform((value, ctx): Timestamp => {
  const ts = parseTimestamp(value);
  if (ts === null) {
    ctx.addIssue({ code: "custom", message: "must be a valid date or ISO 8601 string" });
    return z.NEVER;
  }
  return ts;
});

/**
 * A JSON field: storable, within the size limits, of the given shape; copied without prototype
 * effects (`__proto__` keys stay plain data).
 */
function jsonField<T extends Json>(shape: "any" | "object" | "array") {
  // A check and an overwrite rather than a transform: a transform allocates a closure on every
  // call, and this runs for the metadata of every row written.
  return z
    .unknown()
    .check((payload) => {
      const value = payload.value;
      if (shape === "object" && !isPlainObject(value)) return addIssue(payload, "must be a JSON object");
      if (shape === "array" && !Array.isArray(value)) return addIssue(payload, "must be a JSON array");
      const issues: ValidationIssue[] = [];
      checkJson(value, "", issues);
      for (const found of issues) addIssue(payload, found.message, found.path ? found.path.split(".") : []);
      if (issues.length > 0) return;
      const size = Buffer.byteLength(JSON.stringify(value), "utf8");
      if (size > LIMITS.jsonBytes) addIssue(payload, `must serialise to at most ${LIMITS.jsonBytes} bytes (got ${size})`);
    })
    .overwrite((value) => cloneJson(value as T)) as unknown as z.ZodType<T, unknown>;
}

/** Adds a custom issue at `path` (below the field) to a check's payload. */
function addIssue(payload: { value: unknown; issues: unknown[] }, message: string, path: string[] = []): void {
  payload.issues.push({ code: "custom", message, path, input: payload.value });
}

/** Any JSON value. */
export const json = jsonField<Json>("any");
/** A JSON object (not an array or a scalar). */
export const jsonObject = jsonField<JsonObject>("object");
/** A JSON array. */
export const jsonArray = jsonField<Json[]>("array");

/** An embedding vector of finite numbers (`double precision[]`), -0 read as 0. */
export const embedding = z
  .array(z.number().overwrite(storableNumber)).max(LIMITS.embeddingLength, `at most ${LIMITS.embeddingLength} numbers`);
