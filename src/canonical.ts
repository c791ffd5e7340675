import { type FieldKind, specOf } from "./model/collections.js";
import type { CollectionName } from "./model/rows.js";
import { canonicalJson } from "./canonical-json.js";

/**
 * The canonical row form that range digests hash (`digest.ts`), in JavaScript; PostgreSQL builds
 * the same text in SQL (`backends/postgres/digest.ts`), and both must agree byte for byte for
 * every value the contract accepts.
 *
 * **The canonical row.** Each field of the collection spec, in spec order (`changeSeq` is never
 * part of it), written as below, joined with `|`; a null is `n`. Every form is free of `|`,
 * length-prefixed or self-delimiting JSON, so two different rows never share a canonical text.
 * The forms are the cheapest PostgreSQL computes (no `to_char`, no `to_json` over long texts).
 *
 * | kind | form | example |
 * | --- | --- | --- |
 * | uuid, integer | as the row holds it (`String`) | `42` |
 * | boolean | `true` / `false` | |
 * | text | its UTF-8 byte length, `:`, the text | `5:café` |
 * | timestamp | Unix milliseconds (a text not in the contract's `…T…:…:….mmmZ` form: `!` and its JSON) | `1767603600000` |
 * | date | days since 1970-01-01 (likewise) | `20458` |
 * | number | the 16 hex digits of the IEEE-754 double, big-endian | `3ff8000000000000` |
 * | textArray, numberArray | PostgreSQL's binary array form (`array_send` of `text[]`, `float8[]`) in hex | |
 * | json | PostgreSQL's `jsonb` text: keys by UTF-8 length then bytes, `", "` and `": "`, numbers written out in full decimal (no exponent) | `{"a": 1, "bb": [0.000000125]}` |
 *
 * Numbers are never hashed through a float's decimal text (PostgreSQL writes `1e+15` and
 * `1.25e-07` where JavaScript writes `1000000000000000` and `1.25e-7`): doubles go in as their
 * bits, and JSON numbers, which `jsonb` holds as `numeric`, in the full decimal form that
 * `numeric` prints for the text `JSON.stringify` wrote.
 *
 * **-0 is 0**, as the row comparator treats it: JSON text and `jsonb` have no -0, and the
 * PostgreSQL backend writes numbers as `String(n)`, so it never stores one; the memory and JSON
 * backends may hold a -0 that replication delivered. (A -0 put into a PostgreSQL `float8[]` by
 * hand keeps its sign bit in `array_send`: that range's digests differ, its rows are fetched, and
 * the comparator finds them equal. It costs a fetch, never a false divergence.)
 */

const fieldCache = new Map<CollectionName, [string, FieldKind][]>();

/** The UTF-8 bytes canonical texts are written into: one buffer, reused, grown when a row needs more. */
let bytes = new Uint8Array(1 << 16);
/** Bytes of the current row written so far. */
let used = 0;
const encoder = new TextEncoder();
/** Strings up to this length are written code unit by code unit: cheaper than a call to encodeInto. */
const SHORT = 48;
/** Room before a text for its byte length and `:` (ten digits hold any length a row can have). */
const LENGTH_ROOM = 11;

/**
 * The canonical text of a row (see the table above) as UTF-8 bytes: a view of a buffer this
 * module reuses, valid until the next call. `missing(field)`, when given, supplies the value of a
 * field the row object does not hold (an engine's resident row leaves out a derived field that
 * equals its derivation), so the row need not be copied to fill it in.
 *
 * The bytes are those of the fields' {@link canonicalValue} forms joined with `|`, encoded, but
 * written straight into the buffer: a text field goes in without the intermediate
 * `length:text` string, and the row without one long concatenated string, which V8 would first
 * flatten to encode (the largest single cost of hashing a journal entry before).
 */
export function canonicalRowBytes(collection: CollectionName, row: object, missing?: (field: string) => unknown): Uint8Array {
  let fields = fieldCache.get(collection);
  if (!fields) fieldCache.set(collection, (fields = Object.entries(specOf(collection).fields).map(([f, s]) => [f, s.kind])));
  used = 0;
  for (let i = 0; i < fields.length; i++) {
    const [field, kind] = fields[i]!;
    if (i > 0) {
      reserve(1);
      bytes[used++] = 0x7c; // |
    }
    const value = missing !== undefined && !Object.hasOwn(row, field) ? missing(field) : (row as Readonly<Record<string, unknown>>)[field];
    if (kind === "text" && typeof value === "string") writeText(value);
    else {
      const form = canonicalValue(kind, value);
      reserve(form.length * 3);
      used += writeUtf8(form, used);
    }
  }
  return bytes.subarray(0, used);
}

/** Writes the text form `length:text` (length in UTF-8 bytes) of `text` at the end of the row. */
function writeText(text: string): void {
  reserve(LENGTH_ROOM + text.length * 3);
  // The text goes in past room for its length, which is known only once it is encoded; then its
  // length is written and the text moved up behind it.
  const at = used + LENGTH_ROOM;
  const length = writeUtf8(text, at);
  const prefix = writeUtf8(`${length}:`, used);
  bytes.copyWithin(used + prefix, at, at + length);
  used += prefix + length;
}

/** Writes `text` as UTF-8 at `at` (room for `text.length * 3` bytes reserved), returning the bytes written. */
function writeUtf8(text: string, at: number): number {
  if (text.length <= SHORT) {
    let i = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[at + i] = c;
    }
    if (i === text.length) return i;
  }
  // A canonical text holds no lone surrogate (no backend stores one), so it encodes losslessly.
  return encoder.encodeInto(text, bytes.subarray(at)).written;
}

