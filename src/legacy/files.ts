import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LegacyFileError, ValidationError } from "../errors.js";
import { isPlainObject } from "../model/json.js";

/**
 * Reading one file of an app's own data: a name checked before it becomes a path, strict UTF-8,
 * and JSON parsed whole (one `JSON.parse`, the fastest way to read it). A file that does not
 * parse is a {@link LegacyFileError} naming the file and the position of the first problem; the
 * parser's own message is not used, since it quotes the file's content.
 */

/** A file name the mapping may use: no directory parts, nothing hidden. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Throws a ValidationError unless `file` is a plain file name. */
export function checkFileName(file: unknown, path: string): asserts file is string {
  if (typeof file !== "string" || !FILE_NAME.test(file) || file.includes("..")) {
    throw new ValidationError("legacy", [{ path, message: "must be a plain file name (letters, digits, '.', '_', '-')" }]);
  }
}

/** One file's records: `[key, record]` pairs in file order, and how the file holds them. */
export interface LegacyFileContent {
  shape: "object" | "array";
  records: [key: string | null, record: unknown][];
  /** Characters of the file, as read (for the benchmark's memory figures). */
  chars: number;
}

/** Reads `file` in `dir`; null when it does not exist. */
export async function readLegacyFile(dir: string, file: string): Promise<LegacyFileContent | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const prefix = bytes.subarray(0, bad).toString("utf8");
    throw new LegacyFileError(file, positionOf(prefix, prefix.length), "is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const offset = firstJsonError(text);
    throw new LegacyFileError(file, positionOf(text, offset), offset >= text.length ? "ends before its JSON does (truncated)" : "is not valid JSON");
  }
  if (Array.isArray(parsed)) {
    return { shape: "array", records: parsed.map((record) => [null, record]), chars: text.length };
  }
  if (isPlainObject(parsed)) {
    return { shape: "object", records: Object.keys(parsed).map((key) => [key, parsed[key]]), chars: text.length };
  }
  throw new LegacyFileError(file, positionOf(text, 0), "holds neither a JSON object nor an array");
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

/**
 * The offset of the first character where `text` stops being one JSON value (its length when it
 * ends too early). Only runs after JSON.parse failed, to say where.
 */
export function firstJsonError(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) (i--, fail());
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const ch = text.charCodeAt(i);
      if (ch === 0x22) return void i++;
      if (ch < 0x20) fail();
      if (ch === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          if (i + 5 > text.length) (i = text.length, fail()); // the file ends inside the escape
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) (i++, fail());
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-") fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    ws();
    if (depth > 2_000) fail();
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === "t") return literal("true");
    if (ch === "f") return literal("false");
    if (ch === "n") return literal("null");
    if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) return number();
    fail();
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return Math.min(at as number, text.length);
  }
}
