import { join } from "node:path";
import type { Engine } from "../../engine/engine.js";
import { BackendError } from "../../errors.js";
import { Table } from "../../engine/table.js";
import { COLLECTION_NAMES, specOf } from "../../model/collections.js";
import type { CollectionName } from "../../model/rows.js";
import { readSmallFile } from "./durable.js";
import { CorruptStoreError } from "./errors.js";
import { errorCode, FLAGS, type FsLayer } from "./fs.js";
import { classify, decodeManifest, MANIFEST, type Manifest } from "./format.js";
import { importLegacy } from "./legacy.js";
import { chainOf, openSegment, readHeader, replayChain, type SegmentFile } from "./segments.js";
import { type OpenSnapshot, readSnapshot } from "./snapshot.js";

/**
 * Opening a store directory: manifest, then its snapshots, then the log chain, into an engine.
 * Every file is opened before any is read, so a read-only reader racing a compaction either holds
 * all the files of one manifest (an unlinked file stays readable while open) or retries.
 */

/** What loading found, for the writer to continue from. */
export interface LoadedState {
  /** The manifest, or null for a new or legacy directory (converted on the first write). */
  manifest: Manifest | null;
  /** True when legacy arrays were imported. */
  legacy: boolean;
  lastTx: number;
  /** Where the next log segment continues from. */
  tail: { segment: number; end: number } | null;
  /** The next unused segment number. */
  nextSegment: number;
  /** Bytes of log since the snapshot, and of the snapshot (for auto-compaction). */
  logBytes: number;
  snapshotBytes: number;
  /** Segment files since the snapshot. */
  segments: number;
}

/** Thrown inside a load when the files changed under a reader (a compaction ran, a segment was being created): retry. */
class Vanished extends Error {}

/** Options of {@link loadStore}. */
export interface LoadOptions {
  readOnly: boolean;
  maxLineBytes: number;
  maxRowBytes: number;
}

/**
 * Where loading puts what it reads. The engine takes the log's changes and legacy files, and the
 * snapshots too unless `snapshot` takes them: an open store holds every row in its engine, a
 * {@link jsonFileSource} only the log's, indexing its snapshots where they lie on disk.
 */
export interface LoadTarget {
  readonly engine: Engine;
  /** Reads one snapshot (default: every row into the engine). */
  snapshot?(file: OpenSnapshot): Promise<void>;
  /** Told of each purge the log replays, after the engine forgot the row. */
  purged?(collection: CollectionName, id: string): void;
  /** Forgets what an attempt loaded before the load starts over (the engine's tables are reset here). */
  reset?(): void;
  /**
   * Keeps the snapshot files of the successful attempt open and hands them over (the receiver
   * closes them): they stay readable while open, even after a compaction removes them.
   */
  keep?(files: readonly OpenSnapshot[]): void;
}

/** Loads `dir` into `into` (whose engine must be empty). */
export async function loadStore(fs: FsLayer, dir: string, into: Engine | LoadTarget, options: LoadOptions): Promise<LoadedState> {
  const target: LoadTarget = "engine" in into ? into : { engine: into };
  for (let attempt = 1; ; attempt++) {
    try {
      return await loadOnce(fs, dir, target, options);
    } catch (error) {
      // A reader beside a live writer can also catch a group half-written in the page cache,
      // which reads like a damaged line: it starts over a few times before reporting corruption.
      const retry = error instanceof Vanished || (options.readOnly && error instanceof CorruptStoreError && attempt < 5);
      if (!retry || attempt >= 20) {
        if (error instanceof Vanished) throw new BackendError("json", `${dir} kept changing while it was read; try again`);
        throw error;
      }
      for (const name of COLLECTION_NAMES) target.engine.tables.set(name, new Table(specOf(name)));
      target.reset?.();
      await new Promise((r) => setTimeout(r, attempt * 5));
    }
  }
}

