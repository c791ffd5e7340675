import { ValidationError } from "../../errors.js";

/**
 * The check of a PostgreSQL connection string, run when a backend or a migration is set up, so
 * a malformed URL fails at once, naming the setting it came from, instead of at the first call.
 * It never quotes the value (it usually holds a password) and does not load `pg`.
 */

const SCHEMES = new Set(["postgres:", "postgresql:", "socket:"]);

/** What pg accepts in a URL but WHATWG parsing does not: spaces and stray `%`, encoded the way pg does. */
function asPgParsesIt(value: string): string {
  return / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(value) ? encodeURI(value).replace(/%25(\d\d)/g, "%$1") : value;
}

/** Why `value` is not a connection string pg can use, or undefined when it is. */
function problemOf(value: unknown): string | undefined {
  const usage = "must be a PostgreSQL URL: postgres://user:password@host:port/database";
  if (typeof value !== "string" || value.trim() === "") return usage;
  // pg's Unix-socket form: "/run/postgresql database".
  if (value.startsWith("/")) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  if (!scheme || !SCHEMES.has(`${scheme.toLowerCase()}:`)) return `${usage} (postgresql:// and socket: also work)`;
  const text = asPgParsesIt(value);
  for (const candidate of [text, text.replace("@/", "@___host___/")]) {
    try {
      new URL(candidate);
      return undefined;
    } catch {
      // try the next form: pg accepts an empty host after the credentials
    }
  }
  return "is not a valid URL (check the host, that the port is a number up to 65535, and that the user and password are percent-encoded)";
}

/**
 * Throws a {@link ValidationError} naming `setting` when `value` is not a connection string pg
 * can use: empty, not a `postgres://`, `postgresql://` or `socket:` URL (or pg's `/socket-dir
 * database` form), or not parseable (a port that is not a number, a broken IPv6 host). A caller
 * that read the string from elsewhere passes the name it has there.
 *
 * @example
 * ```ts
 * checkConnectionString(env.DATABASE_URL, "DATABASE_URL"); // ValidationError: DATABASE_URL: is not a valid URL ...
 * ```
 */
export function checkConnectionString(value: unknown, setting = "connectionString"): asserts value is string {
  const problem = problemOf(value);
  if (problem) throw new ValidationError("config", [{ path: setting, message: problem }]);
}
