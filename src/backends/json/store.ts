import type { CommitSet } from "../../engine/engine.js";
import { Engine } from "../../engine/engine.js";
import { BackendError, ClosedError, JournalStoreError } from "../../errors.js";
import { captureRows, removeObsolete, writeGeneration } from "./compaction.js";
import { ensureStoreDir } from "./durable.js";
import { acquireLock, type DirLock } from "./lock.js";
import { loadStore } from "./load.js";
import { ioError, LogWriter } from "./log.js";
import { MAX_LINE_BYTES, type ResolvedOptions } from "./options.js";
import type { Manifest } from "./format.js";

/** Segments since the snapshot that trigger a compaction even when the log is small (each open starts one). */
const MAX_SEGMENTS = 1000;

/**
 * The JSON-file store's lifecycle around one {@link Engine}: open (lock, load), persist (the log),
 * compaction (manual and in the background) and close. The Backend in `index.ts` is a thin
 * wrapper that waits for `open` before every call.
 */
export class JsonStore {
  /** The engine holding the rows; its persist hook is this store's log. */
  readonly engine: Engine;
  private log: LogWriter | null = null;
  private lock: DirLock | null = null;
  private manifest: Manifest | null = null;
  private snapshotBytes = 0;
  private compaction: Promise<void> | null = null;
  /** Whether the running compaction has taken its rows: a later caller's writes are not in it. */
  private captured = false;
  /** The compaction that runs after the current one for callers it does not cover. */
  private nextCompaction: Promise<void> | null = null;
  private nextAutoCompactBytes = 0;
  private closing = false;

  constructor(private readonly o: ResolvedOptions) {
    this.engine = new Engine({ name: "json", persist: (commit) => this.persist(commit) });
  }

  /** Takes the lock (writers) and loads the directory. */
  async open(): Promise<void> {
    const { fs, dir } = this.o;
    try {
      if (!this.o.readOnly) {
        await ensureStoreDir(fs, dir);
        this.lock = await acquireLock(fs, dir);
      }
      const state = await loadStore(fs, dir, this.engine, {
        readOnly: this.o.readOnly,
        maxLineBytes: MAX_LINE_BYTES,
        maxRowBytes: this.o.maxRowBytes,
      });
      this.manifest = state.manifest;
      this.snapshotBytes = state.snapshotBytes;
      if (this.o.readOnly) return;
      const log = new LogWriter(fs, dir, this.engine, this.o, this.o.onPoint, {
        lastTx: state.lastTx,
        tail: state.tail,
        nextSegment: state.nextSegment,
        bytes: state.logBytes,
        segments: state.segments,
      }, this.o.segmentBytes);
      if (!this.manifest) log.beforeFirstWrite = (firstTx) => this.initialise(firstTx);
      log.onFlushed = () => this.maybeCompact();
      this.log = log;
    } catch (error) {
      await this.lock?.release().catch(() => {});
      this.lock = null;
      throw error instanceof JournalStoreError ? error : ioError(`could not open ${dir}`, error);
    }
  }

  private persist(commit: CommitSet): Promise<void> {
    if (!this.log) return Promise.reject(new BackendError("json", `${this.o.dir} was opened with readOnly: true; writes are rejected`));
    return this.log.persist(commit);
  }

  /**
   * The first write to a new or legacy directory: its current rows (nothing is applied before the
   * first write is durable) become snapshot generation 1, then the log starts.
   */
  private async initialise(firstTx: number): Promise<void> {
    const rows = captureRows(this.engine);
    let seq = 0;
    for (const list of rows.values()) for (const row of list) if (row.changeSeq > seq) seq = row.changeSeq;
    const generation = await this.log!.rotate();
    await this.install({ generation, tx: firstTx - 1, seq, rows });
  }

  /**
   * Writes a fresh snapshot, then drops the log it covers: once it resolves, every write
   * acknowledged before the call is in a snapshot. Joins a compaction already running when that
   * one has not taken its rows yet; otherwise runs one more after it (callers meanwhile share it).
   */
  compact(): Promise<void> {
    if (this.closing) return Promise.reject(new ClosedError("json backend"));
    if (!this.log) return Promise.reject(new BackendError("json", `${this.o.dir} was opened with readOnly: true; it cannot compact`));
    if (!this.compaction) {
      this.captured = false;
      this.compaction = this.runCompaction().finally(() => (this.compaction = null));
      return this.compaction;
    }
    if (!this.captured) return this.compaction;
    this.nextCompaction ??= this.compaction
      .catch(() => {})
      .then(() => {
        this.nextCompaction = null;
        return this.compact();
      });
    return this.nextCompaction;
  }

  private async runCompaction(): Promise<void> {
    const log = this.log!;
    const capture = await this.engine.exclusive(async () => {
      await this.engine.drained();
      if (this.closing) throw new ClosedError("json backend");
      const generation = await log.rotate();
      log.beforeFirstWrite = null;
      const rows = captureRows(this.engine);
      this.captured = true;
      this.o.onPoint("compaction:captured");
      return { generation, tx: log.lastTx, seq: this.engine.changeSeq, rows };
    });
    try {
      await this.install(capture);
    } catch (error) {
      if (!this.manifest) log.beforeFirstWrite = (firstTx) => this.initialise(firstTx);
      throw error;
    }
  }

  private async install(capture: Parameters<typeof writeGeneration>[2]): Promise<void> {
    const { fs, dir } = this.o;
    try {
      const manifest = await writeGeneration(fs, dir, capture, () => this.closing, this.o.onPoint);
      this.manifest = manifest;
      this.snapshotBytes = Object.values(manifest.snapshots).reduce((n, ref) => n + (ref?.bytes ?? 0), 0);
      await removeObsolete(fs, dir, manifest);
      this.o.onPoint("compaction:obsolete-removed");
    } catch (error) {
      throw error instanceof JournalStoreError ? error : ioError("compaction failed; the store is unchanged and keeps working", error);
    }
  }

  /** Starts a background compaction once the log outgrows the snapshot. */
  private maybeCompact(): void {
    const log = this.log;
    if (!log || !this.o.autoCompact || this.compaction || this.closing || !this.manifest) return;
    const threshold = Math.max(this.o.compactLogBytes, this.snapshotBytes, this.nextAutoCompactBytes);
    if (log.bytes < threshold && log.segments < MAX_SEGMENTS) return;
    this.compact().then(
      () => (this.nextAutoCompactBytes = 0),
      (error: Error) => {
        this.nextAutoCompactBytes = log.bytes + this.o.compactLogBytes;
        if (!this.closing) this.o.onBackgroundError(error);
      },
    );
  }

  /** Waits for writes in flight, stops compaction, closes the log and releases the lock. */
  async close(): Promise<void> {
    this.closing = true;
    await this.engine.settled();
    await this.compaction?.catch(() => {});
    await this.log?.close();
    await this.lock?.release().catch(() => {});
    this.lock = null;
  }
}
