import { isBackend, type RangeDigest, type RowSource, type Stored } from "../backend.js";
import { ValidationError } from "../errors.js";
import type { CollectionName } from "../model/rows.js";
import { toTimestamp } from "../model/time.js";
import { cutoffOf, setApartNewerOnTarget } from "./newer-on-target.js";
import { SYNC_DEFAULTS, type SourceView, type SyncOptions } from "./options.js";
import { bisectCollection } from "./bisect.js";
import { type MergeCounts, divergence, mergeRows, rangeRows } from "./merge.js";
import { syncCollections } from "./pager.js";
import { errorText, perSecond, timings, type RowDivergence, type RunReport } from "./report.js";
import { RunLog } from "./run-log.js";

/** Something that can drain replication in flight: the dual-write backend. */
export interface Settles {
  /** Resolves once every pending secondary write has landed and the sides are reconciled. */
  flush(): Promise<void>;
}

/** How {@link compare} finds the rows that differ. */
export type CompareStrategy =
  /** Range digests on both sides, bisecting only the ranges that differ (see `bisect.ts`). */
  | "checksum"
  /** Every row of both sides fetched and merged. */
  | "rows";

/** Options of {@link compare}. */
export interface CompareOptions extends Omit<SyncOptions, "target">, SourceView {
  /**
   * The side checked against the source: a backend, or, with `record: false`, any `RowSource`
   * (a `jsonFileSource` of the directory a running app writes, say).
   */
  target: RowSource;
  /**
   * Before reporting, drain replication in flight with `settle.flush()` and recheck the differing
   * ids once, so rows a live app is writing right now are not reported. Pass the dual-write backend.
   */
  settle?: Settles;
  /** Record one migrationLogs row per collection on the target (default true; needs a Backend target). */
  record?: boolean;
  /**
   * `checksum` or `rows`; both report the same divergences. Default: `checksum` when both sides
   * compute digests themselves (PostgreSQL), `rows` otherwise: a side without `digest` hashes
   * every row it scans, which measured no faster than fetching the rows (bench/compare.ts).
   */
  strategy?: CompareStrategy;
}

/** Counts of one collection. */
export interface CompareCounts {
  /** Rows (tombstones included) on the source. */
  source: number;
  /** Rows (tombstones included) on the target. */
  target: number;
  /** Rows that differ. */
  divergences: number;
  /**
   * Rows that differ only because the target changed them after the source was read (with
   * `sourceReadAt`; 0 without): not divergences, not in the report's list.
   */
  newerOnTarget: number;
}

/** What {@link compare} returns. */
export interface CompareReport extends RunReport {
  /** Which operation this report is of. */
  operation: "compare";
  /** The strategy that ran. */
  strategy: CompareStrategy;
  /** Counts per collection. */
  collections: Partial<Record<CollectionName, CompareCounts>>;
  /** Every row that differs, with field paths (never values), in collection then id order. */
  divergences: RowDivergence[];
  /** Rows compared per second, both sides together. */
  rowsPerSecond: number;
  /** Rows fetched from both sides (the checksum strategy fetches only ranges that differ). */
  rowsFetched: number;
}

/**
 * Compares two backends: missing, extra and different rows (tombstones included) with the field
 * paths `diffRows` finds (the comparator shadow reads use). By checksums, only id ranges whose
 * digests differ are fetched (see `bisect.ts`); by rows, both sides are enumerated in id order and
 * merged. Either way the divergences are the same. Differences are data in the report, not
 * exceptions.
 *
 * @example
 * ```ts
 * const report = await compare({ source: json, target: postgres, settle: dualWrite });
 * for (const d of report.divergences) console.log(d.collection, d.id, d.kind, d.fields);
 * ```
 */
