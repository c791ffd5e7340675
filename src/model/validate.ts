import type { z } from "zod";
import { ValidationError, type ValidationIssue } from "../errors.js";

/**
 * Runs an input schema and returns the parsed value, or throws one ValidationError listing every
 * offending field path. Input is validated once, here, at the facade.
 */
export function validate<S extends z.ZodType>(collection: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: describe(issue),
  }));
  throw new ValidationError(collection, issues);
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field(s) ${issue.keys.join(", ")}`;
  return issue.message;
}
