import type { Backend, RangeDigest } from "../backend.js";
import { digestOf } from "../digest.js";
import { bigIntToId, idToBigInt } from "../model/ids.js";
import type { CollectionName } from "../model/rows.js";
import { mergeRows, rangeRows } from "./merge.js";
import type { RowDivergence } from "./report.js";

/**
 * Compare by checksums (the idea of data-diff): digest the whole collection on both sides; where
 * the counts or hashes differ, cut the range into parts of about `leafRows` rows (at most
 * `fanout`) between its smallest and largest id, and digest all the parts on both sides in one
 * statement each; cut the unequal parts larger than `fetchRows` again; fetch the others
 * from both sides, consecutive ones as one range, and merge them row by row (`merge.ts`). Equal
 * ranges are never fetched. Ranges are walked in id order, so divergences come out in the order
 * the row-by-row path reports them.
 */

/** How the walk cuts and when it fetches (defaults in `SYNC_DEFAULTS.checksum`). */
export interface BisectOptions {
  fanout: number;
  leafRows: number;
  /** Unequal ranges up to this many rows are fetched rather than cut again. */
  fetchRows: number;
  /** Unequal ranges fetched (or cut further) at the same time. */
  concurrency: number;
  batchSize: number;
  signal?: AbortSignal;
  /** Called as ranges are settled, with the source rows settled so far. */
  onSettled?: (sourceRows: number) => void;
}

/** What one collection's walk found. */
export interface BisectResult {
  /** Rows on each side (the whole-collection digests' counts). */
  source: number;
  target: number;
  /** Rows `scan` returned, both sides together. */
  fetched: number;
}

interface Range {
  afterId: string | null;
  untilId: string | null;
}

/** Compares `collection` on both sides by digests, pushing divergences onto `out` in id order. */
export async function bisectCollection(
  source: Backend,
  target: Backend,
  collection: CollectionName,
  out: RowDivergence[],
  options: BisectOptions,
): Promise<BisectResult> {
  const fetched = { rows: 0 };
  let settled = 0;
  // A side without its own digest scans the range: pages no larger than the range (plus one row).
  const digests = (range: Range & { splitAt?: string[] }, rows?: number) => {
    const page = rows === undefined ? options.batchSize : Math.min(options.batchSize, rows + 1);
    return Promise.all([digestOf(source, collection, range, page), digestOf(target, collection, range, page)]);
  };

  const equal = (s: RangeDigest, t: RangeDigest) => s.count === t.count && s.hash === t.hash;
  const settle = (n: number) => {
    settled += n;
    options.onSettled?.(settled);
  };
  /** Fetches a range from both sides (concurrently, page by page) and merges it into `into`. */
  const fetchAndMerge = async (range: Range, s: number, t: number, into: RowDivergence[]) => {
    const page = { batchSize: options.batchSize, signal: options.signal };
    const left = rangeRows(source, collection, range, { ...page, expected: s }, fetched);
    const right = rangeRows(target, collection, range, { ...page, expected: t }, fetched);
    settle((await mergeRows(collection, left, right, into)).source);
  };

  const walk = async (range: Range, s: RangeDigest, t: RangeDigest, into: RowDivergence[]): Promise<void> => {
    if (options.signal?.aborted) return;
    if (equal(s, t)) return settle(s.count);
    const rows = Math.max(s.count, t.count);
    const cuts = rows > options.fetchRows ? cutsBetween(s, t, Math.min(options.fanout, Math.ceil(rows / options.leafRows))) : [];
    if (cuts.length === 0) return fetchAndMerge(range, s.count, t.count, into);
    const [sp, tp] = await digests({ ...range, splitAt: cuts }, rows);
    // Consecutive unequal parts small enough to fetch are fetched as one range (one merge, full
    // pages); larger unequal parts are cut again. The fetches run `concurrency` at a time, each
    // into its own list, appended in id order.
    const tasks: ((into: RowDivergence[]) => Promise<void>)[] = [];
    let run: { range: Range; s: number; t: number } | null = null;
    const flush = () => {
      const r = run;
      if (r) tasks.push((o) => fetchAndMerge(r.range, r.s, r.t, o));
      run = null;
    };
    for (let i = 0; i <= cuts.length; i++) {
      const part = { afterId: i === 0 ? range.afterId : cuts[i - 1]!, untilId: i === cuts.length ? range.untilId : cuts[i]! };
      const [ps, pt] = [sp[i]!, tp[i]!];
      if (equal(ps, pt)) {
        flush();
        settle(ps.count);
      } else if (Math.max(ps.count, pt.count) <= options.fetchRows) {
        run = run ? { range: { afterId: run.range.afterId, untilId: part.untilId }, s: run.s + ps.count, t: run.t + pt.count } : { range: part, s: ps.count, t: pt.count };
      } else {
        flush();
        tasks.push((o) => walk(part, ps, pt, o));
      }
    }
    flush();
    const lists = tasks.map((): RowDivergence[] => []);
    let next = 0;
    const worker = async () => {
      while (next < tasks.length && !options.signal?.aborted) {
        const i = next++;
        await tasks[i]!(lists[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, tasks.length) }, worker));
    for (const list of lists) for (const d of list) into.push(d);
  };

  const [[s], [t]] = await digests({ afterId: null, untilId: null });
  await walk({ afterId: null, untilId: null }, s!, t!, out);
  return { source: s!.count, target: t!.count, fetched: fetched.rows };
}

/**
 * Up to `parts - 1` ascending cuts spread evenly over the ids both sides hold in a range (from the
 * smallest first id to the largest last id), each at or after the first and before the last, so
 * every cut lies strictly inside the range and each part is narrower than the whole.
 */
function cutsBetween(s: RangeDigest, t: RangeDigest, parts: number): string[] {
  const firsts = [s.firstId, t.firstId].filter((x): x is string => x !== null).sort();
  const lasts = [s.lastId, t.lastId].filter((x): x is string => x !== null).sort();
  if (firsts.length === 0 || lasts.length === 0) return [];
  const lo = idToBigInt(firsts[0]!);
  const hi = idToBigInt(lasts[lasts.length - 1]!);
  const cuts: string[] = [];
  let previous = -1n;
  for (let i = 1; i < parts; i++) {
    const cut = lo + ((hi - lo) * BigInt(i)) / BigInt(parts);
    if (cut >= hi || cut <= previous) continue;
    cuts.push(bigIntToId(cut));
    previous = cut;
  }
  return cuts;
}
