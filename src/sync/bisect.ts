import type { DigestRange, RangeDigest, RowSource } from "../backend.js";
import { ScannedDigests } from "../digest.js";
import { bigIntToId, idToBigInt } from "../model/ids.js";
import type { CollectionName } from "../model/rows.js";
import { divergence, mergeRows, rangeRows } from "./merge.js";
import type { RowDivergence } from "./report.js";

/**
 * Compare by checksums (the idea of data-diff): digest the whole collection on both sides; where
 * the counts or hashes differ, cut the range into parts of about `leafRows` rows (at most
 * `fanout`) between its smallest and largest id, and digest all the parts on both sides in one
 * statement each; cut the unequal parts larger than `fetchRows` again, all of one level together
 * (one statement per side, not one per part: with differences in every part of a large
 * collection, that is thousands of statements fewer); fetch the others from both sides, adjacent
 * ones as one range, and merge them row by row (`merge.ts`). Equal ranges are never fetched. Divergences come out in id order, as the row-by-row path reports them.
 *
 * When one cut leaves many small unequal parts (differences scattered over the range, e.g. 1% of
 * rows spread evenly, which leaves about a fifth of the parts of ~`leafRows` rows unequal: fetching
 * them reads a quarter of the rows, a round trip per part), so many that fetching them would cost
 * at least `pinpointShare` of digesting their span again, they are pinpointed instead:
 * one more digest statement on each side cuts all of them into parts of about one row (`parts`
 * names the leaves' parts, so the rows between leaves are not hashed again), and only the
 * rows of the unequal ones are read, by id (`getMany`). Unlike data-diff, which downloads every
 * unequal segment below its bisection threshold (16k rows), the last level is settled by digests
 * of single rows, so what is read is about what differs.
 */

/** How the walk cuts and when it fetches (defaults in `SYNC_DEFAULTS.checksum`). */
export interface BisectOptions {
  fanout: number;
  leafRows: number;
  /** Unequal ranges up to this many rows are fetched rather than cut again. */
  fetchRows: number;
  /** Unequal ranges fetched (or cut further) at the same time. */
  concurrency: number;
  /**
   * Pinpoint the leaves (unequal parts of up to `fetchRows` rows) of one cut when fetching them
   * would cost at least this share of digesting the rows from the first leaf to the last again.
   */
  pinpointShare: number;
  /** What one fetch round trip costs, in rows fetched (for `pinpointShare`). */
  roundTripRows: number;
  /** Parts per row of a leaf when pinpointing. */
  pinpointParts: number;
  /** Cuts of one digest call at most: a level with more is digested in several calls. */
  maxCutsPerDigest: number;
  batchSize: number;
  signal?: AbortSignal;
  /** Called as ranges are settled, with the source rows settled so far. */
  onSettled?: (sourceRows: number) => void;
  /** The whole collection's digest of a side, when the caller started it already (see `compare`). */
  whole?: { source?: Promise<RangeDigest[]>; target?: Promise<RangeDigest[]> };
}

/** What one collection's walk found. */
export interface BisectResult {
  /** Rows on each side (the whole-collection digests' counts). */
  source: number;
  target: number;
  /** Rows read (`scan` of fetched ranges, `getMany` of pinpointed ids), both sides together. */
  fetched: number;
}

/** An unequal range and both sides' digests of it. */
interface Unequal {
  range: Range;
  s: RangeDigest;
  t: RangeDigest;
}

interface Range {
  afterId: string | null;
  untilId: string | null;
}

