import type { CommitSet } from "../../engine/engine.js";
import { ValidationError } from "../../errors.js";

/**
 * Encodes a committed transaction as a log line, enforcing the size limits before a byte is
 * written: an oversized row or transaction is a ValidationError naming the limit, and the engine
 * rolls the commit back.
 *
 * The line is built as UTF-8 bytes, row by row, never as one string: a string the size of a
 * batch (hundreds of KB, two bytes per character once a row holds non-Latin-1 text) lands in
 * V8's large-object space, which only a full collection frees, so a bulk write such as an import
 * left hundreds of MB of dead line strings on the heap between collections.
 */

/** The size limits of {@link encodeCommit}. */
export interface SizeLimits {
  maxRowBytes: number;
  maxTransactionBytes: number;
}

/**
 * The log line of transaction `tx`, as UTF-8, without its closing `}` and newline (see
 * {@link closeLine}), so the writer can mark the last line of a group commit.
 */
export function encodeCommit(tx: number, seq: number, commit: CommitSet, limits: SizeLimits): { body: Buffer; bytes: number } {
  const parts: string[] = [];
  let bytes = 0;
  for (const change of commit.changes) {
    let part: string;
    if (change.row) {
      const row = JSON.stringify(change.row);
      const rowBytes = Buffer.byteLength(row);
      if (rowBytes > limits.maxRowBytes) {
        throw new ValidationError(change.collection, [
          { path: "", message: `row ${change.id} is ${rowBytes} bytes serialised, over the JSON backend's maxRowBytes limit (${limits.maxRowBytes})` },
        ]);
      }
      part = row;
      bytes += rowBytes + change.collection.length + 19; // {"put":"…","row":…} and the comma
    } else {
      part = `{"purge":"${change.collection}","id":"${change.id}"}`;
      bytes += part.length + 1;
    }
    if (bytes > limits.maxTransactionBytes) {
      throw new ValidationError(change.collection, [
        { path: "", message: `the transaction is over the JSON backend's maxTransactionBytes limit (${limits.maxTransactionBytes}); split it` },
      ]);
    }
    parts.push(part);
  }
  const head = `{"tx":${tx},"seq":${seq},"changes":[`;
  const body = Buffer.allocUnsafe(head.length + bytes + 1);
  let at = body.write(head, 0, "latin1");
  commit.changes.forEach((change, i) => {
    if (i > 0) body[at++] = 0x2c; // ,
    if (change.row) {
      at += body.write(`{"put":"${change.collection}","row":`, at, "latin1");
      at += body.write(parts[i]!, at, "utf8");
      body[at++] = 0x7d; // }
    } else at += body.write(parts[i]!, at, "utf8");
  });
  body[at++] = 0x5d; // ]
  return { body: body.subarray(0, at), bytes: at };
}

/** Completes a line from {@link encodeCommit}: `group` is set on the last line of a group commit. */
export function closeLine(group?: number): Buffer {
  return group === undefined ? LINE_END : Buffer.from(`,"group":${group}}\n`, "latin1");
}

const LINE_END = Buffer.from("}\n", "latin1");
