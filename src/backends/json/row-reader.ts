import type { Stored } from "../../backend.js";
import { rowHash } from "../../digest.js";
import { restoreDerived } from "../../engine/resident.js";
import type { CollectionName } from "../../model/rows.js";
import { CorruptStoreError } from "./errors.js";
import { isStoredRow } from "./format.js";
import type { FsLayer } from "./fs.js";
import { readAt } from "./lines.js";

/**
 * Rows read back from a snapshot file by byte range, parsed and checked one at a time: what a
 * `jsonFileSource` serves pages from, and what its hashing threads (`hash-worker.ts`) hash.
 */

/** Rows read back from disk at most per read call, in bytes: a page of rows is one read or a few. */
const SPAN_BYTES = 4 << 20;
/** Rows further apart than this in the file are read by separate calls rather than one read over the gap. */
const SPAN_GAP = 64 << 10;

/** Where rows are in one snapshot file, by position: its id, byte offset (-1: not in the file), length and line. */
export interface RowSpans {
  ids: readonly string[];
  starts: Float64Array;
  lengths: Uint32Array;
  lines: Uint32Array;
}

/** An open snapshot file rows are read from. */
export interface RowFile {
  fd: number;
  path: string;
}

/**
 * Visits the rows at `positions` of `spans` (every one in the file: `starts >= 0`), as
 * `visit(k, row)` for `positions[k]`, in file order, each parsed just before its visit, so a
 * caller that keeps nothing of a row leaves it to the young generation. Rows close together are
 * read by one call, up to SPAN_BYTES. CorruptStoreError for a damaged line or a shortened file.
 */
export async function eachRowInFile(
  fs: FsLayer,
  file: RowFile,
  collection: CollectionName,
  spans: RowSpans,
  positions: readonly number[],
  visit: (k: number, row: Stored) => void,
): Promise<void> {
  const order = positions.map((_, k) => k).sort((a, b) => spans.starts[positions[a]!]! - spans.starts[positions[b]!]!);
  for (let i = 0; i < order.length; ) {
    const first = positions[order[i]!]!;
    const from = spans.starts[first]!;
    let j = i + 1;
    let end = from + spans.lengths[first]!;
    for (; j < order.length; j++) {
      const p = positions[order[j]!]!;
      const stop = spans.starts[p]! + spans.lengths[p]!;
      if (spans.starts[p]! - end > SPAN_GAP || stop - from > SPAN_BYTES) break;
      end = Math.max(end, stop);
    }
    const buffer = Buffer.allocUnsafe(end - from);
    if ((await readAt(fs, file.fd, buffer, from)) < buffer.length) throw new CorruptStoreError(file.path, "is shorter than when it was opened");
    for (; i < j; i++) {
      const p = positions[order[i]!]!;
      const offset = spans.starts[p]! - from;
      visit(order[i]!, parseRow(collection, buffer.toString("utf8", offset, offset + spans.lengths[p]!), spans.ids[p]!, file.path, spans.lines[p]!));
    }
  }
}

/** Rows hashed per read while digests are built. */
const HASH_PAGE = 1000;

/**
 * Writes into `out[p]` the digest hash (`digest.ts`) of each row of `spans` that is in the file;
 * a row not in the file (`starts < 0`) is left for the caller.
 */
export async function hashRowsInFile(fs: FsLayer, file: RowFile, collection: CollectionName, spans: RowSpans, out: BigInt64Array): Promise<void> {
  const to = spans.ids.length;
  for (let page = 0; page < to; page += HASH_PAGE) {
    const positions: number[] = [];
    for (let p = page; p < Math.min(to, page + HASH_PAGE); p++) if (spans.starts[p]! >= 0) positions.push(p);
    await eachRowInFile(fs, file, collection, spans, positions, (k, row) => (out[positions[k]!] = rowHash(collection, row)));
  }
}

/** A row's snapshot line, parsed and checked, its derived fields restored (what a backend's scan returns). */
export function parseRow(collection: CollectionName, text: string, id: string, path: string, line: number): Stored {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CorruptStoreError(path, `does not parse as JSON (${(cause as Error).message})`, { line, cause });
  }
  if (!isStoredRow(value) || value.id !== id) throw new CorruptStoreError(path, "is not a valid row", { line });
  return restoreDerived(collection, value);
}
