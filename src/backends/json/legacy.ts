import { join } from "node:path";
import type { Stored } from "../../backend.js";
import type { Engine } from "../../engine/engine.js";
import { specOf } from "../../model/collections.js";
import { isId } from "../../model/ids.js";
import { isPlainObject } from "../../model/json.js";
import type { CollectionName } from "../../model/rows.js";
import { emailKeyOf, searchTextOf, wordCountOf } from "../../model/text.js";
import { CorruptStoreError } from "./errors.js";
import { FLAGS, type FsLayer } from "./fs.js";

/**
 * The legacy layout: one plain JSON array per collection (`users.json`, `journalEntries.json`,
 * ...), rows with the model's field names, as the app wrote them before this package. Such a
 * directory opens as is; the first write converts it (a snapshot plus manifest written beside the
 * legacy files, which are left untouched and ignored from then on).
 *
 * Rows are normalised without loss: ids and owner ids lower-cased; a missing `version` becomes 1,
 * missing `createdAt`/`updatedAt` take each other's value or the file's modification time, missing
 * `deleted` is false, absent nullable fields are null, absent arrays empty, absent JSON objects
 * `{}`, and absent derived fields (emailKey, searchText, wordCount) are derived. Every other
 * field is kept as it is. Arrays are parsed element by element, never as one string.
 */

/** Imports every legacy file in `files` into `engine`, in the contract's collection order. */
export async function importLegacy(fs: FsLayer, dir: string, files: readonly CollectionName[], engine: Engine, maxRowBytes: number): Promise<void> {
  let seq = 0;
  for (const collection of files) {
    const path = join(dir, `${collection}.json`);
    const fd = await fs.open(path, FLAGS.read, 0);
    try {
      const { mtimeMs } = await fs.fstat(fd);
      const fallbackTime = new Date(Math.floor(mtimeMs)).toISOString();
      const table = engine.tables.get(collection)!;
      let index = 0;
      await streamArray(fs, fd, path, maxRowBytes, (text) => {
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch (cause) {
          throw new CorruptStoreError(path, `element ${index} does not parse as JSON`, { cause });
        }
        const row = normalise(collection, raw, fallbackTime, ++seq);
        if (typeof row === "string") throw new CorruptStoreError(path, `element ${index}: ${row}`);
        if (table.rows.has(row.id)) throw new CorruptStoreError(path, `element ${index}: id ${row.id} appears twice`);
        engine.load(collection, row);
        index++;
      });
    } finally {
      await fs.close(fd);
    }
  }
}

/** A legacy row as a stored row, or the reason it cannot be one. */
export function normalise(collection: CollectionName, raw: unknown, fallbackTime: string, changeSeq: number): Stored | string {
  if (!isPlainObject(raw)) return "is not an object";
  const row: Record<string, unknown> = { ...raw };
  const spec = specOf(collection);
  for (const [field, f] of Object.entries(spec.fields)) {
    const value = row[field];
    if (f.kind === "uuid" && typeof value === "string") row[field] = value.toLowerCase();
    if (f.kind === "timestamp" && value !== undefined && value !== null) row[field] = timestamp(value) ?? value;
  }
  if (!isId(row.id)) return "id is not a UUID";
  if (row.version === undefined) row.version = 1;
  if (!Number.isSafeInteger(row.version) || (row.version as number) < 1) return "version is not a positive integer";
  row.createdAt ??= row.updatedAt ?? fallbackTime;
  row.updatedAt ??= row.createdAt;
  row.deleted ??= false;
  if (typeof row.deleted !== "boolean") return "deleted is not a boolean";
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  if (collection === "users" && row.emailKey === undefined && typeof row.email === "string") row.emailKey = emailKeyOf(row.email);
  if ((collection === "journalEntries" || collection === "psychologyContent") && row.searchText === undefined) {
    row.searchText = searchTextOf(text(row.title), text(row.content));
  }
  if (collection === "journalEntries" && row.wordCount === undefined) row.wordCount = wordCountOf(text(row.content));
  for (const [field, f] of Object.entries(spec.fields)) {
    if (row[field] !== undefined) continue;
    if (f.nullable) row[field] = null;
    else if (f.kind === "textArray" || f.kind === "numberArray") row[field] = [];
    else if (f.kind === "json") row[field] = field === "citations" ? [] : {};
  }
  row.changeSeq = changeSeq;
  return row as unknown as Stored;
}

function timestamp(value: unknown): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const enum Ch {
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  Space = 0x20,
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
}

/**
 * Streams the elements of a top-level JSON array, calling `onElement` with each element's text.
 * An element over `maxBytes`, or a file that is not one complete array, is a CorruptStoreError.
 */
export async function streamArray(fs: FsLayer, fd: number, path: string, maxBytes: number, onElement: (text: string) => void): Promise<void> {
  const chunk = Buffer.allocUnsafe(1 << 20);
  const isSpace = (c: number) => c === Ch.Space || c === Ch.Tab || c === Ch.Newline || c === Ch.Return;
  let position = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let finished = false;
  let inElement = false;
  let afterComma = false;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let start = 0;
  const emit = (end: number) => {
    if (partBytes + end - start > maxBytes) throw new CorruptStoreError(path, `holds an element over ${maxBytes} bytes`);
    parts.push(chunk.subarray(start, end));
    const text = Buffer.concat(parts).toString("utf8");
    parts = [];
    partBytes = 0;
    inElement = false;
    onElement(text);
  };
  for (;;) {
    const n = await fs.read(fd, chunk, 0, chunk.length, position);
    if (n === 0) break;
    position += n;
    start = 0;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === Ch.Backslash) escaped = true;
        else if (c === Ch.Quote) inString = false;
        continue;
      }
      if (finished || depth === 0) {
        if (isSpace(c) || (position === n && i < 3 && (c === 0xef || c === 0xbb || c === 0xbf))) continue;
        if (finished) throw new CorruptStoreError(path, "holds data after the array");
        if (c !== Ch.OpenBracket) throw new CorruptStoreError(path, "is not a JSON array (the legacy layout is one array per collection)");
        depth = 1;
        continue;
      }
      if (depth === 1 && !inElement) {
        if (isSpace(c)) continue;
        if (c === Ch.Comma) throw new CorruptStoreError(path, "holds an empty array element");
        if (c === Ch.CloseBracket) {
          if (afterComma) throw new CorruptStoreError(path, "ends with a trailing comma");
          depth = 0;
          finished = true;
          continue;
        }
        inElement = true;
        afterComma = false;
        start = i;
      }
      if (c === Ch.Quote) inString = true;
      else if (c === Ch.OpenBrace || c === Ch.OpenBracket) depth++;
      else if (c === Ch.CloseBrace || c === Ch.CloseBracket) {
        depth--;
        if (depth === 0) {
          emit(i);
          finished = true;
        }
      } else if (c === Ch.Comma && depth === 1) {
        emit(i);
        afterComma = true;
      }
    }
    if (inElement) {
      partBytes += n - start;
      if (partBytes > maxBytes) throw new CorruptStoreError(path, `holds an element over ${maxBytes} bytes`);
      parts.push(Buffer.from(chunk.subarray(start, n)));
    }
  }
  if (!finished) throw new CorruptStoreError(path, "is cut short: the array is not closed");
}
