/**
 * PostgreSQL's `jsonb` text output, reproduced in JavaScript: the canonical form of a JSON field
 * (`canonical.ts`). Keys by UTF-8 length then bytes, `", "` and `": "` between items, strings as
 * `JSON.stringify` writes them, and numbers (which `jsonb` holds as `numeric`) in full decimal,
 * never with an exponent.
 */

/** PostgreSQL's `jsonb` output of a JSON value. */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return jsonString(value);
    case "number":
      return plainDecimal(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      throw new TypeError(`digest: not a JSON value (${typeof value})`);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += i > 0 ? `, ${canonicalJson(value[i])}` : canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = jsonbKeyOrder(Object.keys(obj));
  let out = "{";
  for (let i = 0; i < keys.length; i++) out += `${i > 0 ? ", " : ""}${jsonString(keys[i]!)}: ${canonicalJson(obj[keys[i]!])}`;
  return `${out}}`;
}

/**
 * A string as JSON text, as `JSON.stringify` writes it. Most keys and values need no escaping
 * and are quoted here; the rest (a quote, a backslash, a control character, a surrogate) go
 * through `JSON.stringify`, whose call costs more than the check on short strings.
 */
function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * `keys` in jsonb's order: shorter UTF-8 first, then bytewise. ASCII keys (nearly all) are
 * ordered in place by an insertion sort, which for an object's handful of keys costs less than
 * a call to `sort`; any other key sends the array through `sort` with the byte comparison.
 */
function jsonbKeyOrder(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  if (!keys.every(isAscii)) return keys.sort(byUtf8LengthThenBytes);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && byLengthThenCode(keys[j]!, key) > 0; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}

/** True when every code unit of `text` is ASCII (then UTF-16 order is UTF-8 byte order). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** jsonb's key order for ASCII keys: UTF-16 units are then the UTF-8 bytes. */
function byLengthThenCode(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** jsonb's key order: shorter UTF-8 first, then bytewise. */
function byUtf8LengthThenBytes(a: string, b: string): number {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length - y.length || Buffer.compare(x, y);
}

/**
 * A finite number in the full decimal form PostgreSQL's `numeric` prints for the text
 * `JSON.stringify` writes: the exponent of `1e+21` or `1.25e-7` written out, -0 as 0.
 */
export function plainDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError("digest: JSON numbers are finite");
  const text = String(n === 0 ? 0 : n);
  const e = text.indexOf("e");
  if (e < 0) return text;
  const negative = text.startsWith("-");
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const digits = mantissa.replace(".", "");
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  const body =
    point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + "0".repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${body}` : body;
}
