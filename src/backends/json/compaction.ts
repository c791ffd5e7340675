import { join } from "node:path";
import type { Stored } from "../../backend.js";
import type { Engine } from "../../engine/engine.js";
import { COLLECTION_NAMES } from "../../model/collections.js";
import type { CollectionName } from "../../model/rows.js";
import { fsyncDir, replaceFile } from "./durable.js";
import type { FsLayer } from "./fs.js";
import { classify, encodeManifest, MANIFEST, type Manifest, type SnapshotRef } from "./format.js";
import { writeSnapshot } from "./snapshot.js";

/**
 * Compaction: fold the log into a new snapshot generation, crash-safe at every step.
 *
 * 1. Under the engine's write lock, once every staged commit is durable, the log rotates to a new
 *    segment (number G) and the committed rows are captured: references only, rows are never
 *    mutated in place, so writers resume at once and keep appending to segment G.
 * 2. Each collection is streamed to `snapshot-G-<collection>.jsonl` (temp file, fsync, rename),
 *    then the directory is fsynced.
 * 3. The manifest is replaced (temp, fsync, rename, directory fsync): from that instant the store
 *    is snapshot G plus segments G and up.
 * 4. Segments before G and snapshots of other generations are removed.
 *
 * A crash before step 3 leaves the old manifest, whose files are all still there (new files are
 * orphans, removed next time); after it, the new one. The same procedure converts a new or
 * legacy directory on its first write (generation 1).
 */

/** What step 1 captured. */
export interface Capture {
  generation: number;
  /** Last transaction the snapshot holds. */
  tx: number;
  seq: number;
  rows: Map<CollectionName, Stored[]>;
}

/** The committed rows of every collection, in changeSeq order (references, not copies). */
export function captureRows(engine: Engine): Map<CollectionName, Stored[]> {
  const rows = new Map<CollectionName, Stored[]>();
  for (const name of COLLECTION_NAMES) rows.set(name, [...engine.tables.get(name)!.inChangeOrder()]);
  return rows;
}

/** Steps 2 and 3: writes the snapshot files and the manifest of `capture`. */
export async function writeGeneration(
  fs: FsLayer,
  dir: string,
  capture: Capture,
  aborted: () => boolean,
  point: (name: string) => void,
): Promise<Manifest> {
  const snapshots: Partial<Record<CollectionName, SnapshotRef>> = {};
  for (const name of COLLECTION_NAMES) {
    const rows = capture.rows.get(name) ?? [];
    if (rows.length === 0) continue;
    snapshots[name] = await writeSnapshot(fs, dir, capture.generation, name, rows, aborted, point);
  }
  point("compaction:snapshots-renamed");
  await fsyncDir(fs, dir);
  point("compaction:snapshots-durable");
  const manifest: Omit<Manifest, "format" | "version"> = {
    generation: capture.generation,
    tx: capture.tx,
    seq: capture.seq,
    snapshots,
    writtenAt: new Date().toISOString(),
  };
  if (aborted()) throw new Error("compaction aborted: the store is closing");
  await replaceFile(fs, dir, MANIFEST, Buffer.from(encodeManifest(manifest), "utf8"), (w) => point(`compaction:manifest-${w}`));
  point("compaction:manifest-durable");
  return { format: "journal-store", version: 1, ...manifest };
}

/**
 * Step 4: removes what `manifest` no longer needs: older segments, other generations' snapshots,
 * and left-over temp files. Failures are reported after trying every file.
 */
export async function removeObsolete(fs: FsLayer, dir: string, manifest: Manifest): Promise<void> {
  let firstError: unknown = null;
  for (const name of await fs.readdir(dir)) {
    const k = classify(name);
    const obsolete =
      (k.kind === "segment" && k.number < manifest.generation) ||
      (k.kind === "snapshot" && k.generation !== manifest.generation) ||
      (k.kind === "tmp" && !name.startsWith("writer.lock"));
    if (!obsolete) continue;
    try {
      await fs.unlink(join(dir, name));
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError) throw firstError;
  await fsyncDir(fs, dir);
}
