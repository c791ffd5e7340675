import type { FsLayer } from "./fs.js";

/**
 * Streams the lines of a file through a fixed-size buffer, so reading never builds a string
 * larger than one line, and a line longer than `maxLineBytes` is reported instead of allocated.
 */

/** Where a scan stopped. */
export interface ScanEnd {
  /** Byte offset just after the last complete (newline-terminated) line. */
  end: number;
  /** Bytes after `end`: an incomplete last line (0 when the file ends with a newline). */
  partial: number;
  /** True when `onLine` asked to stop early. */
  stopped: boolean;
}

/** Options of {@link scanLines}. */
export interface ScanOptions {
  /** Byte offset to start at (default 0). */
  from?: number;
  /** Byte offset to stop at (default: end of file). */
  to?: number;
  /** A longer line is reported through `onTooLong` and ends the scan. */
  maxLineBytes: number;
  /** Called when a line is longer than `maxLineBytes`, with its 1-based number; must throw. */
  onTooLong: (line: number) => never;
}

const CHUNK = 1 << 20;

/**
 * Calls `onLine(text, lineNumber, start, end)` for each complete line in order (text without the
 * newline; `end` is just after it). Returning `false` stops the scan.
 */
export function scanLines(
  fs: FsLayer,
  fd: number,
  options: ScanOptions,
  onLine: (text: string, line: number, start: number, end: number) => boolean | void,
): Promise<ScanEnd> {
  return scanLineBytes(fs, fd, options, (bytes, line, start, end) => onLine(bytes.toString("utf8"), line, start, end));
}

/**
 * {@link scanLines} without decoding: `bytes` is the line's bytes (without the newline), a view
 * valid only during the call. For a reader that needs a few bytes of each line, not its text.
 */
export async function scanLineBytes(
  fs: FsLayer,
  fd: number,
  options: ScanOptions,
  onLine: (bytes: Buffer, line: number, start: number, end: number) => boolean | void,
): Promise<ScanEnd> {
  // Two chunks: the next one is read while this one's lines are visited, so a large file's scan
  // does not stop for each read.
  const chunks = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let position = options.from ?? 0;
  const to = options.to ?? Number.POSITIVE_INFINITY;
  const readChunk = (k: number, at: number) => (at < to ? fs.read(fd, chunks[k]!, 0, Math.min(CHUNK, to - at), at) : null);
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let lineStart = position;
  let lineNumber = 0;
  let k = 0;
  let reading = readChunk(0, position);
  try {
    while (reading) {
      const n = await reading;
      reading = null;
      if (n === 0) break;
      const chunk = chunks[k]!;
      k = 1 - k;
      reading = readChunk(k, position + n);
      let s = 0;
      for (;;) {
        const i = chunk.indexOf(10, s);
        if (i === -1 || i >= n) break;
        lineNumber++;
        if (carryBytes + (i - s) > options.maxLineBytes) options.onTooLong(lineNumber);
        const bytes = carryBytes > 0 ? Buffer.concat([...carry, chunk.subarray(s, i)]) : chunk.subarray(s, i);
        carry = [];
        carryBytes = 0;
        const end = position + i + 1;
        if (onLine(bytes, lineNumber, lineStart, end) === false) return { end, partial: 0, stopped: true };
        lineStart = end;
        s = i + 1;
      }
      if (s < n) {
        carryBytes += n - s;
        if (carryBytes > options.maxLineBytes) options.onTooLong(lineNumber + 1);
        carry.push(Buffer.from(chunk.subarray(s, n)));
      }
      position += n;
    }
  } finally {
    // A read ahead that the scan no longer needs (it stopped, or a line failed) may still fail.
    void reading?.catch(() => undefined);
  }
  return { end: lineStart, partial: carryBytes, stopped: false };
}

/** Reads `buffer.length` bytes at `position` (fewer only at the end of the file); resolves with the count read. */
export async function readAt(fs: FsLayer, fd: number, buffer: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < buffer.length) {
    const n = await fs.read(fd, buffer, got, buffer.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
