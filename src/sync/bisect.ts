import type { Backend, RangeDigest } from "../backend.js";
import { digestOf } from "../digest.js";
import { bigIntToId, idToBigInt } from "../model/ids.js";
import type { CollectionName } from "../model/rows.js";
import { mergeRows, rangeRows } from "./merge.js";
import type { RowDivergence } from "./report.js";

/**
 * Compare by checksums (the idea of data-diff): digest the whole collection on both sides; where
 * the counts or hashes differ, cut the range into parts between its smallest and largest id and
 * digest the parts on both sides in one statement each; recurse into the unequal parts until a
 * part holds few enough rows, then fetch just that part from both sides and merge it row by row
 * (`merge.ts`). Equal ranges are never fetched. Ranges are walked in id order, so divergences come
 * out in the order the row-by-row path reports them.
 */

/** How the walk cuts and when it fetches (defaults in `SYNC_DEFAULTS.checksum`). */
export interface BisectOptions {
  fanout: number;
  leafRows: number;
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
  const digests = (range: Range & { splitAt?: string[] }) =>
    Promise.all([digestOf(source, collection, range, options.batchSize), digestOf(target, collection, range, options.batchSize)]);

  const walk = async (range: Range, s: RangeDigest, t: RangeDigest): Promise<void> => {
    if (options.signal?.aborted) return;
    if (s.count === t.count && s.hash === t.hash) {
      settled += s.count;
      options.onSettled?.(settled);
      return;
    }
    const rows = Math.max(s.count, t.count);
    const cuts = rows > options.leafRows ? cutsBetween(s, t, Math.min(options.fanout, Math.ceil(rows / options.leafRows))) : [];
    if (cuts.length === 0) {
      const [a, b] = await Promise.all([
        rangeRows(source, collection, range, s.count, options.batchSize, fetched),
        rangeRows(target, collection, range, t.count, options.batchSize, fetched),
      ]);
      settled += (await mergeRows(collection, a.values(), b.values(), out)).source;
      options.onSettled?.(settled);
      return;
    }
    const [sp, tp] = await digests({ ...range, splitAt: cuts });
    for (let i = 0; i <= cuts.length; i++) {
      const part = { afterId: i === 0 ? range.afterId : cuts[i - 1]!, untilId: i === cuts.length ? range.untilId : cuts[i]! };
      await walk(part, sp[i]!, tp[i]!);
    }
  };

  const [[s], [t]] = await digests({ afterId: null, untilId: null });
  await walk({ afterId: null, untilId: null }, s!, t!);
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
