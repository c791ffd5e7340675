/**
 * Byte-level helpers of reading an app's files as UTF-8: where a byte offset falls in lines and
 * characters (counted while scanning, so an error's position costs no second read), and where
 * well-formed UTF-8 ends in a buffer.
 */

/**
 * Where a scan of the file stands, for error positions: the line, the file offset where it
 * starts, and the characters so far as `offset - adj` (`adj` counts UTF-8 continuation bytes
 * less 4-byte leads, whose characters are two UTF-16 units), `lineAdj` being `adj` at the
 * line's start.
 */
export interface Tally {
  line: number;
  lineStart: number;
  lineAdj: number;
  adj: number;
}

/**
 * 1-based line and column (UTF-16 units) and 0-based character offset of file offset `at`,
 * counted from character `origin` (1 to leave out a byte order mark) with `t` standing at `at`.
 */
export function positionOf(t: Tally, at: number, origin: number): { line: number; column: number; offset: number } {
  const offset = at - t.adj - origin;
  return { line: t.line, column: offset - Math.max(0, t.lineStart - t.lineAdj - origin) + 1, offset };
}

/**
 * Counts `buf[from, to)` (at file offset `base + from` on) into `t`: every newline and every
 * character, as decoding the text would.
 */
export function tally(buf: Buffer, from: number, to: number, base: number, t: Tally): void {
  for (let j = from; j < to; j++) {
    const c = buf[j]!;
    if (c === 0x0a) {
      t.line++;
      t.lineStart = base + j + 1;
      t.lineAdj = t.adj;
    } else if (c >= 0x80) {
      if (c < 0xc0) t.adj++;
      else if (c >= 0xf0) t.adj--;
    }
  }
}

/** Where `buf[from, to)` ends but for a UTF-8 sequence it does not hold whole (which the next bytes may finish). */
export function completeEnd(buf: Buffer, from: number, to: number): number {
  for (let k = to - 1; k >= from && k >= to - 3; k--) {
    const c = buf[k]!;
    if ((c & 0xc0) === 0x80) continue;
    const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return k + length > to ? k : to;
  }
  return to;
}

/** The offset in `buf[from, to)` of the first byte not part of well-formed UTF-8 (a sequence cut short at `to` included); `to` when there is none. */
export function firstInvalidUtf8(buf: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = buf[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let more: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + more >= to) return i;
    const second = buf[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= more; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return to;
}
