import type { Backend, Stored } from "../backend.js";
import { diffRows } from "../diff.js";
import type { CollectionName } from "../model/rows.js";
import { toTimestamp } from "../model/time.js";
import { SYNC_DEFAULTS, type SyncOptions } from "./options.js";
import { pages, syncCollections } from "./pager.js";
import { errorText, type RowDivergence, type RunReport } from "./report.js";
import { RunLog } from "./run-log.js";

/** Something that can drain replication in flight: the dual-write backend. */
export interface Settles {
  flush(): Promise<void>;
}

/** Options of {@link compare}. */
export interface CompareOptions extends SyncOptions {
  /**
   * Before reporting, drain replication in flight with `settle.flush()` and recheck the differing
   * ids once, so rows a live app is writing right now are not reported. Pass the dual-write backend.
   */
  settle?: Settles;
  /** Record one migrationLogs row per collection on the target (default true). */
  record?: boolean;
}

/** Counts of one collection. */
export interface CompareCounts {
  /** Rows (tombstones included) on each side. */
  source: number;
  target: number;
  divergences: number;
}

/** What {@link compare} returns. */
export interface CompareReport extends RunReport {
  operation: "compare";
  collections: Partial<Record<CollectionName, CompareCounts>>;
  /** Every row that differs, with field paths (never values). */
  divergences: RowDivergence[];
  /** Rows read per second, both sides together. */
  rowsPerSecond: number;
}

/**
 * Compares two backends row by row: both sides are enumerated independently in id order
 * (tombstones included) and merged, reporting missing, extra and different rows with the field
 * paths `diffRows` finds (the comparator shadow reads use). Differences are data in the report,
 * not exceptions.
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
  const now = options.now ?? (() => new Date());
  const collections = syncCollections(options.collections);
  const started = now();
  const counts: Partial<Record<CollectionName, CompareCounts>> = {};
  let divergences: RowDivergence[] = [];
  let status: CompareReport["status"] = "completed";
  let error: string | null = null;
  let read = 0;
  try {
    for (const collection of collections) {
      const c: CompareCounts = (counts[collection] = { source: 0, target: 0, divergences: 0 });
      const total = await source.count(collection);
      const left = rows(source, collection, batchSize, signal);
      const right = rows(target, collection, batchSize, signal);
      let a = await left.next();
      let b = await right.next();
      while (!a.done || !b.done) {
        if (!a.done && (b.done || a.value.id < b.value.id)) {
          const d = divergence(collection, a.value, null);
          if (d.fields.length > 0) divergences.push(d);
          c.source++;
          a = await left.next();
        } else if (!b.done && (a.done || b.value.id < a.value.id)) {
          const d = divergence(collection, null, b.value);
          if (d.fields.length > 0) divergences.push(d);
          c.target++;
          b = await right.next();
        } else {
          const d = divergence(collection, a.value as Stored, b.value as Stored);
          if (d.fields.length > 0) divergences.push(d);
          c.source++;
          c.target++;
          if (c.source % batchSize === 0) options.onProgress?.({ operation: "compare", collection, read: c.source, total });
          a = await left.next();
          b = await right.next();
        }
      }
      read += c.source + c.target;
      options.onProgress?.({ operation: "compare", collection, read: c.source, total });
      if (signal?.aborted) {
        status = "aborted";
        break;
      }
    }
    if (options.settle && divergences.length > 0) {
      await options.settle.flush();
      divergences = await recheck(source, target, divergences);
    }
    for (const d of divergences) counts[d.collection]!.divergences++;
  } catch (e) {
    status = "failed";
    error = errorText(e);
  }
  const finished = now();
  const durationMs = Math.max(0, finished.getTime() - started.getTime());
  let runId: string | null = null;
  if (options.record !== false && status !== "failed") {
    for (const [collection, c] of Object.entries(counts) as [CollectionName, CompareCounts][]) {
      const log = await RunLog.start(target, { runId: SYNC_DEFAULTS.runIds.compare, operation: "compare", collection, startedAt: toTimestamp(started) }, now);
      await log.finish(status, { counts: { source: c.source, target: c.target }, divergencesFound: c.divergences });
      runId ??= log.id;
    }
  }
  return {
    operation: "compare",
    runId,
    status,
    startedAt: toTimestamp(started),
    finishedAt: toTimestamp(finished),
    durationMs,
    error,
    collections: counts,
    divergences,
    rowsPerSecond: durationMs > 0 ? Math.round((read / durationMs) * 1000) : read,
  };
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

/** Reads the given ids again on both sides and keeps only the rows that still differ. */
export async function recheck(source: Backend, target: Backend, divergences: readonly RowDivergence[]): Promise<RowDivergence[]> {
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

async function* rows(backend: Backend, collection: CollectionName, batchSize: number, signal?: AbortSignal): AsyncGenerator<Stored> {
  for await (const page of pages(backend, collection, { batchSize, signal })) yield* page;
}