/** Compares `collection` on both sides by digests, pushing divergences onto `out` in id order. */
export async function bisectCollection(
  source: RowSource,
  target: RowSource,
  collection: CollectionName,
  out: RowDivergence[],
  options: BisectOptions,
): Promise<BisectResult> {
  const fetched = { rows: 0 };
  let settled = 0;
  // A side without its own digest is scanned and hashed once; every digest of this walk is then
  // answered from those hashes (see `ScannedDigests`).
  const side = (backend: RowSource) => {
    let scanned: Promise<ScannedDigests> | undefined;
    return (range: DigestRange): Promise<RangeDigest[]> => {
      if (backend.digest) return backend.digest(collection, range);
      scanned ??= ScannedDigests.load(backend, collection, options.batchSize);
      return scanned.then((d) => d.digest(collection, range));
    };
  };
  const [sourceDigest, targetDigest] = [side(source), side(target)];
  const digests = (range: DigestRange) => Promise.all([sourceDigest(range), targetDigest(range)]);

  const equal = (s: RangeDigest, t: RangeDigest) => s.count === t.count && s.hash === t.hash;
  const settle = (n: number) => {
    settled += n;
    options.onSettled?.(settled);
  };
  /** Fetches a range from both sides (concurrently, page by page) and merges it into `into`. */
  const fetchAndMerge = async (range: Range, s: number, t: number, into: RowDivergence[], settles = true) => {
    const page = { batchSize: options.batchSize, signal: options.signal };
    const left = rangeRows(source, collection, range, { ...page, expected: s }, fetched);
    const right = rangeRows(target, collection, range, { ...page, expected: t }, fetched);
    const merged = await mergeRows(collection, left, right, into);
    if (settles) settle(merged.source);
  };

  /**
   * Reads the given ids on both sides (`getMany`, a chunk of `batchSize` at a time, both sides at
   * once) and pushes the divergences of those rows onto `into`, in id order.
   */
  const fetchIds = async (ids: string[], into: RowDivergence[]) => {
    ids.sort();
    for (let i = 0; i < ids.length && !options.signal?.aborted; i += options.batchSize) {
      const chunk = ids.slice(i, i + options.batchSize);
      const [s, t] = await Promise.all([source.getMany(collection, chunk), target.getMany(collection, chunk)]);
      chunk.forEach((_, j) => {
        const a = s[j] ?? null;
        const b = t[j] ?? null;
        if (a) fetched.rows++;
        if (b) fetched.rows++;
        if (!a && !b) return;
        const d = divergence(collection, a, b);
        if (d.fields.length > 0) into.push(d);
      });
    }
  };

  /**
   * Many small unequal parts (`leaves`, in id order): rather than a fetch of each
   * (a round trip per side each, and every row of the part), one more digest on each side cuts
   * every leaf into parts of about one row. An unequal part of at most two rows on each side
   * names its rows (its first and last ids), which are read by id; a larger one is fetched.
   */
  const pinpoint = async (leaves: Unequal[], into: RowDivergence[]) => {
    const cuts = leaves.map((leaf) => cutsBetween(leaf.s, leaf.t, Math.min(options.fanout, Math.max(leaf.s.count, leaf.t.count) * options.pinpointParts)));
    // Only the parts inside leaves are digested: the rows between leaves are not hashed again.
    const joint = jointRange(leaves.map((leaf, k) => ({ range: leaf.range, cuts: cuts[k]! })));
    const wanted = joint.digest.parts;
    const [sp, tp] = await digests(joint.digest);
    const ids: string[] = [];
    const tasks: ((into: RowDivergence[]) => Promise<void>)[] = [];
    for (let w = 0; w < wanted.length; w++) {
      const i = wanted[w]!;
      const [ps, pt] = [sp[w]!, tp[w]!];
      if (equal(ps, pt)) continue;
      if (ps.count <= 2 && pt.count <= 2) {
        for (const id of new Set([ps.firstId, ps.lastId, pt.firstId, pt.lastId])) if (id !== null) ids.push(id);
      } else {
        const part = joint.rangeOf(i);
        tasks.push((o) => fetchAndMerge(part, ps.count, pt.count, o, false));
      }
    }
    await runSorted([(o) => fetchIds(ids, o), ...tasks], into);
    settle(leaves.reduce((n, l) => n + l.s.count, 0));
  };

  /** Runs `tasks` (see {@link runTasks}) whose divergences interleave in id order, and appends them to `into` sorted by id. */
  const runSorted = async (tasks: ((into: RowDivergence[]) => Promise<void>)[], into: RowDivergence[]) => {
    const found: RowDivergence[] = [];
    await runTasks(tasks, found);
    found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const d of found) into.push(d);
  };

  /** Runs `tasks`, `concurrency` at a time, each into its own list, appended to `into` in order. */
  const runTasks = async (tasks: ((into: RowDivergence[]) => Promise<void>)[], into: RowDivergence[]) => {
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

  /**
   * Walks one level: `level` holds unequal ranges, each of more than `fetchRows` rows, in id
   * order. Each is cut into parts of about `leafRows` rows (at most `fanout`), and the parts of
   * all of them are digested together, one call per side for up to `maxCutsPerDigest` cuts
   * (`parts` names the ranges' own parts, so rows between them are not hashed again): with
   * differences everywhere, a level costs a statement, not one per unequal range. Unequal parts
   * small enough to fetch are leaves, fetched or pinpointed; larger ones make the next level.
   */
  const walk = async (level: Unequal[], into: RowDivergence[]): Promise<void> => {
    if (options.signal?.aborted || level.length === 0) return;
    const tasks: ((into: RowDivergence[]) => Promise<void>)[] = [];
    let group: { unit: Unequal; cuts: string[] }[] = [];
    let size = 0;
    const flush = () => {
      const g = group;
      if (g.length > 0) tasks.push((o) => cutGroup(g, o));
      group = [];
      size = 0;
    };
    for (const unit of level) {
      const cuts = cutsBetween(unit.s, unit.t, Math.min(options.fanout, Math.ceil(Math.max(unit.s.count, unit.t.count) / options.leafRows)));
      // Ids too close together to cut: fetched whole.
      if (cuts.length === 0) tasks.push((o) => fetchAndMerge(unit.range, unit.s.count, unit.t.count, o));
      else {
        if (size + cuts.length > options.maxCutsPerDigest) flush();
        group.push({ unit, cuts });
        size += cuts.length + 2;
      }
    }
    flush();
    await runSorted(tasks, into);
  };

  /** Digests the parts of the ranges of `group` (in id order, each with its cuts) in one call per side, then settles them. */
  const cutGroup = async (group: { unit: Unequal; cuts: string[] }[], into: RowDivergence[]): Promise<void> => {
    const joint = jointRange(group.map((g) => ({ range: g.unit.range, cuts: g.cuts })));
    const wanted = joint.digest.parts;
    const [sp, tp] = await digests(joint.digest);
    // The unequal parts in id order, with their position among the parts digested.
    const parts: (Unequal & { leaf: boolean; at: number })[] = [];
    for (let w = 0; w < wanted.length; w++) {
      const i = wanted[w]!;
      const [ps, pt] = [sp[w]!, tp[w]!];
      if (equal(ps, pt)) settle(ps.count);
      else {
        parts.push({ leaf: Math.max(ps.count, pt.count) <= options.fetchRows, range: joint.rangeOf(i), s: ps, t: pt, at: w });
      }
    }
    const leaves = parts.filter((p) => p.leaf);
    const larger = parts.filter((p) => !p.leaf);
    const tasks: ((into: RowDivergence[]) => Promise<void>)[] = [];
    if (larger.length > 0) tasks.push((o) => walk(larger, o));
    // Fetching the leaves costs their rows and a round trip each; pinpointing them costs one more
    // pass over the parts from the first leaf to the last, hashing the leaves' rows only (then
    // about the differing rows). Judged against digesting those parts again: pinpointing is
    // chosen only where it surely pays.
    let span = 0;
    for (let w = leaves[0]?.at ?? 0, last = leaves[leaves.length - 1]?.at ?? -1; w <= last; w++) span += Math.max(sp[w]!.count, tp[w]!.count);
    const fetchCost = leaves.reduce((n, l) => n + Math.max(l.s.count, l.t.count) + options.roundTripRows, 0);
    if (leaves.length > 1 && fetchCost >= options.pinpointShare * span) {
      tasks.push((o) => pinpoint(leaves, o));
    } else {
      // Adjacent leaves are fetched as one range (one merge, full pages).
      let run: { range: Range; s: number; t: number } | null = null;
      const flushRun = () => {
        const r = run;
        if (r) tasks.push((o) => fetchAndMerge(r.range, r.s, r.t, o));
        run = null;
      };
      for (const p of leaves) {
        if (run && run.range.untilId === p.range.afterId) run = { range: { afterId: run.range.afterId, untilId: p.range.untilId }, s: run.s + p.s.count, t: run.t + p.t.count };
        else {
          flushRun();
          run = { range: p.range, s: p.s.count, t: p.t.count };
        }
      }
      flushRun();
    }
    await runSorted(tasks, into);
  };

  const everything = { afterId: null, untilId: null };
  const [[s], [t]] = await Promise.all([options.whole?.source ?? sourceDigest(everything), options.whole?.target ?? targetDigest(everything)]);
  const all: Unequal = { range: everything, s: s!, t: t! };
  if (equal(all.s, all.t)) settle(all.s.count);
  else if (Math.max(all.s.count, all.t.count) <= options.fetchRows) await fetchAndMerge(all.range, all.s.count, all.t.count, out);
  else await walk([all], out);
  return { source: s!.count, target: t!.count, fetched: fetched.rows };
}

