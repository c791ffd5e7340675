import type { RowSource, Stored } from "../backend.js";
import { diffRows } from "../diff.js";
import type { CollectionName } from "../model/rows.js";
import type { RowDivergence } from "./report.js";

/**
 * The row-by-row half of compare: both sides of an id range enumerated in id order (tombstones
 * included) and merged, reporting missing, extra and different rows with the field paths
 * `diffRows` finds. The whole-collection path and the checksum path's leaf ranges both run it, so
 * they report the same divergences.
 */

/** Rows seen on each side by one merge. */
export interface MergeCounts {
  source: number;
  target: number;
}

/**
 * Merges two id-ordered row streams of `collection`, pushing every divergence onto `out` (in id
 * order). `onPair` runs after every row present on both sides, with the source rows seen so far.
 */
export async function mergeRows(
  collection: CollectionName,
  left: AsyncIterator<Stored> | Iterator<Stored>,
  right: AsyncIterator<Stored> | Iterator<Stored>,
  out: RowDivergence[],
  onPair?: (sourceSeen: number) => void,
): Promise<MergeCounts> {
  const c: MergeCounts = { source: 0, target: 0 };
  const report = (d: RowDivergence) => {
    if (d.fields.length > 0) out.push(d);
  };
  let a = await left.next();
  let b = await right.next();
  while (!a.done || !b.done) {
    if (!a.done && (b.done || a.value.id < b.value.id)) {
      report(divergence(collection, a.value, null));
      c.source++;
      a = await left.next();
    } else if (!b.done && (a.done || b.value.id < a.value.id)) {
      report(divergence(collection, null, b.value));
      c.target++;
      b = await right.next();
    } else {
      report(divergence(collection, a.value as Stored, b.value as Stored));
      c.source++;
      c.target++;
      onPair?.(c.source);
      a = await left.next();
      b = await right.next();
    }
  }
  return c;
}

/**
 * The rows of `collection` with ids in `(afterId, untilId]` (null: unbounded), in id order, a
 * page of `batchSize` at a time, the next page requested while this one is consumed (so both
 * sides of a merge read concurrently). `expected` (a digest's count) sizes the first page, so a
 * small range costs one `scan` returning at most one row past its end; `fetched.rows` counts every
 * row `scan` returned. Stops early when `signal` aborts.
 */
export async function* rangeRows(
  backend: RowSource,
  collection: CollectionName,
  range: { afterId: string | null; untilId: string | null },
  options: { batchSize: number; expected?: number; signal?: AbortSignal },
  fetched: { rows: number },
): AsyncGenerator<Stored> {
  const { batchSize, signal } = options;
  const until = range.untilId;
  const read = (afterId: string | null, limit: number) => {
    const p = backend.scan(collection, { afterId, limit });
    p.catch(() => {}); // awaited below; never an unhandled rejection while a page is consumed
    return { p, limit };
  };
  let next = read(range.afterId, until === null || options.expected === undefined ? batchSize : Math.min(batchSize, options.expected + 1));
  for (;;) {
    if (signal?.aborted) return;
    const page = await next.p;
    fetched.rows += page.length;
    const last = page[page.length - 1];
    const more = last !== undefined && page.length === next.limit && (until === null || last.id < until);
    if (more) next = read(last.id, batchSize);
    for (const row of page) {
      if (until !== null && row.id > until) return;
      yield row;
    }
    if (!more) return;
  }
}

/**
 * The divergence between two versions of a row (empty `fields` when they are equal). A tombstone
 * on one side and nothing on the other agree: both say the row does not exist (one side purged
 * it, or repair removed a row the source never had).
 */
export function divergence(collection: CollectionName, s: Stored | null, t: Stored | null): RowDivergence {
  const id = (s ?? t)!.id;
  if ((!t && s!.deleted) || (!s && t!.deleted)) return { collection, id, kind: "different", fields: [], sourceVersion: s?.version ?? null, targetVersion: t?.version ?? null };
  if (!t) return { collection, id, kind: "missing", fields: ["id"], sourceVersion: s!.version, targetVersion: null };
  if (!s) return { collection, id, kind: "extra", fields: ["id"], sourceVersion: null, targetVersion: t.version };
  return { collection, id, kind: "different", fields: diffRows(s, t), sourceVersion: s.version, targetVersion: t.version };
}
