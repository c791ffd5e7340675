import { isUtf8 } from "node:buffer";
import { closeSync, fstatSync, open, read, readSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ClosedError, LegacyFileError, ValidationError } from "../errors.js";
import { OPEN, scannerOf, startScan } from "./json-scan.js";
import { completeEnd, firstInvalidUtf8, positionOf, tally, type Tally } from "./text-position.js";

/**
 * Reading one file of an app's own data: a name checked before it becomes a path, strict UTF-8,
 * the whole file checked as JSON in one pass over its bytes (no string, no tree), then each
 * record parsed on its own when the import reaches it. A file that is not one JSON object or
 * array is a {@link LegacyFileError} naming the file and the position of the first problem.
 * Neither pass holds the file: both read it through a window of {@link WINDOW_BYTES}.
 */

/**
 * Bytes of a file held at once, while it is checked and while its records are read. A record
 * larger than this is held whole while it is checked and while it is parsed.
 */
export const WINDOW_BYTES = 1 << 20;

/** A file name the mapping may use: no directory parts, nothing hidden. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Throws a ValidationError unless `file` is a plain file name. */
export function checkFileName(file: unknown, path: string): asserts file is string {
  if (typeof file !== "string" || !FILE_NAME.test(file) || file.includes("..")) {
    throw new ValidationError("legacy", [{ path, message: "must be a plain file name (letters, digits, '.', '_', '-')" }]);
  }
}

/**
 * One file's records, parsed one at a time when asked. Neither the file's bytes nor a parsed
 * tree are held: each record is read from the open file when asked (through a window of
 * {@link WINDOW_BYTES}, so reading the records in order reads the file once), and the file is
 * closed once every record is released, or by {@link LegacyFileContent.close}.
 */
export interface LegacyFileContent {
  shape: "object" | "array";
  /** Records in the file. */
  size: number;
  /** The key of record `i` (an object member's name), or null for an array element; read while the file was checked. */
  keyAt(i: number): string | null;
  /** Record `i`, parsed (an array element is parsed once and kept until released). */
  recordAt(i: number): unknown;
  /** Forgets record `i` (and closes the file once every record is released). */
  release(i: number): void;
  /** Closes the file now (once; a no-op after): a reader that stops early calls it. */
  close(): void;
}

const openFile = promisify(open);
const readAsync = promisify(read);

/**
 * Reads `file` in `dir`; null when it does not exist. The whole file is checked (strict UTF-8,
 * one complete JSON object or array) before this returns, so a bad file is refused before any
 * record is used. `window` (default {@link WINDOW_BYTES}) is how much of it is held at once.
 */
