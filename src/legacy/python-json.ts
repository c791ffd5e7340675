/**
 * JSON text the way the app writes it: Python's `json.dumps(value, indent=2)`, which indents by
 * two spaces, separates keys with `": "` and escapes every non-ASCII character as `\uXXXX`
 * (characters beyond the BMP as their surrogate pair), lower-case hex. The previous app version
 * reads what `exportLegacy` writes exactly as it reads its own files.
 */

const NON_ASCII = /[\u0080-\uffff]/g;

function escape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `value` as Python's `json.dumps(value, indent=2)` writes it (no final newline, like `json.dump`). */
export function toPythonJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(NON_ASCII, escape);
}
