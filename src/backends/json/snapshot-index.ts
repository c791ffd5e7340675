import { isId } from "../../model/ids.js";
import type { FsLayer } from "./fs.js";
import { type OpenSnapshot, parseSnapshotLine, walkSnapshot } from "./snapshot.js";

/**
 * Where each row of a snapshot file lies, instead of the rows: an id, a byte range and a line
 * number per row, about 70 bytes a row beside a row's 1 KB or more as objects. A reader that
 * streams a large store (`source.ts`) keeps this and reads rows back a page at a time.
 *
 * The file is checked as strictly as a load checks it (header matching the manifest, a trailer,
 * the row count, no repeated id), but a row is parsed here only when its line does not start the
 * way the writer starts every row ({@link rowStart}, which states that start once); the others are
 * parsed and checked in full when they are read.
 */

/** The rows of one snapshot, in file order. */
export interface SnapshotIndex {
  ids: string[];
  /** Byte offset of each row's line. */
  starts: number[];
  /** Byte length of each row's line, without its newline. */
  lengths: number[];
  /** 1-based line number of each row, for errors. */
  lines: number[];
  /** Whether each row is a tombstone. */
  deleted: boolean[];
}

/**
 * The start every row line has as the writer (JSON.stringify of a stored row) puts it, as bytes:
 * `{"id":"<lowercase uuid>","version":<positive integer>,"createdAt":"<text>","updatedAt":"<text>",
 * "deleted":true|false` then `,` or `}`, the two texts without a quote or a backslash. Anchored
 * at the start, so what matches can only be the row's own top-level keys; no byte of a multi-byte
 * UTF-8 character is a quote or a backslash, so the bytes alone decide. Returns the row's id and
 * whether it is a tombstone, or null when the line starts otherwise (its row is then parsed in
 * full).
 *
 * Checked byte by byte rather than by a regular expression over the line's decoded start: opening
 * a large store indexes every row, and a decoded string per row was most of that work's garbage.
 */
export function rowStart(bytes: Buffer): { id: string; deleted: boolean } | null {
  let at = expect(bytes, 0, ID_KEY);
  if (at < 0 || at + ID_LENGTH > bytes.length) return null;
  const id = bytes.toString("latin1", at, at + ID_LENGTH);
  if (!isId(id)) return null;
  at = expect(bytes, at + ID_LENGTH, VERSION_KEY);
  if (at < 0 || !(bytes[at]! >= 0x31 && bytes[at]! <= 0x39)) return null;
  while (bytes[at]! >= 0x30 && bytes[at]! <= 0x39) at++;
  at = plainText(bytes, expect(bytes, at, CREATED_KEY));
  at = plainText(bytes, expect(bytes, at, UPDATED_KEY));
  at = expect(bytes, at, DELETED_KEY);
  if (at < 0) return null;
  const afterTrue = expect(bytes, at, TRUE);
  const end = afterTrue >= 0 ? afterTrue : expect(bytes, at, FALSE);
  if (end < 0 || !(bytes[end] === 0x2c || bytes[end] === 0x7d)) return null;
  return { id, deleted: afterTrue >= 0 };
}

/** A lowercase hyphenated UUID's length. */
const ID_LENGTH = 36;

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const ID_KEY = ascii('{"id":"');
const VERSION_KEY = ascii('","version":');
const CREATED_KEY = ascii(',"createdAt":"');
const UPDATED_KEY = ascii('","updatedAt":"');
const DELETED_KEY = ascii('","deleted":');
const TRUE = ascii("true");
const FALSE = ascii("false");

/** The offset just past `literal` when `bytes` holds it at `at`, else -1 (also for `at` < 0). */
function expect(bytes: Uint8Array, at: number, literal: Uint8Array): number {
  if (at < 0 || at + literal.length > bytes.length) return -1;
  for (let i = 0; i < literal.length; i++) if (bytes[at + i] !== literal[i]) return -1;
  return at + literal.length;
}

/** The offset of the quote that ends a text without quotes or backslashes starting at `at`, else -1. */
function plainText(bytes: Uint8Array, at: number): number {
  if (at < 0) return -1;
  for (let i = at; i < bytes.length; i++) {
    if (bytes[i] === 0x22) return i;
    if (bytes[i] === 0x5c) return -1;
  }
  return -1;
}

/** Indexes the snapshot `file` (checked as {@link walkSnapshot} checks it): CorruptStoreError naming the file and line otherwise. */
export async function indexSnapshot(fs: FsLayer, file: OpenSnapshot, maxLineBytes: number): Promise<SnapshotIndex> {
  const index: SnapshotIndex = { ids: [], starts: [], lengths: [], lines: [], deleted: [] };
  await walkSnapshot(fs, file, maxLineBytes, (bytes, line, start, end, fail) => {
    let id: string;
    let deleted: boolean;
    const head = rowStart(bytes);
    if (head) {
      id = head.id;
      deleted = head.deleted;
    } else {
      const row = parseSnapshotLine(bytes.toString("utf8"), file.ref.rows, line, fail);
      if (row === "trailer") return "trailer";
      id = row.id;
      deleted = row.deleted;
    }
    index.ids.push(id);
    index.starts.push(start);
    index.lengths.push(end - 1 - start);
    index.lines.push(line);
    index.deleted.push(deleted);
    return "row";
  });
  return index;
}