/** One digest call over several ranges: see {@link jointRange}. */
interface JointRange {
  /** From the first range's start to the last one's end, cut at every range's bounds and inner cuts; `parts` names the parts inside the ranges. */
  digest: DigestRange & { parts: number[] };
  /** The range of part `i` of `digest`. */
  rangeOf(i: number): Range;
}

/**
 * Several ranges (in id order, each with ascending cuts inside it) as one digest range, so one
 * call per side digests all their parts; the parts between the ranges are not named in `parts`,
 * so their rows are not hashed.
 */
function jointRange(units: readonly { range: Range; cuts: readonly string[] }[]): JointRange {
  const whole: Range = { afterId: units[0]!.range.afterId, untilId: units[units.length - 1]!.range.untilId };
  const cuts: string[] = [];
  const inside: boolean[] = [];
  const cut = (id: string | null) => {
    if (id !== null && id !== whole.afterId && id !== whole.untilId && (cuts.length === 0 || id > cuts[cuts.length - 1]!)) cuts.push(id);
  };
  for (const unit of units) {
    cut(unit.range.afterId);
    const first = cuts.length;
    for (const c of unit.cuts) cut(c);
    cut(unit.range.untilId);
    const last = unit.range.untilId === whole.untilId ? cuts.length : cuts.length - 1;
    for (let i = first; i <= last; i++) inside[i] = true;
  }
  const parts: number[] = [];
  for (let i = 0; i <= cuts.length; i++) if (inside[i]) parts.push(i);
  return {
    digest: { ...whole, splitAt: cuts, parts },
    rangeOf: (i) => ({ afterId: i === 0 ? whole.afterId : cuts[i - 1]!, untilId: i === cuts.length ? whole.untilId : cuts[i]! }),
  };
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
