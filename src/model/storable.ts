import type { ValidationIssue } from "../errors.js";
import { isPlainObject } from "./json.js";
import { LIMITS } from "./limits.js";

/** Matches a NUL character or a UTF-16 surrogate that is not part of a pair. */
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or null when it can. PostgreSQL holds neither NUL nor lone surrogates. */
export function unstorableText(value: string): string | null {
  // The common case, natively: well-formed UTF-16 (ES2024, in every Node.js this package supports) without NUL.
  if ((value as unknown as { isWellFormed(): boolean }).isWellFormed() && !value.includes("\u0000")) return null;
  const match = UNSTORABLE_TEXT.exec(value);
  if (!match) return null;
  return match[0] === "\u0000" ? "contains a NUL character" : "contains a lone surrogate";
}

/**
 * A number as every backend returns it: -0 becomes 0. JSON text has no -0 (`JSON.stringify(-0)`
 * is `0`), PostgreSQL's jsonb reads `-0` as `0` and the driver sends a float8 -0 as `0`, so the
 * facade normalises it on the way in rather than let the memory backend alone keep it.
 */
export function storableNumber(value: number): number {
  return value === 0 ? 0 : value;
}

/**
 * Checks a JSON value for what PostgreSQL's JSONB cannot hold (NUL, lone surrogates, NaN,
 * ±Infinity, non-JSON types) and for the size limits, pushing one issue per offending path.
 */
export function checkJson(value: unknown, path: string, issues: ValidationIssue[], depth = 0): void {
  if (depth > LIMITS.jsonDepth) {
    issues.push({ path, message: `nests deeper than ${LIMITS.jsonDepth} levels` });
    return;
  }
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) issues.push({ path, message: "must be a finite number" });
    return;
  }
  if (typeof value === "string") {
    const why = unstorableText(value);
    if (why) issues.push({ path, message: why });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, join(path, String(i)), issues, depth + 1));
    return;
  }
  if (isPlainObject(value) && isJsonPrototype(value)) {
    for (const key of Object.keys(value)) {
      const why = unstorableText(key);
      if (why) issues.push({ path: join(path, key), message: `key ${why}` });
      checkJson(value[key], join(path, key), issues, depth + 1);
    }
    return;
  }
  issues.push({ path, message: "must be JSON (null, boolean, finite number, string, array or plain object)" });
}

function isJsonPrototype(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Joins a field path the way ValidationIssue paths are written (`a.b.0`). */
export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
