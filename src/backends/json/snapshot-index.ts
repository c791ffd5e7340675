import type { FsLayer } from "./fs.js";
import { type OpenSnapshot, parseSnapshotLine, walkSnapshot } from "./snapshot.js";

/**
 * Where each row of a snapshot file lies, instead of the rows: an id, a byte range and a line
 * number per row, about 70 bytes a row beside a row's 1 KB or more as objects. A reader that
 * streams a large store (`source.ts`) keeps this and reads rows back a page at a time.
 *
 * The file is checked as strictly as a load checks it (header matching the manifest, a trailer,
 * the row count, no repeated id), but a row is parsed here only when its line does not start the
 * way the writer starts every row (`{"id":"<uuid>","version":N,"createdAt":"…","updatedAt":"…",
 * "deleted":true|false`): those rows are parsed and checked in full when they are read.
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

/** Bytes at the start of each row line decoded to match {@link ROW_START}. */
const ROW_START_BYTES = 256;
/** Where the id starts in a line that matches {@link ROW_START}: after `{"id":"`. */
const ID_AT = 7;
/**
 * The fields every row line starts with, as the writer (JSON.stringify of a stored row) puts
 * them: anchored at the start, over strings without quotes or escapes, so what matches can only
 * be the row's own top-level keys.
 */
const ROW_START = /^\{"id":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})","version":[1-9]\d*,"createdAt":"[^"\\]*","updatedAt":"[^"\\]*","deleted":(true|false)[,}]/;

/** Indexes the snapshot `file` (checked as {@link walkSnapshot} checks it): CorruptStoreError naming the file and line otherwise. */
export async function indexSnapshot(fs: FsLayer, file: OpenSnapshot, maxLineBytes: number): Promise<SnapshotIndex> {
  const index: SnapshotIndex = { ids: [], starts: [], lengths: [], lines: [], deleted: [] };
  await walkSnapshot(fs, file, maxLineBytes, (bytes, line, start, end, fail) => {
    let id: string;
    let deleted: boolean;
    // Only the start of the line is decoded, byte for byte (Latin-1): no byte of a multi-byte
    // UTF-8 character is a quote or a backslash, so the structure matched is the line's.
    const m = ROW_START.exec(bytes.toString("latin1", 0, Math.min(bytes.length, ROW_START_BYTES)));
    if (m) {
      id = bytes.toString("latin1", ID_AT, ID_AT + 36);
      deleted = m[2] === "true";
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