/** Makes room for `n` more bytes of the current row. */
function reserve(n: number): void {
  if (used + n <= bytes.length) return;
  const grown = new Uint8Array(Math.max(bytes.length * 2, used + n));
  grown.set(bytes.subarray(0, used));
  bytes = grown;
}

/** The canonical form of one field value of the given kind (`n` for null). */
export function canonicalValue(kind: FieldKind, value: unknown): string {
  if (value === null || value === undefined) return "n";
  switch (kind) {
    case "text":
      return `${Buffer.byteLength(value as string, "utf8")}:${value as string}`;
    case "textArray":
      return textArrayHex(value as readonly string[]);
    case "number":
      return float8Hex(value as number);
    case "numberArray":
      return float8ArrayHex(value as readonly number[]);
    case "json":
      return canonicalJson(value);
    case "boolean":
      return value ? "true" : "false";
    case "timestamp":
      return instantForm(value as string);
    case "date":
      return dateForm(value as string);
    default:
      return String(value);
  }
}

const DAY_MS = 86_400_000;

/** The number spelled by the ASCII digits of `text` from `start` to `end` (NaN if any is not a digit). */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/** Unix milliseconds of a `YYYY-MM-DD` prefix and the given time, or NaN unless it is a real date. */
function utc(text: string, h: number, m: number, s: number, ms: number): number {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && h < 24 && m < 60 && s < 60)) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!)) return Number.NaN;
  return daysFromCivil(year, month, day) * DAY_MS + ((h * 60 + m) * 60 + s) * 1000 + ms;
}

/**
 * A timestamp as Unix milliseconds, when it is in the contract's form `YYYY-MM-DDTHH:MM:SS.mmmZ`
 * (what PostgreSQL returns); any other text as `!` and its JSON, which no PostgreSQL digest
 * produces, so the row comparator decides (it compares the texts).
 */
function instantForm(text: string): string {
  const ms =
    text.length === 24 && text[10] === "T" && text[13] === ":" && text[16] === ":" && text[19] === "." && text[23] === "Z"
      ? utc(text, digits(text, 11, 13), digits(text, 14, 16), digits(text, 17, 19), digits(text, 20, 23))
      : Number.NaN;
  return Number.isNaN(ms) ? `!${JSON.stringify(text)}` : String(ms);
}

/** A calendar date as days since 1970-01-01, when it is a real `YYYY-MM-DD` date; else as above. */
function dateForm(text: string): string {
  const ms = text.length === 10 ? utc(text, 0, 0, 0, 0) : Number.NaN;
  return Number.isNaN(ms) ? `!${JSON.stringify(text)}` : String(ms / DAY_MS);
}

const scratch = new DataView(new ArrayBuffer(8));

/** The IEEE-754 bits of `n`, big-endian hex, with -0 written as 0 (PostgreSQL: `float8send(x + 0)`). */
function float8Hex(n: number): string {
  scratch.setFloat64(0, n === 0 ? 0 : n);
  return bitsHex(scratch);
}

function bitsHex(view: DataView): string {
  return view.getUint32(0).toString(16).padStart(8, "0") + view.getUint32(4).toString(16).padStart(8, "0");
}

/** 8 hex digits of each number below 1,024: array headers and element lengths, written for every row. */
const HEX32 = Array.from({ length: 1024 }, (_, n) => n.toString(16).padStart(8, "0"));
const hex32 = (n: number) => (n < 1024 ? HEX32[n]! : n.toString(16).padStart(8, "0"));

/** Two hex digits of each byte value. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `array_send` of an empty `text[]` / `float8[]`, and the start of a one-dimensional one (dimensions, no nulls, element type). */
const EMPTY_TEXT_ARRAY = `${hex32(0)}${hex32(0)}${hex32(25)}`;
const TEXT_ARRAY_HEAD = `${hex32(1)}${hex32(0)}${hex32(25)}`;
const EMPTY_FLOAT8_ARRAY = `${hex32(0)}${hex32(0)}${hex32(701)}`;
const FLOAT8_ARRAY_HEAD = `${hex32(1)}${hex32(0)}${hex32(701)}`;

/**
 * PostgreSQL's binary form of a one-dimensional `text[]` without nulls (`array_send`), in hex:
 * dimensions, a has-nulls flag, the element type (25), length and lower bound 1, then each
 * element as its UTF-8 byte length and bytes. ASCII elements (most tags) are written out code
 * unit by code unit; others go through a UTF-8 buffer.
 */
function textArrayHex(values: readonly string[]): string {
  if (values.length === 0) return EMPTY_TEXT_ARRAY;
  let out = `${TEXT_ARRAY_HEAD}${hex32(values.length)}${hex32(1)}`;
  for (const v of values) {
    let element = "";
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c > 0x7f) {
        element = "";
        break;
      }
      element += HEX[c];
    }
    if (element.length === v.length * 2) out += hex32(v.length) + element;
    else {
      const bytes = Buffer.from(v, "utf8");
      out += hex32(bytes.length) + bytes.toString("hex");
    }
  }
  return out;
}

/**
 * PostgreSQL's binary form of a one-dimensional `float8[]` without nulls (`array_send`), in hex:
 * dimensions, a has-nulls flag, the element type (701), then length and lower bound 1, then each
 * element as its length (8) and its bits.
 */
function float8ArrayHex(values: readonly number[]): string {
  if (values.length === 0) return EMPTY_FLOAT8_ARRAY;
  let out = `${FLOAT8_ARRAY_HEAD}${hex32(values.length)}${hex32(1)}`;
  for (const v of values) {
    scratch.setFloat64(0, v === 0 ? 0 : v);
    out += hex32(8) + bitsHex(scratch);
  }
  return out;
}
