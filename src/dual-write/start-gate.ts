import type { Backend } from "../backend.js";
import { conditionsInWords, CutoverRefusedError, type CutoverCondition } from "../errors.js";
import { SYNC_RUN_IDS } from "../model/operational.js";
import { STAGES, type Side, type Stage } from "../model/stages.js";
import { cutoverFailures, GATED_STAGES, latestCompares, type CutoverThresholds } from "./cutover-gate.js";
import { DUAL_WRITE_DEFAULTS } from "./options.js";
import { latestStage, newerStage, readShadowEvidence, readWatermark, recordStage, stageHistory, type ForcedMove, type ShadowEvidence, type StageRecord } from "./records.js";
import { changesAfter } from "./replicator.js";
import type { ShadowWindowStats } from "./stats.js";

/**
 * The cutover gate on durable evidence. A process started in `live` or `complete` is judged like
 * a `setStage` into that stage when the restart *is* the move (see {@link startIsGated}), and
 * `setStage` itself is judged on the same evidence ({@link judgeCutover}): the conditions are
 * `cutoverFailures` of `cutover-gate.ts`, and the shadow window is the durable evidence the
 * shadow-reading processes of the current shadow run recorded on either side
 * ({@link durableShadowWindow}), a running process's own record replaced by its in-memory window.
 * The CLI's `status` prints the same verdict.
 */

/**
 * Whether a process starting in `stage`, after `last` was the last stage recorded, is a move the
 * cutover gate judges: into `live` from a stage not in `GATED_STAGES` (`off`, `dual-write`,
 * `shadow`, `rampdown`: `setStage("live")` from any of them is gated too), or into `complete`
 * from any other stage. A restart in the stage last recorded is never gated (a crash-restart in
 * `live` comes back up), nor one into `live` after `complete` (the way back, whose compares
 * cannot hold), nor a start on stores with no stage record at all (a new store).
 */
export function startIsGated(stage: Stage, last: StageRecord | null): boolean {
  if (!last || !GATED_STAGES.includes(stage) || last.stage === stage) return false;
  return stage === "complete" || !GATED_STAGES.includes(last.stage);
}

/**
 * When the current shadow run began, in a stage history merged from every store (any order), or
 * null when no stage that shadow-reads (`shadow`, `live`) was ever recorded. The current run is
 * the newest unbroken sequence of records of shadow-reading stages, passing over newer records of
 * stages that read none (`rampdown` before `complete`, a `dual-write` interlude): its oldest
 * record's time is the answer.
 */
export function shadowRunStart(history: readonly StageRecord[]): string | null {
  const newestFirst = [...history].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  let i = 0;
  while (i < newestFirst.length && !STAGES[newestFirst[i]!.stage].shadowReads) i++;
  let start: string | null = null;
  for (; i < newestFirst.length && STAGES[newestFirst[i]!.stage].shadowReads; i++) start = newestFirst[i]!.at;
  return start;
}

/**
 * The shadow window the cutover gate judges, from the processes' durable evidence: the newest
 * record of each process, kept when it was written after `since` (the start of the current shadow
 * run), newest first; whole processes are summed until the comparisons reach `size`
 * (`shadowWindow`), so, like a running process's window, recent traffic is judged and older
 * processes drop out once newer ones have compared enough. Empty when `since` is null.
 */
export function durableShadowWindow(evidence: readonly ShadowEvidence[], since: string | null, size: number): ShadowWindowStats {
  return sumWindow(judgedEvidence(evidence, since, size), size);
}

/** The records {@link durableShadowWindow} sums: one per process, newest first. */
function judgedEvidence(evidence: readonly ShadowEvidence[], since: string | null, size: number): ShadowEvidence[] {
  if (since === null) return [];
  const newest = new Map<string, ShadowEvidence>();
  for (const e of evidence) {
    const seen = newest.get(e.instance);
    if (!seen || e.at > seen.at) newest.set(e.instance, e);
  }
  const recent = [...newest.values()].filter((e) => e.at > since).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const judged: ShadowEvidence[] = [];
  let compared = 0;
  for (const e of recent) {
    if (compared >= size) break;
    judged.push(e);
    compared += e.compared;
  }
  return judged;
}

/** The window of `records` summed (whole processes). */
function sumWindow(records: readonly ShadowEvidence[], size: number): ShadowWindowStats {
  let compared = 0;
  let consistent = 0;
  for (const e of records) {
    compared += e.compared;
    consistent += e.consistent;
  }
  return { size, compared, consistent, consistencyRate: compared === 0 ? 1 : consistent / compared };
}

/** The thresholds the gate on durable evidence judges by (from the dual-write options). */
export type StartThresholds = CutoverThresholds & { shadowWindow: number };

/** `given` completed with the dual-write defaults (`cutoverShadowThreshold`, `cutoverMinShadowReads`, `shadowWindow`). */
export function startThresholds(given: Partial<StartThresholds> = {}): StartThresholds {
  return {
    shadowThreshold: given.shadowThreshold ?? DUAL_WRITE_DEFAULTS.cutoverShadowThreshold,
    minShadowReads: given.minShadowReads ?? DUAL_WRITE_DEFAULTS.cutoverMinShadowReads,
    shadowWindow: given.shadowWindow ?? DUAL_WRITE_DEFAULTS.shadowWindow,
  };
}

/** The durable shadow window the gate judged, and where it came from. */
export interface JudgedShadowWindow extends ShadowWindowStats {
  /** When the current shadow run began ({@link shadowRunStart}); null: no shadow-reading stage was recorded. */
  since: string | null;
  /** How many processes' records were summed (a running process's own window counts as one). */
  processes: number;
}