export async function readLegacyFile(dir: string, file: string, window: number = WINDOW_BYTES): Promise<LegacyFileContent | null> {
  let fd: number;
  try {
    fd = await openFile(join(dir, file), "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    const reader: Reader = { fd, file, size: stat.size, mtimeMs: stat.mtimeMs, window: Math.max(4, window) };
    const checked = await checkFile(reader);
    return contentOf(reader, checked);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The open file being read. */
interface Reader {
  fd: number;
  file: string;
  /** Its size and modification time when it was opened: the records are read from that version. */
  size: number;
  mtimeMs: number;
  window: number;
}

/** The checked file: its shape, and per record its key (objects only) and where its value is. */
interface Checked {
  shape: "object" | "array";
  keys: string[] | null;
  /** Per record: value start, value end (file offsets). */
  ranges: number[];
}

/** The records of a checked file, each read and parsed when asked. */
function contentOf(reader: Reader, checked: Checked): LegacyFileContent {
  const { shape, keys, ranges } = checked;
  const { fd, file, size: fileSize } = reader;
  const size = ranges.length / 2;
  const cache = shape === "array" ? new Map<number, unknown>() : null;
  let open = true;
  let released = 0;
  // The window of the file records are read from: file offset `at`, `length` bytes.
  let held: Buffer | null = null;
  let at = 0;
  let length = 0;
  const close = () => {
    if (!open) return;
    open = false;
    held = null;
    cache?.clear();
    closeSync(fd);
  };
  const changed = (from: number): never => {
    const position = positionIn(reader, from);
    close();
    throw new LegacyFileError(file, position, "changed while it was being imported (read it again)");
  };
  const parse = (from: number, to: number): unknown => {
    if (!open) throw new ClosedError(file);
    let text: string;
    if (to - from > reader.window) {
      const whole = Buffer.allocUnsafe(to - from);
      if (readSyncFully(fd, whole, 0, whole.length, from) < whole.length || isChanged(reader)) changed(from);
      text = whole.toString("utf8");
    } else {
      if (held === null || from < at || to > at + length) {
        held ??= Buffer.allocUnsafe(Math.min(reader.window, fileSize));
        at = from;
        length = readSyncFully(fd, held, 0, Math.min(held.length, fileSize - from), from);
        if (length < to - from || isChanged(reader)) changed(from);
      }
      text = held.toString("utf8", from - at, to - at);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return changed(from);
    }
  };
  if (size === 0) close();
  return {
    shape,
    size,
    keyAt: (i) => (keys === null ? null : keys[i]!),
    recordAt(i) {
      if (cache?.has(i)) return cache.get(i);
      const value = parse(ranges[i * 2]!, ranges[i * 2 + 1]!);
      cache?.set(i, value);
      return value;
    },
    release(i) {
      cache?.delete(i);
      if (++released >= size) close();
    },
    close,
  };
}

/** True when the file is no longer the version that was checked (another size or modification time). */
function isChanged(reader: Reader): boolean {
  const now = fstatSync(reader.fd);
  return now.size !== reader.size || now.mtimeMs !== reader.mtimeMs;
}

/** Reads into `buf[from, to)` from file offset `at` until full or the file ends; the bytes read. */
function readSyncFully(fd: number, buf: Buffer, from: number, to: number, at: number): number {
  let got = 0;
  while (from + got < to) {
    const n = readSync(fd, buf, from + got, to - from - got, at + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** {@link readSyncFully}, without blocking. */
async function readFully(fd: number, buf: Buffer, from: number, to: number, at: number): Promise<number> {
  let got = 0;
  while (from + got < to) {
    const { bytesRead } = await readAsync(fd, buf, from + got, to - from - got, at + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/**
 * Scans the file from offset `from` (where `t` stands, at a character's start) to `to` or the
 * first byte that is not part of well-formed UTF-8, whichever comes first: where it stopped,
 * whether on such a byte, and the tally there. Reads through its own window; used for errors.
 */
function scanOn(reader: Reader, from: number, to: number, t: Tally): { at: number; invalid: boolean; t: Tally } {
  const count = { ...t };
  const buf = Buffer.allocUnsafe(Math.max(4, Math.min(reader.window, to - from)));
  let base = from;
  let length = 0;
  for (;;) {
    const want = Math.min(buf.length, to - base);
    const got = readSyncFully(reader.fd, buf, length, want, base + length);
    const atEnd = length + got < want || base + want >= to;
    length += got;
    const cut = atEnd ? length : completeEnd(buf, 0, length);
    const bad = isUtf8(buf.subarray(0, cut)) ? cut : firstInvalidUtf8(buf, 0, cut);
    tally(buf, 0, bad, base, count);
    if (bad < cut) return { at: base + bad, invalid: true, t: count };
    if (atEnd) return { at: base + length, invalid: false, t: count };
    buf.copy(buf, 0, cut, length);
    base += cut;
    length -= cut;
  }
}

/** The position of file offset `at`, counted from the file's start (a byte order mark counts as a character). */
function positionIn(reader: Reader, at: number): { line: number; column: number; offset: number } {
  const scan = scanOn(reader, 0, at, { line: 1, lineStart: 0, lineAdj: 0, adj: 0 });
  return positionOf(scan.t, scan.at, 0);
}

/**
 * Checks that the file holds one JSON object or array (strict UTF-8, the grammar strictly) and
 * returns each member's key and where its value is. It reads the file once, through a window:
 * the grammar runs over the window's bytes ({@link scannerOf}), member by member; a member that
 * runs past the window is checked again from its start once the window is moved there (and grown
 * while that member does not fit), so only a window and one member are ever held. Lines and
 * characters are counted while checking, so an error's position costs no second read. Throws a
 * {@link LegacyFileError} at the first problem: a byte that is not UTF-8 anywhere in the file
 * first, as the file is refused as text before it is read as JSON.
 */
async function checkFile(reader: Reader): Promise<Checked> {
  const { fd, file, size, window } = reader;
  // One byte more than the window: the grammar finds a NUL after the bytes at hand (see scannerOf).
  let buf = Buffer.allocUnsafe(Math.max(1, Math.min(window, size)) + 1);
  let scanner = scannerOf(buf);
  let base = 0; // file offset of buf[0]
  let length = 0; // bytes of buf read
  let n = 0; // bytes of buf checked as UTF-8: what the grammar sees
  let i = 0; // where the check stands in buf
  const scan = startScan();

  /** Keeps `buf[from, length)` (moved to the start, `i` with it) and reads on; false when the new bytes are not UTF-8. */
  const refill = async (from: number): Promise<boolean> => {
    const kept = length - from;
    const held = buf.length - 1;
    const wanted = kept < window ? window : kept < held ? held : kept * 2;
    const capacity = Math.max(1, Math.min(wanted, size - base - from));
    if (capacity !== held) {
      const next = Buffer.allocUnsafe(capacity + 1);
      buf.copy(next, 0, from, length);
      buf = next;
      scanner = scannerOf(buf);
    } else if (from > 0) buf.copy(buf, 0, from, length);
    base += from;
    length = kept;
    n -= from;
    i -= from;
    const want = Math.min(buf.length - 1, size - base);
    const got = await readFully(fd, buf, length, want, base + length);
    if (length + got < want) {
      // The file is shorter than when it was opened: being written meanwhile.
      throw new LegacyFileError(file, positionOf(scan, base + i, 0), "changed while it was being checked (read it again)");
    }
    length += got;
    const cut = base + length >= size ? length : completeEnd(buf, n, length);
    if (cut > n && !isUtf8(buf.subarray(n, cut))) return false;
    n = cut;
    return true;
  };
  /** The error for a byte that is not UTF-8 past the check's current place (`buf[i]`, where `scan` stands). */
  const notUtf8 = (from: number): LegacyFileError => {
    const found = scanOn(reader, from, size, scan);
    return new LegacyFileError(file, positionOf(found.t, found.at, 0), "is not valid UTF-8");
  };

  if (!(await refill(0))) throw notUtf8(0);
  let bom = 0;
  if (length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    i = 3;
    bom = 1;
    scan.adj = 2;
  }
  for (;;) {
    let keep: number;
    try {
      keep = scanner(n, base, base + n < size, i, scan);
    } catch (at) {
      if (typeof at !== "number") throw at;
      // A byte that is not UTF-8 further on is the error to report, as the file is refused as text first.
      const found = scanOn(reader, base + at, size, scan);
      if (found.invalid) throw new LegacyFileError(file, positionOf(found.t, found.at, 0), "is not valid UTF-8");
      const problem = base + at >= size ? "ends before its JSON does (truncated)" : scan.step !== OPEN ? "is not valid JSON" : "holds neither a JSON object nor an array";
      throw new LegacyFileError(file, positionOf(scan, base + at, bom), problem);
    }
    if (keep < 0) break;
    i = keep;
    if (!(await refill(keep))) throw notUtf8(base);
  }
  return { shape: scan.shape, keys: scan.shape === "object" ? scan.keys : null, ranges: scan.ranges };
}
