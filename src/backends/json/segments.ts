import { join } from "node:path";
import type { Engine } from "../../engine/engine.js";
import { CorruptStoreError } from "./errors.js";
import type { FsLayer } from "./fs.js";
import { decodeLogLine, decodeSegmentHeader, type LogRecord, type SegmentHeader, segmentName } from "./format.js";
import { scanLines } from "./lines.js";

/**
 * Reading the log: which segments form the chain, and replaying it.
 *
 * Each segment starts with a header naming the segment it continues and that segment's valid
 * length (`prev.end`). The writer starts a new segment whenever it opens the store, compacts, or
 * recovers from a failed write, and never writes to an old one again; so the chain, walked back
 * from the last segment with a valid header, says exactly which bytes are committed. Bytes after
 * `prev.end` (a write whose fsync failed) and segments off the chain (a segment whose creation
 * failed) are ignored. Only the chain's last segment may end in a torn write, which is dropped.
 */

/** What a replay writes into: an engine, or a wrapper that also notes purges. */
export type ReplayTarget = Pick<Engine, "load" | "unload">;

/** One open segment file. */
export interface SegmentFile {
  number: number;
  fd: number;
  size: number;
  header: SegmentHeader | null;
  /** Byte offset after the header line. */
  headerEnd: number;
  /** Absolute path, for errors. */
  path: string;
}

/** Longest header line accepted. */
const MAX_HEADER = 64 * 1024;

/** Reads the header of `seg` (null header when it is absent, torn or invalid). */
export async function readHeader(fs: FsLayer, seg: SegmentFile): Promise<void> {
  await scanLines(fs, seg.fd, { to: Math.min(seg.size, MAX_HEADER), maxLineBytes: MAX_HEADER, onTooLong: () => undefined as never }, (text, _n, _s, end) => {
    const h = decodeSegmentHeader(text, seg.number);
    if (typeof h !== "string") {
      seg.header = h;
      seg.headerEnd = end;
    }
    return false;
  });
}

/**
 * The segments of the chain in log order, from the last segment with a valid header back to the
 * first whose `prev` lies before `generation`. Segments off the chain must hold no transaction.
 */
export async function chainOf(
  fs: FsLayer,
  segments: readonly SegmentFile[],
  generation: number,
  maxLineBytes: number,
  /** Called for a segment off the chain that holds transactions; the default reports corruption. */
  offChain: (seg: SegmentFile) => never = (seg) => fail(seg.path, "is not on the log chain but holds transactions"),
): Promise<SegmentFile[]> {
  const byNumber = new Map(segments.map((s) => [s.number, s]));
  const chain: SegmentFile[] = [];
  let cur = [...segments].reverse().find((s) => s.header !== null);
  while (cur) {
    chain.unshift(cur);
    const prev = cur.header!.prev;
    if (prev === null || prev.segment < generation) break;
    const before = byNumber.get(prev.segment);
    if (!before?.header) throw new CorruptStoreError(cur.path, `continues log segment ${segmentName(prev.segment)}, which is missing or unreadable`);
    cur = before;
  }
  const onChain = new Set(chain);
  for (const seg of segments) {
    if (onChain.has(seg)) continue;
    let lines = 0;
    await scanLines(fs, seg.fd, { maxLineBytes, onTooLong: () => fail(seg.path, "holds a line longer than the format allows") }, () => {
      lines++;
    });
    if (lines > 1) offChain(seg);
  }
  return chain;
}

function fail(path: string, problem: string, line?: number): never {
  throw new CorruptStoreError(path, problem, line === undefined ? {} : { line });
}

/** What replaying the chain found. */
export interface ReplayResult {
  lastTx: number;
  seq: number;
  /** Where the next segment continues from (null when the chain is empty). */
  tail: { segment: number; end: number } | null;
  /** Bytes of log replayed. */
  bytes: number;
}

/**
 * Replays the chain into `engine`. Every segment but the last must be intact up to the length its
 * successor gives. In the last one, the first line that is incomplete or invalid ends the log
 * (a torn, never-acknowledged write), unless a later group commit follows it, which proves the
 * bad line had been acknowledged: that is corruption.
 */
export async function replayChain(fs: FsLayer, chain: readonly SegmentFile[], engine: ReplayTarget, afterTx: number, maxLineBytes: number): Promise<ReplayResult> {
  let lastTx = afterTx;
  let seq = 0;
  let bytes = 0;
  let tail: ReplayResult["tail"] = null;
  for (let i = 0; i < chain.length; i++) {
    const seg = chain[i]!;
    const header = seg.header!;
    const cut = chain[i + 1]?.header?.prev?.end;
    if (cut !== undefined && (seg.size < cut || cut < seg.headerEnd)) {
      fail(seg.path, `is ${seg.size} bytes, but ${segmentName(chain[i + 1]!.number)} says its valid part is ${cut} bytes`);
    }
    if (header.firstTx <= lastTx) fail(seg.path, `starts at transaction ${header.firstTx}, not after ${lastTx}`);
    let expected = header.firstTx;
    let validEnd = seg.headerEnd;
    let badTx: number | null = null;
    let badLine = 0;
    const apply = (rec: LogRecord) => {
      for (const change of rec.changes) {
        if (change.row) engine.load(change.collection, change.row);
        else engine.unload(change.collection, change.id);
      }
      if (rec.seq > seq) seq = rec.seq;
    };
    const done = await scanLines(
      fs,
      seg.fd,
      { from: seg.headerEnd, ...(cut === undefined ? {} : { to: cut }), maxLineBytes, onTooLong: (line) => fail(seg.path, "holds a line longer than the format allows", line + 1) },
      (text, line, _start, end) => {
        const rec = decodeLogLine(text);
        if (badTx === null) {
          if (rec && rec.tx === expected) {
            apply(rec);
            lastTx = rec.tx;
            expected++;
            validEnd = end;
            return;
          }
          if (cut !== undefined) fail(seg.path, rec ? `holds transaction ${rec.tx} where ${expected} was expected` : "holds a line that is not a valid transaction", line + 1);
          badTx = expected;
          badLine = line + 1;
          return;
        }
        if (rec?.group !== undefined && rec.group > badTx) {
          fail(seg.path, `holds an invalid line, but later group commits (from transaction ${rec.group}) follow it`, badLine);
        }
      },
    );
    if (cut !== undefined && (done.partial > 0 || done.end !== cut)) fail(seg.path, "its valid part does not end at a line boundary");
    bytes += validEnd - seg.headerEnd;
    tail = { segment: seg.number, end: validEnd };
  }
  return { lastTx, seq, tail, bytes };
}

/** Opens segment `number` of `dir` for reading, with its size. */
export async function openSegment(fs: FsLayer, dir: string, number: number, open: (path: string) => Promise<number>): Promise<SegmentFile> {
  const path = join(dir, segmentName(number));
  const fd = await open(path);
  const { size } = await fs.fstat(fd);
  return { number, fd, size, header: null, headerEnd: 0, path };
}
