import type { Tally } from "./text-position.js";

/**
 * The strict JSON grammar of an app's file, checked over a window of its bytes at a time
 * (`files.ts` moves the window): one JSON object or array whose members are found (keys, and where
 * each value starts and ends) without building a string or a tree.
 */

/** Maximum nesting of a record's value. */
const MAX_DEPTH = 2_000;

/** The steps of the top level: before the opening bracket, at a member, after a member, after the closing bracket. */
export const OPEN = 0;
const MEMBER = 1;
const NEXT = 2;
const CLOSED = 3;

/** Where the check of a file stands between windows: the step, what the file is, the tally, what was found. */
export interface Scan extends Tally {
  step: number;
  shape: "object" | "array";
  /** The closing bracket's byte. */
  close: number;
  /** No member yet. */
  first: boolean;
  keys: string[];
  /** Per record: value start, value end (file offsets). */
  ranges: number[];
}

/** Where the check of a file stands before its first byte. */
export function startScan(): Scan {
  return { step: OPEN, shape: "object", close: 0, first: true, line: 1, lineStart: 0, lineAdj: 0, adj: 0, keys: [], ranges: [] };
}

/**
 * The check of the window `bytes`: a function that checks its first `n` bytes (at file offset
 * `base`) from `start` on, step by step, updating `scan`. It returns -1 when the file is complete,
 * or where to go on from once the window holds more (`more`: the file goes on past it): the start
 * of the step that ran past it, which is taken again then. It throws the window offset of a
 * problem (with `scan` counted up to it). Made once per window buffer, so its hot loops see one
 * buffer and one set of functions, as the file read whole once did; the end of the bytes at hand
 * is a NUL written after them (`bytes` has a byte to spare), which every loop stops at and no
 * grammar rule accepts there, so no loop tests for the end.
 */
export function scannerOf(bytes: Buffer): (n: number, base: number, more: boolean, start: number, scan: Scan) => number {
  let i = 0;
  let n = 0;
  let base = 0;
  let line = 1;
  let lineStart = 0;
  let lineAdj = 0;
  let adj = 0;
  let escaped = false;
  let more = false;
  let scan = startScan();
  const fail = (): never => {
    throw Math.min(i, n);
  };
  const ws = () => {
    for (;;) {
      const c = bytes[i];
      if (c === 0x20) i++;
      else if (c === 0x0a) {
        i++;
        line++;
        lineStart = base + i;
        lineAdj = adj;
      } else if (c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const string = () => {
    i++;
    for (;;) {
      const c = bytes[i]!;
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c === 0x5c) {
        escaped = true;
        i++;
        const e = bytes[i];
        if (e === 0x75) {
          for (let k = 1; k <= 4; k++) {
            const h = bytes[i + k];
            if (!((h! >= 0x30 && h! <= 0x39) || (h! >= 0x41 && h! <= 0x46) || (h! >= 0x61 && h! <= 0x66))) (i += k, fail());
          }
          i += 5;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i++;
        else fail();
      } else {
        if (c >= 0x80) {
          if (c < 0xc0) adj++;
          else if (c >= 0xf0) adj--;
        }
        i++;
      }
    }
  };
  const digits = () => {
    const from = i;
    while (bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
    if (i === from) fail();
  };
  const number = () => {
    if (bytes[i] === 0x2d) i++;
    if (bytes[i] === 0x30) i++;
    else digits();
    if (bytes[i] === 0x2e) (i++, digits());
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++;
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
      digits();
    }
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (bytes[i] !== word.charCodeAt(k)) fail();
  };
  const value = (depth: number): void => {
    ws();
    if (depth > MAX_DEPTH) fail();
    const c = bytes[i];
    if (c === 0x7b) {
      i++;
      ws();
      if (bytes[i] === 0x7d) return void i++;
      for (;;) {
        ws();
        if (bytes[i] !== 0x22) fail();
        string();
        ws();
        if (bytes[i] !== 0x3a) fail();
        i++;
        value(depth + 1);
        ws();
        if (bytes[i] === 0x2c) i++;
        else if (bytes[i] === 0x7d) return void i++;
        else fail();
      }
    }
    if (c === 0x5b) {
      i++;
      ws();
      if (bytes[i] === 0x5d) return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (bytes[i] === 0x2c) i++;
        else if (bytes[i] === 0x5d) return void i++;
        else fail();
      }
    }
    if (c === 0x22) return string();
    if (c === 0x74) return literal("true");
    if (c === 0x66) return literal("false");
    if (c === 0x6e) return literal("null");
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return number();
    fail();
  };
  const save = () => {
    scan.line = line;
    scan.lineStart = lineStart;
    scan.lineAdj = lineAdj;
    scan.adj = adj;
  };

  const check = (): number => {
    for (;;) {
      const from = i;
      const at = { line, lineStart, lineAdj, adj };
      try {
        ws();
        if (i >= n && more) {
          save();
          return i;
        }
        const step = scan.step;
        if (step === OPEN) {
          const c = bytes[i];
          if (c !== 0x7b && c !== 0x5b) fail();
          scan.shape = c === 0x7b ? "object" : "array";
          scan.close = c === 0x7b ? 0x7d : 0x5d;
          i++;
          scan.step = MEMBER;
        } else if (step === MEMBER) {
          if (scan.first && bytes[i] === scan.close) {
            i++;
            scan.step = CLOSED;
            continue;
          }
          const object = scan.shape === "object";
          let ks = 0;
          let ke = 0;
          if (object) {
            if (bytes[i] !== 0x22) fail();
            ks = i;
            escaped = false;
            string();
            ke = i;
            ws();
            if (bytes[i] !== 0x3a) fail();
            i++;
            ws();
          }
          const vs = i;
          value(1);
          if (i >= n && more) fail(); // a number may go on in the next bytes
          if (object) scan.keys.push(escaped ? (JSON.parse(bytes.toString("utf8", ks, ke)) as string) : bytes.toString("utf8", ks + 1, ke - 1));
          scan.ranges.push(base + vs, base + i);
          scan.first = false;
          scan.step = NEXT;
        } else if (step === NEXT) {
          if (bytes[i] === 0x2c) {
            i++;
            scan.step = MEMBER;
          } else if (bytes[i] === scan.close) {
            i++;
            scan.step = CLOSED;
          } else fail();
        } else {
          if (i < n) fail();
          save();
          return -1;
        }
      } catch (problem) {
        if (typeof problem === "number" && problem >= n && more) {
          // The step ran past the bytes at hand: it is taken again from its start with more.
          ({ line, lineStart, lineAdj, adj } = at);
          save();
          return from;
        }
        save();
        throw problem;
      }
    }
  };
  return (end, offset, goesOn, start, state) => {
    n = end;
    base = offset;
    more = goesOn;
    i = start;
    scan = state;
    ({ line, lineStart, lineAdj, adj } = scan);
    const under = bytes[n]!;
    bytes[n] = 0;
    try {
      return check();
    } finally {
      bytes[n] = under;
    }
  };
}
