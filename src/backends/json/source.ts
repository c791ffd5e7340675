import type { DigestRange, RangeDigest, RowSource, Stored } from "../../backend.js";
import { digestSorted, rowHash } from "../../digest.js";
import { Engine } from "../../engine/engine.js";
import { BackendError, ClosedError, ValidationError } from "../../errors.js";
import { COLLECTION_NAMES, checkCollection } from "../../model/collections.js";
import { upperBound } from "../../model/ids.js";
import type { CollectionName, RowTypes } from "../../model/rows.js";
import { CorruptStoreError } from "./errors.js";
import { type FsLayer, realFs } from "./fs.js";
import { type HashThreading, hashRowsInThreads } from "./hash-threads.js";
import { loadStore } from "./load.js";
import { JSON_DEFAULTS, JSON_SOURCE_DEFAULTS, MAX_LINE_BYTES } from "./options.js";
import { eachRowInFile } from "./row-reader.js";
import { indexSnapshot, type SnapshotIndex } from "./snapshot-index.js";
import type { OpenSnapshot } from "./snapshot.js";

/** Options of {@link jsonFileSource}. */
export interface JsonFileSourceOptions {
  /** The store directory. */
  dir: string;
  /** File-system layer (tests inject faults); default: node:fs. A layer other than node:fs is read on this thread only. */
  fs?: FsLayer;
  /**
   * Worker threads that hash rows beside this one when compare digests a large collection
   * (default {@link JSON_SOURCE_DEFAULTS}: one fewer than the cores, at most 3); 0 hashes on this
   * thread only. The hashes are the same either way.
   */
  hashThreads?: number;
  /** Rows each thread must get at least for a worker to be started (default {@link JSON_SOURCE_DEFAULTS}: 100,000). */
  minRowsPerHashThread?: number;
}

/** A {@link RowSource} over a JSON-file store directory: see {@link jsonFileSource}. */
export interface JsonFileSource extends RowSource {
  /** The store directory. */
  readonly dir: string;
  /** Resolves once the directory is indexed; every call waits for it. Surfaces CorruptStoreError early. */
  ready(): Promise<void>;
}

/**
 * Where one collection's rows are, in id order: a row of a snapshot has its byte range there; a
 * row the log wrote since (or a legacy file held) is kept in memory, in `engine`.
 */
interface Located {
  ids: string[];
  /** Byte offset of the row's snapshot line, or -1 for a row held in memory. */
  starts: Float64Array;
  lengths: Uint32Array;
  lines: Uint32Array;
  live: number;
  file: OpenSnapshot | null;
  /** Row hashes in id order, computed on the first digest. */
  hashes?: Promise<BigInt64Array>;
}

/**
 * A read-only {@link RowSource} over a JSON-file store directory that leaves the rows on disk:
 * opening indexes the snapshots (an id, a byte range and a line number per row) and keeps only
 * the rows the log wrote since the last compaction in memory; a page is read back from the
 * snapshot files, parsed and checked when it is asked for. So backfill and compare of a store of
 * any size hold about one page of rows, where a {@link jsonFileBackend} would hold them all.
 * The journal-store-backfill CLI reads a JSON source this way.
 *
 * Like a `readOnly` backend it takes no lock, so it reads a running app's directory, and it sees
 * the store as it was when it opened: the files it read stay open (and readable, even once a
 * compaction replaces them) until `close()`. A row is checked when it is read: a damaged line
 * fails that read with CorruptStoreError naming the file and line. A directory of legacy arrays
 * is read whole into memory.
 *
 * @example
 * ```ts
 * const source = jsonFileSource({ dir: "./data" });
 * const report = await backfill({ source, target: postgresBackend({ connectionString }) });
 * await source.close();
 * ```
 */
