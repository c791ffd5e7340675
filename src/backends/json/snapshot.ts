import { join } from "node:path";
import type { Stored } from "../../backend.js";
import type { Engine } from "../../engine/engine.js";
import type { CollectionName } from "../../model/rows.js";
import { createFile, tempName, writeAll } from "./durable.js";
import { CorruptStoreError } from "./errors.js";
import type { FsLayer } from "./fs.js";
import {
  decodeSnapshotHeader,
  encodeSnapshotHeader,
  encodeSnapshotTrailer,
  isSnapshotTrailer,
  isStoredRow,
  snapshotName,
  type SnapshotRef,
} from "./format.js";
import { scanLineBytes } from "./lines.js";

/**
 * Snapshots, streamed one row per line: a header line, the rows in changeSeq order (so a reload
 * rebuilds the change order that `scan({ changedSince })` walks), and a trailer that proves the
 * file is complete. Written through a bounded buffer, read line by line: no step holds more
 * than one buffer of text, whatever the data size.
 */

/** Bytes buffered before each write while streaming a snapshot out. */
const WRITE_CHUNK = 1 << 20;

/**
 * Writes the snapshot of `collection` for `generation` to a temp file, fsyncs it and renames it
 * into place (the caller fsyncs the directory once for all files). `aborted` is polled between
 * chunks so closing the store does not wait for a large snapshot.
 */
export async function writeSnapshot(
  fs: FsLayer,
  dir: string,
  generation: number,
  collection: CollectionName,
  rows: readonly Stored[],
  aborted: () => boolean,
  point: (name: string) => void,
): Promise<SnapshotRef> {
  const file = snapshotName(generation, collection);
  const tmp = join(dir, tempName(file));
  const fd = await createFile(fs, tmp);
  let bytes = 0;
  try {
    let parts: string[] = [encodeSnapshotHeader({ collection, generation, rows: rows.length })];
    let size = 0;
    const flush = async () => {
      const data = Buffer.from(parts.join(""), "utf8");
      parts = [];
      size = 0;
      bytes += data.length;
      await writeAll(fs, fd, data);
    };
    for (const row of rows) {
      const line = `${JSON.stringify(row)}\n`;
      parts.push(line);
      size += line.length;
      if (size >= WRITE_CHUNK) {
        await flush();
        if (aborted()) throw new Error("compaction aborted: the store is closing");
      }
    }
    parts.push(encodeSnapshotTrailer(rows.length));
    await flush();
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  point("compaction:snapshot-written");
  await fs.rename(tmp, join(dir, file));
  return { file, rows: rows.length, bytes };
}

/** A snapshot file named by the manifest, open for reading. */
export interface OpenSnapshot {
  collection: CollectionName;
  fd: number;
  path: string;
  ref: SnapshotRef;
  generation: number;
}

/** What a line after a snapshot's header was. */
export type SnapshotLine = "row" | "trailer";

/** Throws the CorruptStoreError of a snapshot file, naming the line when one is at fault. */
export type FailSnapshot = (problem: string, line?: number) => never;

/**
 * Walks the snapshot `file` line by line: checks its header against the manifest, hands every
 * further line to `onLine` (its bytes, a view valid during the call), which says whether it was
 * a row or the trailer and fails through `fail` on anything else, then checks that the trailer
 * ends the file and that the row count is the manifest's. Anything but a complete, well-formed
 * file is a CorruptStoreError naming it: a snapshot is never partly trusted.
 */
export async function walkSnapshot(
  fs: FsLayer,
  file: OpenSnapshot,
  maxLineBytes: number,
  onLine: (bytes: Buffer, line: number, start: number, end: number, fail: FailSnapshot) => SnapshotLine,
): Promise<void> {
  const { path, ref } = file;
  let header = false;
  let rows = 0;
  let trailer = false;
  const fail: FailSnapshot = (problem, line) => {
    throw new CorruptStoreError(path, problem, line === undefined ? {} : { line });
  };
  const done = await scanLineBytes(fs, file.fd, { maxLineBytes, onTooLong: (line) => fail(`line longer than ${maxLineBytes} bytes`, line) }, (bytes, line, start, end) => {
    if (trailer) fail("data after the trailer", line);
    if (!header) {
      const h = decodeSnapshotHeader(bytes.toString("utf8"));
      if (typeof h === "string") fail(h, line);
      const ok = h as Exclude<typeof h, string>;
      if (ok.collection !== file.collection || ok.generation !== file.generation || ok.rows !== ref.rows) {
        fail("header does not match the manifest", line);
      }
      header = true;
      return;
    }
    if (onLine(bytes, line, start, end, fail) === "trailer") trailer = true;
    else rows++;
  });
  if (done.partial > 0 || !trailer) fail("is cut short (no trailer): the file is incomplete");
  if (rows !== ref.rows) fail(`holds ${rows} rows, the manifest says ${ref.rows}`);
}

/** A line of a snapshot of `rows` rows parsed: a stored row, or "trailer"; anything else fails. */
export function parseSnapshotLine(text: string, rows: number, line: number, fail: FailSnapshot): Stored | "trailer" {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return fail(`does not parse as JSON (${(cause as Error).message})`, line);
  }
  if (isSnapshotTrailer(value, rows)) return "trailer";
  if (!isStoredRow(value)) return fail("is not a valid row", line);
  return value;
}

/** Loads the snapshot `file` into `engine` (see {@link walkSnapshot} for what is checked). */
export async function readSnapshot(fs: FsLayer, file: OpenSnapshot, engine: Engine, maxLineBytes: number): Promise<void> {
  const table = engine.tables.get(file.collection)!;
  await walkSnapshot(fs, file, maxLineBytes, (bytes, line, _start, _end, fail) => {
    const row = parseSnapshotLine(bytes.toString("utf8"), file.ref.rows, line, fail);
    if (row === "trailer") return "trailer";
    if (table.rows.has(row.id)) fail(`repeats id ${row.id}`, line);
    engine.load(file.collection, row);
    return "row";
  });
}
