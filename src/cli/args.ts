import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";

/**
 * Command-line parsing with node:util `parseArgs` (strict: an unknown flag, a missing value or a
 * stray positional is a {@link UsageError} naming it), plus the value checks every command
 * shares.
 */

/** The flags of a command, as `parseArgs` takes them. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` against `flags`; a parse error becomes a UsageError naming the flag. */
export function parseFlags<F extends FlagSpec>(argv: readonly string[], flags: F): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? /argument '([^']+)'/.exec(message)?.[1] ?? "";
    throw new UsageError(flag, `${message.replace(/\. To specify a positional argument.*$/s, "")} (see --help)`);
  }
}

/** A whole number >= 1 given to `flag`. */
export function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(flag, "must be a whole number of 1 or more");
  return n;
}

/** An ISO 8601 date or timestamp given to `flag`, as a millisecond UTC timestamp. */
export function isoTimestamp(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(flag, "must be an ISO 8601 date or timestamp (2026-01-31 or 2026-01-31T12:00:00Z)");
  return new Date(ms).toISOString();
}

/** One of `choices` given to `flag`. */
export function oneOf<T extends string>(value: string | undefined, flag: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(flag, `must be one of ${choices.join(", ")}`);
  return value as T;
}