export function jsonFileSource(options: JsonFileSourceOptions): JsonFileSource {
  const dir = options?.dir;
  if (typeof dir !== "string" || dir.length === 0 || dir.includes("\0")) {
    throw new ValidationError("jsonFileSource options", [{ path: "dir", message: "must be a non-empty path" }]);
  }
  const fs = options.fs ?? realFs;
  const threading: HashThreading = {
    threads: fs === realFs ? count(options, "hashThreads", 0) : 0,
    minRowsPerThread: count(options, "minRowsPerHashThread", 1),
    live: new Set(),
  };
  // Holds the rows the log wrote since the snapshot (and a legacy directory's); never written.
  const engine = new Engine({ name: "json", persist: () => Promise.reject(new BackendError("json", "a jsonFileSource never writes")) });
  let files: OpenSnapshot[] = [];
  let closed = false;
  const indexes = new Map<CollectionName, SnapshotIndex>();
  const purged = new Map<CollectionName, Set<string>>();
  const located = new Map<CollectionName, Located>();

  const opening = (async () => {
    await loadStore(
      fs,
      dir,
      {
        engine,
        snapshot: async (s) => void indexes.set(s.collection, await indexSnapshot(fs, s, MAX_LINE_BYTES)),
        purged: (c, id) => void (purged.get(c) ?? purged.set(c, new Set()).get(c)!).add(id),
        reset: () => (indexes.clear(), purged.clear()),
        keep: (kept) => void (files = [...kept]),
      },
      { readOnly: true, maxLineBytes: MAX_LINE_BYTES, maxRowBytes: JSON_DEFAULTS.maxRowBytes },
    );
    for (const collection of COLLECTION_NAMES) {
      located.set(collection, locate(collection, indexes.get(collection), engine, purged.get(collection), files.find((f) => f.collection === collection) ?? null));
    }
    indexes.clear();
    purged.clear();
  })();
  opening.catch(() => {});

  const open = async (collection: string): Promise<Located> => {
    checkCollection(collection);
    await opening;
    if (closed) throw new ClosedError("json file source");
    return located.get(collection as CollectionName)!;
  };

  /** The rows at `positions` of `at`, in that order: held ones from memory, the others read from the file. */
  const rowsAt = async (collection: CollectionName, at: Located, positions: readonly number[]): Promise<Stored[]> => {
    const out: Stored[] = new Array(positions.length);
    const onDisk: number[] = [];
    positions.forEach((p, k) => {
      if (at.starts[p]! >= 0) onDisk.push(k);
      else out[k] = engine.get(collection, at.ids[p]!)!;
    });
    if (onDisk.length > 0) {
      await eachRowInFile(fs, at.file!, collection, at, onDisk.map((k) => positions[k]!), (i, row) => (out[onDisk[i]!] = row));
    }
    return out;
  };

  // Hashes in place of ScannedDigests over `scan`, which keeps a second copy of every id and
  // pages by id: measured slower (a 100k-entry CLI compare 4.5 s against 3.3 s, 1M peaking at
  // 440-460 MB against 360 MB).
  const hashesOf = (collection: CollectionName, at: Located): Promise<BigInt64Array> =>
    (at.hashes ??= (async () => {
      const hashes = at.file ? await hashRowsInThreads(fs, collection, at.file, at, threading) : new BigInt64Array(at.ids.length);
      for (let p = 0; p < at.ids.length; p++) {
        if (at.starts[p]! < 0) hashes[p] = rowHash(collection, engine.get(collection, at.ids[p]!)!);
      }
      return hashes;
    })());

  return {
    name: "json",
    dir,
    ready: () => opening,
    async scan<C extends CollectionName>(collection: C, options: { afterId?: string | null; limit: number }) {
      const at = await open(collection);
      if ((options as { changedSince?: unknown }).changedSince !== undefined) {
        throw new ValidationError("scan", [{ path: "changedSince", message: "a JSON file source walks in id order only (afterId)" }]);
      }
      const from = options.afterId ? upperBound(at.ids, options.afterId) : 0;
      const stop = Math.min(at.ids.length, from + Math.max(0, Math.floor(options.limit)));
      const positions = Array.from({ length: Math.max(0, stop - from) }, (_, k) => from + k);
      return (await rowsAt(collection, at, positions)) as unknown as Stored<RowTypes[C]>[];
    },
    async getMany<C extends CollectionName>(collection: C, ids: readonly string[]) {
      const at = await open(collection);
      const found: number[] = [];
      const where: number[] = [];
      ids.forEach((id, k) => {
        const p = upperBound(at.ids, id) - 1;
        if (p >= 0 && at.ids[p] === id) (found.push(p), where.push(k));
      });
      const rows = await rowsAt(collection, at, found);
      const out: (Stored<RowTypes[C]> | null)[] = ids.map(() => null);
      where.forEach((k, i) => (out[k] = rows[i] as unknown as Stored<RowTypes[C]>));
      return out;
    },
    async count(collection) {
      return (await open(collection)).live;
    },
    async digest(collection: CollectionName, range: DigestRange): Promise<RangeDigest[]> {
      const at = await open(collection);
      const hashes = await hashesOf(collection, at);
      return digestSorted(collection, range, at.ids, (i) => hashes[i]!);
    },
    async close() {
      await opening.catch(() => {});
      if (closed) return;
      closed = true;
      for (const worker of [...threading.live]) worker.stop();
      await Promise.all(files.map((f) => fs.close(f.fd).catch(() => {})));
      located.clear();
    },
  };
}