/** What the cutover gate found. */
export interface CutoverVerdict {
  /** Every condition that failed (empty: a move to `live` or `complete` would be allowed). */
  failed: CutoverCondition[];
  /** The shadow window judged. */
  shadow: JudgedShadowWindow;
}

/**
 * The cutover gate on durable evidence, as every gate runs it: at start, in `setStage` and in
 * the CLI's `status`. Reads from `stores` (both sides when both are at hand) the latest compares,
 * the stage history (for {@link shadowRunStart}) and the shadow evidence, and judges them with
 * `lag`, the primary changes not yet replicated (null: the store that could tell is not at hand,
 * which fails `pending`). `own` is a running process's window as it stands in memory: it replaces
 * that process's durable records (so a failed evidence write does not hide its reads), and counts
 * when its `at` (its last comparison) is after the start of the current run.
 */
export async function judgeCutover(stores: readonly Backend[], lag: number | null, thresholds: StartThresholds, own?: ShadowEvidence): Promise<CutoverVerdict> {
  const compares = await latestCompares(stores);
  const history: StageRecord[] = [];
  const evidence: ShadowEvidence[] = [];
  for (const store of stores) {
    history.push(...(await stageHistory(store)));
    evidence.push(...(await readShadowEvidence(store)));
  }
  const judged = own ? [...evidence.filter((e) => e.instance !== own.instance), own] : evidence;
  const since = shadowRunStart(history);
  const records = judgedEvidence(judged, since, thresholds.shadowWindow);
  const window = sumWindow(records, thresholds.shadowWindow);
  const shadow = { ...window, since, processes: records.length };
  const failed = cutoverFailures({ compares, lag: lag ?? 0, window }, thresholds);
  if (lag !== null) return { failed, shadow };
  const unknown: CutoverCondition = { condition: "pending", message: "the last recorded primary is not configured here, so its changes not yet replicated cannot be counted" };
  const at = failed.findIndex((f) => f.condition === "shadow");
  return { failed: at < 0 ? [...failed, unknown] : [...failed.slice(0, at), unknown, ...failed.slice(at)], shadow };
}

/**
 * The changes the last recorded stage's replication had not sent when its process stopped: the
 * primary's changes after the stored watermark of that direction (0 when that stage wrote no
 * secondary; the previous process's last pass, on `close`, moves the watermark to the end).
 * Reads only; null when the last primary's store is not at hand.
 */
export async function pendingAtStart(last: StageRecord, sides: Partial<Record<Side, Backend>>, pageSize: number): Promise<number | null> {
  if (!STAGES[last.stage].secondaryWritten) return 0;
  const primary = sides[last.primary];
  if (!primary) return null;
  return changesAfter(primary, (await readWatermark(primary, last.primary)) ?? 0, pageSize);
}

/** True when `store` records a backfill or a compare run (`migrationLogs`): a cutover involves it. */
async function syncRecorded(store: Backend): Promise<boolean> {
  const runs = [SYNC_RUN_IDS.backfill, SYNC_RUN_IDS.compare];
  return (await store.count("migrationLogs", [{ field: "runId", op: "in", values: runs }])) > 0;
}

/** What a forced start or move overrode, for its stage record. */
export function forcedMove(failed: readonly CutoverCondition[]): ForcedMove {
  return { forced: true, overridden: conditionsInWords(failed) };
}

/**
 * The cutover gate for a process started in `complete` on the destination alone (a plain
 * PostgreSQL backend: `createStoreFromEnv` at `complete`), where no dual-write backend runs.
 * Reads the latest stage record on `to` and, if the app still configures it (`openFrom`, opened
 * read-only), on the old store: the stages whose primary was the old store (`dual-write`,
 * `shadow`) are recorded there only. When the newest is not `complete` (the start is the move),
 * the same conditions as a dual-write backend started in `complete` are checked, and `complete`
 * is recorded on `to` (forced: with what was overridden). A `to` with no stage record is gated
 * only when it records a backfill or compare (a cutover under way: its stages so far are on the
 * old store); a database that took part in no cutover starts freely, the old store untouched.
 * Throws {@link CutoverRefusedError}, writing nothing, unless the conditions hold or `force`.
 */
export async function gateCompleteStart(options: {
  to: Backend;
  openFrom: (() => Backend) | null;
  force?: boolean;
  thresholds?: Partial<StartThresholds>;
  pageSize?: number;
  now?: () => Date;
}): Promise<void> {
  const { to } = options;
  const own = await latestStage(to);
  if (own?.stage === "complete") return;
  // A database with neither a stage record nor a backfill or compare took no part in a cutover.
  if (!own && !(await syncRecorded(to))) return;
  const from = options.openFrom?.() ?? null;
  try {
    const other = from ? await latestStage(from) : null;
    const last = newerStage(own, other);
    if (last && !startIsGated("complete", last)) return;
    const thresholds = startThresholds(options.thresholds);
    // No stage record: no dual write ran, so none left changes pending, as far as the stores tell.
    const lag = last ? await pendingAtStart(last, { to, ...(from ? { from } : {}) }, options.pageSize ?? DUAL_WRITE_DEFAULTS.batchSize) : from ? 0 : null;
    const { failed } = await judgeCutover(from ? [from, to] : [to], lag, thresholds);
    if (failed.length > 0 && !options.force) throw new CutoverRefusedError("complete", failed, last ? { startedAfter: last.stage } : {});
    await recordStage(to, "complete", "to", options.now?.() ?? new Date(), failed.length > 0 ? forcedMove(failed) : undefined);
  } finally {
    await from?.close();
  }
}