async function loadOnce(fs: FsLayer, dir: string, target: LoadTarget, options: LoadOptions): Promise<LoadedState> {
  const { engine } = target;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if (errorCode(error) === "ENOENT") throw new BackendError("json", `store directory ${dir} does not exist`, { cause: error });
    throw error;
  }
  const kinds = names.map(classify);
  const manifestPath = join(dir, MANIFEST);
  const text = await readSmallFile(fs, manifestPath, 1 << 20);
  if (text === null) return loadUnmanaged(fs, dir, engine, kinds, manifestPath, options);
  if (text.tooLarge) throw new CorruptStoreError(manifestPath, "is larger than a manifest can be");
  const manifest = decodeManifest(text.text);
  if (typeof manifest === "string") throw new CorruptStoreError(manifestPath, manifest);

  const fds: number[] = [];
  const open = async (path: string) => {
    try {
      const fd = await fs.open(path, FLAGS.read, 0);
      fds.push(fd);
      return fd;
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      if (options.readOnly) throw new Vanished();
      throw new CorruptStoreError(path, "is named by the manifest (or the log chain) but missing", { cause: error });
    }
  };
  try {
    const snapshots: OpenSnapshot[] = [];
    for (const collection of COLLECTION_NAMES) {
      const ref = manifest.snapshots[collection];
      if (!ref) continue;
      const path = join(dir, ref.file);
      snapshots.push({ collection, fd: await open(path), path, ref, generation: manifest.generation });
    }
    const numbers = kinds.flatMap((k) => (k.kind === "segment" ? [k.number] : [])).sort((a, b) => a - b);
    const segments: SegmentFile[] = [];
    for (const n of numbers) if (n >= manifest.generation) segments.push(await openSegment(fs, dir, n, open));

    // The chain first: a reader beside a live writer may catch a segment while its header is
    // being written, and must be able to start over before anything is loaded.
    for (const seg of segments) await readHeader(fs, seg);
    const offChain = options.readOnly ? () => { throw new Vanished(); } : undefined;
    const chain = await chainOf(fs, segments, manifest.generation, options.maxLineBytes, offChain);
    let snapshotBytes = 0;
    for (const s of snapshots) {
      if (target.snapshot) await target.snapshot(s);
      else await readSnapshot(fs, s, engine, options.maxLineBytes);
      snapshotBytes += s.ref.bytes;
    }
    engine.restoreSeq(manifest.seq);
    const purged = target.purged;
    const replayInto = purged ? { load: engine.load.bind(engine), unload: (c: CollectionName, id: string) => (engine.unload(c, id), purged(c, id)) } : engine;
    const replay = await replayChain(fs, chain, replayInto, manifest.tx, options.maxLineBytes);
    engine.restoreSeq(replay.seq);
    if (target.keep) {
      // Handed over, so not closed below.
      for (const s of snapshots) fds.splice(fds.indexOf(s.fd), 1);
      target.keep(snapshots);
    }
    return {
      manifest,
      legacy: false,
      lastTx: replay.lastTx,
      tail: replay.tail,
      nextSegment: Math.max(manifest.generation - 1, ...numbers) + 1,
      logBytes: replay.bytes,
      snapshotBytes,
      segments: segments.length,
    };
  } finally {
    for (const fd of fds) await fs.close(fd).catch(() => {});
  }
}

/** A directory without a manifest: empty, legacy arrays, or damaged (never treated as empty). */
async function loadUnmanaged(
  fs: FsLayer,
  dir: string,
  engine: Engine,
  kinds: ReturnType<typeof classify>[],
  manifestPath: string,
  options: LoadOptions,
): Promise<LoadedState> {
  const legacy = kinds.flatMap((k) => (k.kind === "legacy" ? [k.collection] : []));
  // Segments only ever follow a manifest. Snapshots without one are left by an interrupted
  // conversion of legacy files (which are then still the truth), or the manifest was lost.
  if (kinds.some((k) => k.kind === "segment" || (k.kind === "snapshot" && legacy.length === 0))) {
    throw new CorruptStoreError(manifestPath, "is missing, but log segments or snapshots exist; refusing to open them as an empty store");
  }
  const ordered = COLLECTION_NAMES.filter((c) => legacy.includes(c));
  if (ordered.length > 0) await importLegacy(fs, dir, ordered, engine, options.maxRowBytes);
  return { manifest: null, legacy: ordered.length > 0, lastTx: 0, tail: null, nextSegment: 1, logBytes: 0, snapshotBytes: 0, segments: 0 };
}
