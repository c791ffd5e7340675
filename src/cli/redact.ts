import type { OutputStream } from "./io.js";

/**
 * Keeping passwords out of everything the CLI prints or writes. Connection strings are shown with
 * their password replaced by `***`; any literal occurrence of a known password (4 characters or
 * more, so short ones do not garble ordinary text) is replaced too, raw and percent-decoded.
 */

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@\s]*)@/gi;

/** `url` with its password, if any, replaced by `***` (also inside longer text). */
export function redactUrl(text: string): string {
  return text.replace(URL_PASSWORD, "$1:***@");
}

/** The password of a URL-shaped connection string, raw and decoded (empty when none). */
export function passwordsOf(value: string | undefined): string[] {
  if (!value) return [];
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:([^@\s]*)@/i.exec(value);
  if (!m || !m[1]) return [];
  let decoded = m[1];
  try {
    decoded = decodeURIComponent(m[1]);
  } catch {
    // keep the raw form only
  }
  return [...new Set([m[1], decoded])];
}

/** A redactor for `secrets`: URL passwords always, and every literal secret of 4+ characters. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const literal = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = redactUrl(text);
    for (const s of literal) out = out.split(s).join("***");
    return out;
  };
}

/** `stream` with every write passed through `redact` (terminal properties kept). */
export function redacting(stream: OutputStream, redact: (text: string) => string): OutputStream {
  return new Proxy(stream, {
    get(target, prop, receiver) {
      if (prop === "write") return (text: string, ...rest: unknown[]) => (target.write as (...a: unknown[]) => unknown).call(target, typeof text === "string" ? redact(text) : text, ...rest);
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