/** A whole-number option, at least `least`, or its default; ValidationError naming it otherwise. */
function count(options: JsonFileSourceOptions, name: keyof typeof JSON_SOURCE_DEFAULTS, least: number): number {
  const value = options[name] ?? JSON_SOURCE_DEFAULTS[name];
  if (!Number.isSafeInteger(value) || value < least) {
    throw new ValidationError("jsonFileSource options", [{ path: name, message: `must be an integer >= ${least}` }]);
  }
  return value;
}

/**
 * One collection's rows in id order: the snapshot's, less those the log wrote again or purged,
 * merged with the rows in memory. CorruptStoreError for an id the snapshot repeats.
 */
function locate(collection: CollectionName, index: SnapshotIndex | undefined, engine: Engine, purged: Set<string> | undefined, file: OpenSnapshot | null): Located {
  const table = engine.tables.get(collection)!;
  const kept: number[] = [];
  let sorted = true;
  if (index) {
    for (let i = 0; i < index.ids.length; i++) {
      const id = index.ids[i]!;
      if (table.rows.has(id) || purged?.has(id)) continue;
      if (kept.length > 0 && index.ids[kept[kept.length - 1]!]! >= id) sorted = false;
      kept.push(i);
    }
    // Strictly ascending already (as compaction writes them) means no id repeats; otherwise sort and look.
    if (!sorted) {
      kept.sort((a, b) => (index.ids[a]! < index.ids[b]! ? -1 : index.ids[a]! > index.ids[b]! ? 1 : 0));
      for (let k = 1; k < kept.length; k++) {
        if (index.ids[kept[k]!] === index.ids[kept[k - 1]!]) throw new CorruptStoreError(file!.path, `repeats id ${index.ids[kept[k]!]}`, { line: index.lines[kept[k]!]! });
      }
    }
  }
  const held = table.idsInOrder();
  const n = kept.length + held.length;
  const at: Located = { ids: new Array(n), starts: new Float64Array(n), lengths: new Uint32Array(n), lines: new Uint32Array(n), live: 0, file };
  let a = 0;
  let b = 0;
  for (let k = 0; k < n; k++) {
    if (b >= held.length || (a < kept.length && index!.ids[kept[a]!]! < held[b]!)) {
      const i = kept[a++]!;
      at.ids[k] = index!.ids[i]!;
      at.starts[k] = index!.starts[i]!;
      at.lengths[k] = index!.lengths[i]!;
      at.lines[k] = index!.lines[i]!;
      if (!index!.deleted[i]) at.live++;
    } else {
      const id = held[b++]!;
      at.ids[k] = id;
      at.starts[k] = -1;
      if (!table.rows.get(id)!.deleted) at.live++;
    }
  }
  return at;
}
