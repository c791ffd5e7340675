import { isUtf8 } from "node:buffer";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LegacyFileError, ValidationError } from "../errors.js";

/**
 * Reading one file of an app's own data: a name checked before it becomes a path, strict UTF-8,
 * the whole file checked as JSON in one pass over its bytes (no string, no tree), then each
 * record parsed on its own when the import reaches it. A file that is not one JSON object or
 * array is a {@link LegacyFileError} naming the file and the position of the first problem.
 */

/** A file name the mapping may use: no directory parts, nothing hidden. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Throws a ValidationError unless `file` is a plain file name. */
export function checkFileName(file: unknown, path: string): asserts file is string {
  if (typeof file !== "string" || !FILE_NAME.test(file) || file.includes("..")) {
    throw new ValidationError("legacy", [{ path, message: "must be a plain file name (letters, digits, '.', '_', '-')" }]);
  }
}

/**
 * One file's records, parsed one at a time when asked: the file's bytes are held, not a string
 * of them nor a parsed tree, so a large file costs its size once plus the records in flight.
 */
export interface LegacyFileContent {
  shape: "object" | "array";
  /** Records in the file. */
  size: number;
  /** The key of record `i` (an object member's name), or null for an array element. */
  keyAt(i: number): string | null;
  /** Record `i`, parsed (an array element is parsed once and kept until released). */
  recordAt(i: number): unknown;
  /** Forgets record `i` (and the file's bytes once every record is released). */
  release(i: number): void;
}

/**
 * Reads `file` in `dir`; null when it does not exist. The whole file is checked (strict UTF-8,
 * one complete JSON object or array) before this returns, so a bad file is refused before any
 * record is used.
 */
export async function readLegacyFile(dir: string, file: string): Promise<LegacyFileContent | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    const prefix = bytes.subarray(0, bad).toString("utf8");
    throw new LegacyFileError(file, positionOf(prefix, prefix.length), "is not valid UTF-8");
  }
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let split: Split;
  try {
    split = splitRecords(bytes, start);
  } catch (at) {
    if (typeof at !== "number") throw at;
    const text = bytes.subarray(start, at).toString("utf8");
    const end = at >= bytes.length;
    const problem = end ? "ends before its JSON does (truncated)" : split0(bytes, start) ? "is not valid JSON" : "holds neither a JSON object nor an array";
    throw new LegacyFileError(file, positionOf(text, text.length), problem);
  }
  const { shape, ranges } = split;
  const size = ranges.length / 4;
  const cache = shape === "array" ? new Map<number, unknown>() : null;
  let held: Buffer | null = bytes;
  let released = 0;
  const slice = (from: number, to: number) => JSON.parse(held!.toString("utf8", from, to)) as unknown;
  return {
    shape,
    size,
    keyAt: (i) => (shape === "object" ? (slice(ranges[i * 4]!, ranges[i * 4 + 1]!) as string) : null),
    recordAt(i) {
      if (cache?.has(i)) return cache.get(i);
      const value = slice(ranges[i * 4 + 2]!, ranges[i * 4 + 3]!);
      cache?.set(i, value);
      return value;
    },
    release(i) {
      cache?.delete(i);
      if (++released >= size) held = null;
    },
  };
}

/** True when the file's first significant character opens an object or an array. */
function split0(bytes: Buffer, start: number): boolean {
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b || c === 0x5b;
  }
  return true;
}

interface Split {
  shape: "object" | "array";
  /** Per record: key start, key end, value start, value end (byte offsets; key empty for arrays). */
  ranges: number[];
}

/**
 * Checks that `bytes` hold one JSON object or array (the grammar, strictly) and returns where
 * each member's key and value are. Throws the byte offset of the first problem (the length when
 * the file ends too early).
 */
function splitRecords(bytes: Buffer, start: number): Split {
  const n = bytes.length;
  let i = start;
  const fail = (): never => {
    throw Math.min(i, n);
  };
  const ws = () => {
    for (;;) {
      const c = bytes[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= n) fail();
      const c = bytes[i]!;
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = bytes[i];
        if (e === 0x75) {
          for (let k = 1; k <= 4; k++) {
            const h = bytes[i + k];
            if (h === undefined) (i = n, fail());
            if (!((h! >= 0x30 && h! <= 0x39) || (h! >= 0x41 && h! <= 0x46) || (h! >= 0x61 && h! <= 0x66))) (i += k, fail());
          }
          i += 5;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i++;
        else fail();
      } else i++;
    }
  };
  const digits = () => {
    const from = i;
    while (bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
    if (i === from) fail();
  };
  const number = () => {
    if (bytes[i] === 0x2d) i++;
    if (bytes[i] === 0x30) i++;
    else digits();
    if (bytes[i] === 0x2e) (i++, digits());
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++;
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
      digits();
    }
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (bytes[i] !== word.charCodeAt(k)) fail();
  };
  const value = (depth: number): void => {
    ws();
    if (depth > 2_000) fail();
    const c = bytes[i];
    if (c === 0x7b) {
      i++;
      ws();
      if (bytes[i] === 0x7d) return void i++;
      for (;;) {
        ws();
        if (bytes[i] !== 0x22) fail();
        string();
        ws();
        if (bytes[i] !== 0x3a) fail();
        i++;
        value(depth + 1);
        ws();
        if (bytes[i] === 0x2c) i++;
        else if (bytes[i] === 0x7d) return void i++;
        else fail();
      }
    }
    if (c === 0x5b) {
      i++;
      ws();
      if (bytes[i] === 0x5d) return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (bytes[i] === 0x2c) i++;
        else if (bytes[i] === 0x5d) return void i++;
        else fail();
      }
    }
    if (c === 0x22) return string();
    if (c === 0x74) return literal("true");
    if (c === 0x66) return literal("false");
    if (c === 0x6e) return literal("null");
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return number();
    fail();
  };
  const ranges: number[] = [];
  ws();
  const open = bytes[i];
  if (open !== 0x7b && open !== 0x5b) fail();
  const shape = open === 0x7b ? "object" : "array";
  const close = open === 0x7b ? 0x7d : 0x5d;
  i++;
  ws();
  if (bytes[i] === close) i++;
  else {
    for (;;) {
      ws();
      let ks = 0;
      let ke = 0;
      if (shape === "object") {
        if (bytes[i] !== 0x22) fail();
        ks = i;
        string();
        ke = i;
        ws();
        if (bytes[i] !== 0x3a) fail();
        i++;
        ws();
      }
      const vs = i;
      value(1);
      ranges.push(ks, ke, vs, i);
      ws();
      if (bytes[i] === 0x2c) i++;
      else if (bytes[i] === close) {
        i++;
        break;
      } else fail();
    }
  }
  ws();
  if (i < n) fail();
  return { shape, ranges };
}

/** 1-based line and column of character `offset` in `text`. */
export function positionOf(text: string, offset: number): { line: number; column: number; offset: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, offset };
}

/** The byte offset of the first byte that is not part of well-formed UTF-8. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return bytes.length;
}
