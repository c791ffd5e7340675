import type { Backend, Stored } from "../backend.js";
import type { CutoverCondition } from "../errors.js";
import { REPLICATED_COLLECTIONS } from "../model/collections.js";
import { SYNC_RUN_IDS } from "../model/operational.js";
import type { MigrationLogRow } from "../model/rows.js";
import type { Stage } from "../model/stages.js";
import type { ShadowWindowStats } from "./stats.js";

/**
 * The gated cutover: a move to `live` (the destination starts serving reads) or `complete` (the
 * old store stops being written) is allowed only when the sides are known to be equal:
 *
 * 1. `compare`: the latest compare recorded for every replicated collection, in the
 *    `migrationLogs` of either side (`runId` `journal-store:compare`, one row per collection,
 *    written by `compare()`, `repair()` and the CLI), completed and found zero divergences;
 * 2. `pending`: nothing is pending: after a flush, `lag()` is 0;
 * 3. `shadow`: over the window of the last `shadowWindow` shadow comparisons, at least
 *    `cutoverMinShadowReads` were made and the share consistent is at least
 *    `cutoverShadowThreshold`.
 *
 * Every condition is checked, so a refusal names all that failed.
 */

/** Stages a move into which is gated. */
export const GATED_STAGES: readonly Stage[] = ["live", "complete"];

/** What the gate judges. */
export interface CutoverEvidence {
  /** The latest compare record per collection, from both sides' migrationLogs. */
  compares: ReadonlyMap<string, MigrationLogRow>;
  /** Primary changes the secondary is not known to hold, after a flush. */
  lag: number;
  window: ShadowWindowStats;
}

/** The gate's thresholds (from the dual-write options). */
export interface CutoverThresholds {
  shadowThreshold: number;
  minShadowReads: number;
}

/** The conditions that fail for `evidence` (empty: the move may go ahead). */
export function cutoverFailures(evidence: CutoverEvidence, thresholds: CutoverThresholds): CutoverCondition[] {
  const failed: CutoverCondition[] = [];
  const never: string[] = [];
  const unfinished: string[] = [];
  const diverged: string[] = [];
  for (const collection of REPLICATED_COLLECTIONS) {
    const row = evidence.compares.get(collection);
    if (!row) never.push(collection);
    else if (row.status !== "completed") unfinished.push(collection);
    else if (row.divergencesFound > 0) diverged.push(`${collection} (${row.divergencesFound})`);
  }
  const parts = [
    diverged.length ? `latest compare found divergences in ${diverged.join(", ")}; run repair, then compare` : "",
    unfinished.length ? `latest compare did not complete for ${unfinished.join(", ")}` : "",
    never.length ? `no compare recorded for ${never.join(", ")}` : "",
  ].filter(Boolean);
  if (parts.length) failed.push({ condition: "compare", message: parts.join("; ") });
  if (evidence.lag > 0) failed.push({ condition: "pending", message: `${evidence.lag} primary change(s) not yet on the secondary after a flush` });
  const w = evidence.window;
  if (w.compared < thresholds.minShadowReads) {
    failed.push({ condition: "shadow", message: `only ${w.compared} shadow comparison(s) in the window, ${thresholds.minShadowReads} required (run in shadow with shadowSample > 0 first)` });
  } else if (w.compared > 0 && w.consistencyRate < thresholds.shadowThreshold) {
    failed.push({ condition: "shadow", message: `shadow consistency ${w.consistencyRate.toFixed(4)} over the last ${w.compared} comparisons is below ${thresholds.shadowThreshold}` });
  }
  return failed;
}

/**
 * The latest compare record of every collection on `stores` (newest `startedAt` wins across
 * stores). Reads pages of 100 newest first until every replicated collection has one.
 */
export async function latestCompares(stores: readonly Backend[]): Promise<Map<string, MigrationLogRow>> {
  const latest = new Map<string, MigrationLogRow>();
  for (const store of stores) {
    const found = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Backend["query"]>> = await store.query("migrationLogs", {
        where: [{ field: "runId", op: "eq", value: SYNC_RUN_IDS.compare }],
        orderBy: { field: "startedAt", direction: "desc" },
        limit: 100,
        cursor,
      });
      for (const row of page.rows as Stored<MigrationLogRow>[]) {
        if (!row.collection || found.has(row.collection)) continue;
        found.add(row.collection);
        const seen = latest.get(row.collection);
        if (!seen || row.startedAt > seen.startedAt) latest.set(row.collection, row);
      }
      cursor = page.nextCursor;
    } while (cursor && found.size < REPLICATED_COLLECTIONS.length);
  }
  return latest;
}
