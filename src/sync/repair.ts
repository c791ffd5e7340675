import { withoutChangeSeq, type Stored } from "../backend.js";
import { REPLICATED_COLLECTIONS, tombstoneOf } from "../model/collections.js";
import type { AnyRow, CollectionName } from "../model/rows.js";
import { toTimestamp } from "../model/time.js";
import { compare, recheck, type CompareReport, type Settles } from "./compare.js";
import { cutoffOf, newerOnTarget, setApartNewerOnTarget } from "./newer-on-target.js";
import { SYNC_DEFAULTS, type SourceView, type SyncOptions } from "./options.js";
import { errorText, timings, type RowDivergence, type RunReport } from "./report.js";
import { RunLog } from "./run-log.js";

/** Options of {@link repair}. */
export interface RepairOptions extends SyncOptions, SourceView {
  /** The divergences to repair (default: a compare run first). */
  divergences?: readonly RowDivergence[];
  /** Overwrite the target even where it holds a newer version or a conflicting one. */
  force?: boolean;
  /** Drain replication in flight before comparing (the dual-write backend). */
  settle?: Settles;
}

/** A divergence repair could not fix, and why. */
export interface Unresolved {
  /** The collection of the row. */
  collection: CollectionName;
  /** The row's id. */
  id: string;
  /** Why it stays different, in words (e.g. the target holds a newer version: run with `force`). */
  reason: string;
}

/** What {@link repair} returns. */
export interface RepairReport extends RunReport {
  /** Always `repair`. */
  operation: "repair";
  /** The compare run that found the divergences (null when they were given). */
  before: CompareReport | null;
  /** Rows written to the target. */
  repaired: number;
  /** Rows still different after the repair, with the reason. */
  unresolved: Unresolved[];
}

/**
 * Copies the source's rows to the target for exactly the divergent ids, owners first:
 * version-guarded (`applyReplicated`: a target row newer than the source's is never overwritten,
 * so a row the app updated after compare is left alone) unless `force`; a row the source does
 * not hold at all becomes a tombstone on the target. Then compares those ids again and reports
 * what it could not fix and why.
 *
 * @example
 * ```ts
 * const report = await repair({ source: json, target: postgres });
 * console.log(report.repaired, report.unresolved);
 * ```
 */
export async function repair(options: RepairOptions): Promise<RepairReport> {
  const { source, target } = options;
  const now = options.now ?? (() => new Date());
  const cutoff = cutoffOf(options.sourceReadAt, "repair");
  const started = now();
  let before: CompareReport | null = null;
  let divergences = options.divergences;
  let repaired = 0;
  let unresolved: Unresolved[] = [];
  let status: RepairReport["status"] = "completed";
  let error: string | null = null;
  const log = await RunLog.start(target, { runId: SYNC_DEFAULTS.runIds.repair, operation: "repair" }, now);
  try {
    if (!divergences) {
      before = await compare({ ...options, record: true });
      if (before.status !== "completed") throw new Error(`compare ${before.status}: ${before.error ?? ""}`);
      divergences = before.divergences;
    }
    const at = toTimestamp(now());
    const reasons = new Map<string, string>();
    for (const collection of REPLICATED_COLLECTIONS) {
      const ids = divergences.filter((d) => d.collection === collection).map((d) => d.id);
      for (let i = 0; i < ids.length; i += 500) {
        options.signal?.throwIfAborted();
        const chunk = ids.slice(i, i + 500);
        const [s, t] = await Promise.all([source.getMany(collection, chunk), target.getMany(collection, chunk)]);
        const copy: AnyRow[] = [];
        for (const [j, id] of chunk.entries()) {
          const fromSource = s[j] as Stored | null;
          const onTarget = t[j] as Stored | null;
          if (newerOnTarget(onTarget, fromSource?.version ?? null, cutoff) && !options.force) {
            // Written on the target after the source was read: the source cannot judge it.
            reasons.set(`${collection}:${id}`, "the target changed it after the source was read; left as it is");
          } else if (fromSource) copy.push(withoutChangeSeq<AnyRow>(fromSource));
          else if (onTarget && !onTarget.deleted) {
            // The source does not hold it at all: remove it on the target, as a tombstone.
            await target.update(collection, tombstoneOf(collection, withoutChangeSeq<AnyRow>(onTarget), at), onTarget.version);
            repaired++;
          } else if (onTarget) reasons.set(`${collection}:${id}`, "only the target holds it, as a tombstone (purge it there)");
        }
        if (copy.length === 0) continue;
        const outcomes = await target.applyReplicated(collection, copy);
        for (const [j, o] of outcomes.entries()) {
          const row = copy[j]!;
          if (o.outcome === "applied") repaired++;
          else if (options.force && (o.outcome === "stale" || (o.outcome === "conflict" && o.reason === "version"))) {
            const current = (await target.get(collection, row.id)) as Stored | null;
            if (current) {
              await target.update(collection, row, current.version);
              repaired++;
            }
          } else if (o.outcome === "stale") reasons.set(`${collection}:${o.id}`, `the target holds a newer version (${o.storedVersion} > ${row.version}); it changed after compare, or run with force`);
          else if (o.outcome === "conflict") {
            reasons.set(`${collection}:${o.id}`, o.reason === "unique-key" ? `unique key ${o.key} is held by ${o.holderId} on the target` : `same version ${o.storedVersion} with other content; run with force`);
          } else reasons.set(`${collection}:${o.id}`, `its owner ${o.ownerCollection} ${o.ownerId} is missing on the target`);
        }
      }
    }
    await options.settle?.flush();
    const remaining = (await setApartNewerOnTarget(target, await recheck(source, target, divergences), cutoff)).kept;
    unresolved = remaining.map((d) => ({ collection: d.collection, id: d.id, reason: reasons.get(`${d.collection}:${d.id}`) ?? `still differs at ${d.fields.join(", ")}` }));
    if (!options.divergences) {
      // Record a compare per collection, so the cutover gate sees the state after the repair.
      for (const collection of Object.keys(before?.collections ?? {}) as CollectionName[]) {
        const rec = await RunLog.start(target, { runId: SYNC_DEFAULTS.runIds.compare, operation: "compare", collection }, now);
        await rec.finish("completed", { divergencesFound: remaining.filter((d) => d.collection === collection).length, counts: { recheckOf: "repair" } });
      }
    }
  } catch (e) {
    status = options.signal?.aborted ? "aborted" : "failed";
    error = errorText(e);
  }
  const finished = now();
  await log.finish(status, { divergencesFound: divergences?.length ?? 0, divergencesRepaired: repaired, error }).catch(() => undefined);
  return {
    operation: "repair",
    runId: log.id,
    status,
    ...timings(started, finished),
    error,
    before,
    repaired,
    unresolved,
  };
}