export async function compare(options: CompareOptions): Promise<CompareReport> {
  const { source, target, signal } = options;
  const batchSize = options.batchSize ?? SYNC_DEFAULTS.batchSize;
  const strategy = options.strategy ?? (source.digest && target.digest ? "checksum" : "rows");
  if (strategy !== "checksum" && strategy !== "rows") {
    throw new ValidationError("compare", [{ path: "strategy", message: 'must be "checksum" or "rows"' }]);
  }
  const now = options.now ?? (() => new Date());
  const collections = syncCollections(options.collections);
  const cutoff = cutoffOf(options.sourceReadAt, "compare");
  const recordOn = options.record === false ? null : isBackend(target) ? target : null;
  if (options.record !== false && !recordOn) {
    throw new ValidationError("compare", [{ path: "record", message: "the target is not a Backend and cannot hold run records: pass record: false" }]);
  }
  const started = now();
  const counts: Partial<Record<CollectionName, CompareCounts>> = {};
  let divergences: RowDivergence[] = [];
  let status: CompareReport["status"] = "completed";
  let error: string | null = null;
  let read = 0;
  let fetched = 0;
  try {
    // Every collection's whole digest is asked of a side that computes digests itself at once, so
    // PostgreSQL digests while a JSON source is still opening and the walk of an earlier collection
    // runs (a side that has to scan is digested only when its collection's turn comes).
    const whole = strategy === "checksum" ? { source: wholeDigests(source, collections), target: wholeDigests(target, collections) } : null;
    for (const collection of collections) {
      const total = await source.count(collection);
      let reported = 0;
      const progress = (sourceRows: number, force = false) => {
        if (!force && sourceRows - reported < batchSize) return;
        reported = sourceRows;
        options.onProgress?.({ operation: "compare", collection, read: sourceRows, total });
      };
      let c: MergeCounts;
      if (strategy === "checksum") {
        const r = await bisectCollection(source, target, collection, divergences, {
          ...SYNC_DEFAULTS.checksum,
          batchSize,
          signal,
          onSettled: (n) => progress(n),
          whole: { source: whole?.source.get(collection), target: whole?.target.get(collection) },
        });
        c = r;
        fetched += r.fetched;
      } else {
        const all = { afterId: null, untilId: null };
        const counter = { rows: 0 };
        const left = rangeRows(source, collection, all, { batchSize, signal }, counter);
        const right = rangeRows(target, collection, all, { batchSize, signal }, counter);
        c = await mergeRows(collection, left, right, divergences, (n) => progress(n));
        fetched += counter.rows;
      }
      counts[collection] = { source: c.source, target: c.target, divergences: 0, newerOnTarget: 0 };
      read += c.source + c.target;
      progress(c.source, true);
      if (signal?.aborted) {
        status = "aborted";
        break;
      }
    }
    if (options.settle && divergences.length > 0) {
      await options.settle.flush();
      divergences = await recheck(source, target, divergences);
    }
    const { kept, newer } = await setApartNewerOnTarget(target, divergences, cutoff);
    divergences = kept;
    for (const [collection, n] of Object.entries(newer) as [CollectionName, number][]) counts[collection]!.newerOnTarget = n;
    for (const d of divergences) counts[d.collection]!.divergences++;
  } catch (e) {
    status = "failed";
    error = errorText(e);
  }
  const finished = now();
  const timing = timings(started, finished);
  let runId: string | null = null;
  if (recordOn && status !== "failed") {
    for (const [collection, c] of Object.entries(counts) as [CollectionName, CompareCounts][]) {
      const log = await RunLog.start(recordOn, { runId: SYNC_DEFAULTS.runIds.compare, operation: "compare", collection, startedAt: toTimestamp(started) }, now);
      await log.finish(status, { counts: { source: c.source, target: c.target, newerOnTarget: c.newerOnTarget }, divergencesFound: c.divergences });
      runId ??= log.id;
    }
  }
  return {
    operation: "compare",
    strategy,
    runId,
    status,
    ...timing,
    error,
    collections: counts,
    divergences,
    rowsPerSecond: perSecond(read, timing.durationMs),
    rowsFetched: fetched,
  };
}

/** The whole-collection digests of `side` for `collections`, started now, when it computes digests itself (else empty). */
function wholeDigests(side: RowSource, collections: readonly CollectionName[]): Map<CollectionName, Promise<RangeDigest[]>> {
  const out = new Map<CollectionName, Promise<RangeDigest[]>>();
  if (!side.digest) return out;
  for (const collection of collections) {
    const digest = side.digest(collection, { afterId: null, untilId: null });
    digest.catch(() => {}); // a failure surfaces where the walk awaits it; an aborted run never does
    out.set(collection, digest);
  }
  return out;
}

/** Reads the given ids again on both sides and keeps only the rows that still differ. */
export async function recheck(source: RowSource, target: RowSource, divergences: readonly RowDivergence[]): Promise<RowDivergence[]> {
  const out: RowDivergence[] = [];
  const byCollection = new Map<CollectionName, string[]>();
  for (const d of divergences) byCollection.set(d.collection, [...(byCollection.get(d.collection) ?? []), d.id]);
  for (const [collection, ids] of byCollection) {
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const [s, t] = await Promise.all([source.getMany(collection, chunk), target.getMany(collection, chunk)]);
      chunk.forEach((_, j) => {
        const a = (s[j] ?? null) as Stored | null;
        const b = (t[j] ?? null) as Stored | null;
        if (!a && !b) return;
        const d = divergence(collection, a, b);
        if (d.fields.length > 0) out.push(d);
      });
    }
  }
  return out;
}
