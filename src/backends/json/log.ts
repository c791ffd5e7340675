import { join } from "node:path";
import type { CommitSet, Engine } from "../../engine/engine.js";
import { BackendError, ClosedError, type JournalStoreError } from "../../errors.js";
import { createFile, fsyncDir, writeAll } from "./durable.js";
import { encodeCommit, closeLine, type SizeLimits } from "./encode.js";
import { errorCode, type FsLayer } from "./fs.js";
import { encodeSegmentHeader, segmentName } from "./format.js";

/**
 * The append-only log with group commit. The engine calls {@link LogWriter.persist} once per
 * committed transaction, in commit order; every call queued while a write is in flight goes out
 * in the next single write + fdatasync, so concurrent writers share one flush and a durable write
 * costs O(1) in the data size.
 *
 * A failed write or fsync fails its whole group and every call queued behind it (the engine rolls
 * them back), and the segment is abandoned for good: after a failed fsync the page cache may have
 * dropped the data while reporting it clean, so nothing is ever retried on that file. The next
 * write starts a fresh segment whose header records where the valid part of the abandoned one ends.
 */

interface Queued {
  tx: number;
  body: Buffer;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface OpenSegment {
  number: number;
  fd: number;
  /** Bytes written and fsynced so far: the valid length. */
  offset: number;
}

/** Where the writer continues: from {@link loadStore}. */
export interface LogStart {
  lastTx: number;
  tail: { segment: number; end: number } | null;
  nextSegment: number;
  bytes: number;
  segments: number;
}

/** Largest single group write; a longer queue goes out in several groups. */
const MAX_GROUP_BYTES = 16 * 1024 * 1024;



/** Appends committed transactions to the current segment; see the file comment. */
export class LogWriter {
  /** Last transaction number handed out. */
  lastTx: number;
  /** Log bytes written since the last snapshot (for auto-compaction). */
  bytes: number;
  /** Segments since the last snapshot. */
  segments: number;
  /** Runs once before the first group is written (converting a new or legacy directory). */
  beforeFirstWrite: ((firstTx: number) => Promise<void>) | null = null;
  /** Called after every successful group. */
  onFlushed: () => void = () => {};

  private segment: OpenSegment | null = null;
  private tail: { segment: number; end: number } | null;
  private nextSegment: number;
  private queue: Queued[] = [];
  private flushing: Promise<void> | null = null;
  /** Set by a failure until the engine has rolled the failed groups back: every call fails meanwhile. */
  private blocked: JournalStoreError | null = null;
  /** True after a failure until a fresh segment seals the abandoned one. */
  private unsealed = false;
  private closed = false;

  constructor(
    private readonly fs: FsLayer,
    private readonly dir: string,
    private readonly engine: Engine,
    private readonly limits: SizeLimits,
    private readonly point: (name: string) => void,
    start: LogStart,
    /**
     * Bytes a new segment is created with (header, then zeros), fsynced once. Appends then
     * overwrite zeros inside the file, so an fdatasync flushes data only, not a new file size and
     * extent map. A group that does not fit starts the next segment. Readers see the zeros as an
     * incomplete last line, which they drop.
     */
    private readonly segmentBytes: number,
  ) {
    this.lastTx = start.lastTx;
    this.tail = start.tail;
    this.nextSegment = start.nextSegment;
    this.bytes = start.bytes;
    this.segments = start.segments;
  }

  /** Makes `commit` durable; the engine's persist hook. */
  persist(commit: CommitSet): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError("json backend"));
    if (this.blocked) return Promise.reject(this.blocked);
    let encoded: { body: Buffer; bytes: number };
    try {
      encoded = encodeCommit(this.lastTx + 1, this.engine.changeSeq, commit, this.limits);
    } catch (error) {
      return Promise.reject(error);
    }
    const tx = ++this.lastTx;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ tx, ...encoded, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** True when nothing is queued or being written. */
  get idle(): boolean {
    return this.flushing === null && this.queue.length === 0;
  }

  /**
   * Ends the current segment at a transaction boundary (call only when idle): the next write
   * starts a new segment. Returns the number that segment will have, the new snapshot generation.
   */
  async rotate(): Promise<number> {
    await this.abandon();
    this.bytes = 0;
    this.segments = 0;
    return this.nextSegment;
  }

