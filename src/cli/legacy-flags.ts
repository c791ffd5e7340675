import { readdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError, ValidationError } from "../errors.js";
import { DEFAULT_LEGACY_MAPPING } from "../legacy/mapping.js";
import { zoneOf } from "../legacy/options.js";

/**
 * What the `import` and `export` commands share: the app's data directory (a plain directory of
 * the app's own files, not a store), `--timezone` checked by the legacy layer's own rule, and
 * the legacy layer's option errors turned into usage errors naming the flag that gave the option.
 */

/** The app's files, as the default mapping names them: what import reads and export writes. */
export const APP_FILES: readonly string[] = DEFAULT_LEGACY_MAPPING.files.map((f) => f.file);

/** The app's data directory given to `setting`, resolved against `cwd`; a store spec is refused. */
export function appDirOf(value: string | undefined, setting: string, cwd: string): string {
  if (value === undefined || value.trim() === "") throw new UsageError(setting, "missing: give the app's data directory (DIR)");
  if (/^json:|^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new UsageError(setting, "names a store; give the app's own data directory as a plain path (DIR, without json:)");
  }
  return resolve(cwd, value);
}

/** Which of the app's files `dir` holds (none when it does not exist); a file that is not a directory is refused. */
export async function appFilesIn(dir: string, setting: string): Promise<{ exists: boolean; files: string[] }> {
  const info = await stat(dir).catch(() => null);
  if (!info) return { exists: false, files: [] };
  if (!info.isDirectory()) throw new UsageError(setting, `${dir} is not a directory`);
  const names = new Set(await readdir(dir));
  return { exists: true, files: APP_FILES.filter((f) => names.has(f)) };
}

/** `--timezone` (default UTC), checked by the rule importLegacy and exportLegacy apply. */
export function timezoneOf(value: string | undefined): string {
  try {
    return zoneOf(value);
  } catch (e) {
    throw asUsage(e, { timezone: "--timezone" });
  }
}

/**
 * A `ValidationError` about an option of importLegacy / exportLegacy, as a UsageError naming the
 * flag that gave it (`flags` maps option names to flags); any other error is returned as it is.
 */
export function asUsage(e: unknown, flags: Readonly<Record<string, string>>): unknown {
  if (!(e instanceof ValidationError) || e.collection !== "legacy") return e;
  const flag = e.issues.map((i) => flags[i.path.split(".")[0]!]).find((f) => f !== undefined);
  return flag === undefined ? e : new UsageError(flag, e.issues.map((i) => i.message).join("; "), { cause: e });
}
