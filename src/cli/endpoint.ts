import { resolve } from "node:path";
import { checkConnectionString } from "../backends/postgres/url.js";
import { UsageError, ValidationError } from "../errors.js";
import { redactUrl } from "./redact.js";

/**
 * Where the CLI reads from and writes to: `--from` and `--to`, each a PostgreSQL URL
 * (`postgres://` or `postgresql://`) or `json:DIR` (a JSON-file store). Defaults come from the
 * environment the CLI was given: `--from` from JOURNAL_STORE_JSON_DIR, `--to` from DATABASE_URL
 * (export's `--from` from DATABASE_URL too).
 */

/** A store named on the command line. `display` is safe to print (password redacted). */
export type Endpoint =
  | { kind: "postgres"; url: string; display: string; setting: string }
  | { kind: "json"; dir: string; display: string; setting: string };

/** Parses one endpoint; `setting` names where it came from (`--from`, `DATABASE_URL`) in errors. */
export function parseEndpoint(value: string, setting: string, cwd: string): Endpoint {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      checkConnectionString(value, setting);
    } catch (e) {
      if (e instanceof ValidationError) throw new UsageError(setting, e.issues.map((i) => i.message).join("; "));
      throw e;
    }
    return { kind: "postgres", url: value, display: redactUrl(value), setting };
  }
  if (value.startsWith("json:")) {
    const dir = value.slice("json:".length);
    if (dir.trim() === "") throw new UsageError(setting, "json: needs a directory (json:DIR)");
    const abs = resolve(cwd, dir);
    return { kind: "json", dir: abs, display: `json:${abs}`, setting };
  }
  throw new UsageError(setting, "must be a postgres:// or postgresql:// URL, or json:DIR");
}

/** `--from` as given, else JOURNAL_STORE_JSON_DIR as `json:DIR`, else null. */
export function fromEndpoint(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): Endpoint | null {
  if (flag !== undefined) return parseEndpoint(flag, "--from", cwd);
  return env.JOURNAL_STORE_JSON_DIR ? parseEndpoint(`json:${env.JOURNAL_STORE_JSON_DIR}`, "JOURNAL_STORE_JSON_DIR", cwd) : null;
}

/** `--to` as given, else DATABASE_URL, else null. */
export function toEndpoint(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): Endpoint | null {
  return databaseEndpoint(flag, "--to", env, cwd);
}

/**
 * The store given to `setting` (a flag), else DATABASE_URL, else null: `--to` of sync and
 * import, `--from` of export (which reads the store the app runs on).
 */
export function databaseEndpoint(flag: string | undefined, setting: string, env: Readonly<Record<string, string | undefined>>, cwd: string): Endpoint | null {
  if (flag !== undefined) return parseEndpoint(flag, setting, cwd);
  return env.DATABASE_URL ? parseEndpoint(env.DATABASE_URL, "DATABASE_URL", cwd) : null;
}

/**
 * The `--from` and `--to` endpoints: the flags when given, else JOURNAL_STORE_JSON_DIR (a
 * directory, used as `json:DIR`) and DATABASE_URL. Missing ones and a store named twice are
 * usage errors naming the flag and the variable.
 */
export function endpoints(flags: { from?: string; to?: string }, env: Readonly<Record<string, string | undefined>>, cwd: string): { from: Endpoint; to: Endpoint } {
  const from = fromEndpoint(flags.from, env, cwd);
  if (!from) throw new UsageError("--from", "missing: give --from json:DIR (or a PostgreSQL URL), or set JOURNAL_STORE_JSON_DIR");
  const to = toEndpoint(flags.to, env, cwd);
  if (!to) throw new UsageError("--to", "missing: give --to postgres://user@host/db (or json:DIR), or set DATABASE_URL");
  if (sameStore(from, to)) throw new UsageError("--to", "names the same store as --from");
  return { from, to };
}

function sameStore(a: Endpoint, b: Endpoint): boolean {
  return a.kind === "json" && b.kind === "json" ? a.dir === b.dir : a.kind === "postgres" && b.kind === "postgres" && a.url === b.url;
}