  /** Waits for the queue, closes the segment, and seals an abandoned one if it can. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.closed = true;
    await this.abandon();
    if (this.unsealed) {
      // Best effort: a header-only segment marks where the abandoned one's valid part ends.
      try {
        await this.openSegment(this.lastTx + 1);
        await this.abandon();
      } catch {
        // The failed write may reappear on reopen as an unacknowledged transaction; see docs.
      }
    }
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      let size = 0;
      let count = 0;
      while (count < this.queue.length && (count === 0 || size + this.queue[count]!.bytes <= MAX_GROUP_BYTES)) size += this.queue[count++]!.bytes;
      const group = this.queue.splice(0, count);
      try {
        if (this.beforeFirstWrite) {
          await this.beforeFirstWrite(group[0]!.tx);
          this.beforeFirstWrite = null;
        }
        const last = group.length - 1;
        const data = Buffer.concat(group.flatMap((q, i) => [q.body, closeLine(i === last ? group[0]!.tx : undefined)]));
        if (this.segment && this.segment.offset + data.length > this.segmentBytes) await this.abandon();
        if (!this.segment) await this.openSegment(group[0]!.tx);
        const seg = this.segment!;
        await writeAll(this.fs, seg.fd, data, seg.offset);
        this.point("log:written");
        await this.fs.fdatasync(seg.fd);
        seg.offset += data.length;
        this.bytes += data.length;
        for (const q of group) q.resolve();
      } catch (error) {
        this.fail(error, group);
      }
    }
    this.flushing = null;
    this.onFlushed();
  }

  private fail(error: unknown, group: Queued[]): void {
    const failure = ioError("could not make the write durable; it was rolled back", error);
    for (const q of [...group, ...this.queue.splice(0)]) q.reject(failure);
    // Until the engine has rolled these groups back, a commit could still be staged on top of
    // them: refuse everything until then (caughtUp settles once each failed group is dropped).
    this.blocked = failure;
    void this.engine.caughtUp().then(() => {
      if (this.blocked === failure) this.blocked = null;
    });
    if (this.segment) {
      this.unsealed = true;
      void this.abandon();
    }
  }

  /** Stops writing to the current segment (its valid part is `offset` bytes). */
  private async abandon(): Promise<void> {
    const seg = this.segment;
    if (!seg) return;
    this.segment = null;
    this.tail = { segment: seg.number, end: seg.offset };
    await this.fs.close(seg.fd).catch(() => {});
  }

  /** Creates the next segment: header written and fsynced, directory entry fsynced. */
  private async openSegment(firstTx: number): Promise<void> {
    const number = this.nextSegment++;
    const path = join(this.dir, segmentName(number));
    const fd = await createFile(this.fs, path);
    const header = Buffer.from(encodeSegmentHeader({ segment: number, firstTx, prev: this.tail }), "utf8");
    try {
      await writeAll(this.fs, fd, header, 0);
      for (let at = header.length; at < this.segmentBytes; at += ZERO_CHUNK) await writeAll(this.fs, fd, zeros(Math.min(ZERO_CHUNK, this.segmentBytes - at)), at);
      await this.fs.fdatasync(fd);
      this.point("log:segment-written");
      await fsyncDir(this.fs, this.dir);
    } catch (error) {
      await this.fs.close(fd).catch(() => {});
      throw error;
    }
    this.segment = { number, fd, offset: header.length };
    this.segments++;
    this.unsealed = false;
  }
}

/** A new segment is filled with zeros written this many bytes at a time. */
const ZERO_CHUNK = 1024 * 1024;
/** Zero bytes, shared by every writer and never written to: what a new segment is filled with. */
let zeroBytes: Buffer | null = null;

/**
 * `size` (at most {@link ZERO_CHUNK}) zero bytes. One buffer serves every new segment: a new
 * zero-filled buffer per segment (4 MB by default) left tens of MB outside the heap during a
 * bulk write, freed only when the collector got to them.
 */
function zeros(size: number): Buffer {
  zeroBytes ??= Buffer.alloc(ZERO_CHUNK);
  return zeroBytes.subarray(0, size);
}

/** A BackendError for a failed file operation, naming the errno code (ENOSPC, EIO, EACCES...). */
export function ioError(what: string, error: unknown): JournalStoreError {
  if (error instanceof BackendError || error instanceof ClosedError) return error;
  const code = errorCode(error);
  const hint = code === "ENOSPC" ? " (disk full)" : code === "EACCES" || code === "EPERM" ? " (permission denied)" : "";
  return new BackendError("json", `${what}: ${code ?? String(error)}${hint}`, { cause: error });
}
