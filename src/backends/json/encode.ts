import type { CommitSet } from "../../engine/engine.js";
import { ValidationError } from "../../errors.js";

/**
 * Encodes a committed transaction as a log line, enforcing the size limits before a byte is
 * written: an oversized row or transaction is a ValidationError naming the limit, and the engine
 * rolls the commit back.
 */

/** The size limits of {@link encodeCommit}. */
export interface SizeLimits {
  maxRowBytes: number;
  maxTransactionBytes: number;
}

/**
 * The log line of transaction `tx`, without its closing `}` and newline (see {@link closeLine}),
 * so the writer can mark the last line of a group commit, with its approximate byte length.
 */
export function encodeCommit(tx: number, seq: number, commit: CommitSet, limits: SizeLimits): { body: string; bytes: number } {
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
      part = `{"put":"${change.collection}","row":${row}}`;
      bytes += rowBytes + change.collection.length + 16;
    } else {
      part = `{"purge":"${change.collection}","id":"${change.id}"}`;
      bytes += part.length;
    }
    if (bytes > limits.maxTransactionBytes) {
      throw new ValidationError(change.collection, [
        { path: "", message: `the transaction is over the JSON backend's maxTransactionBytes limit (${limits.maxTransactionBytes}); split it` },
      ]);
    }
    parts.push(part);
  }
  const body = `{"tx":${tx},"seq":${seq},"changes":[${parts.join(",")}]`;
  return { body, bytes: bytes + 64 };
}

/** Completes a line from {@link encodeCommit}: `group` is set on the last line of a group commit. */
export function closeLine(body: string, group?: number): string {
  return group === undefined ? `${body}}\n` : `${body},"group":${group}}\n`;
}
