import type { Backend, Stored } from "../../backend.js";
import { conditionsInWords, UsageError, type CutoverCondition } from "../../errors.js";
import { latestCompares } from "../../dual-write/cutover-gate.js";
import { cutoverThresholdIssues, DUAL_WRITE_DEFAULTS } from "../../dual-write/options.js";
import { latestStage, newerStage, STAGE_RUN_ID, type StageRecord } from "../../dual-write/records.js";
import { judgeCutover, pendingAtStart, startThresholds, type JudgedShadowWindow, type StartThresholds } from "../../dual-write/start-gate.js";
import type { Side } from "../../model/stages.js";
import { SYNC_RUN_IDS } from "../../model/operational.js";
import type { MigrationLogRow } from "../../model/rows.js";
import { parseFlags, positiveInteger } from "../args.js";
import type { Command } from "../command.js";
import { fromEndpoint, toEndpoint, type Endpoint } from "../endpoint.js";
import { EXIT } from "../io.js";
import { openEndpoint } from "../open.js";
import { table } from "../table.js";

const FLAGS = {
  from: { type: "string" },
  to: { type: "string" },
  json: { type: "boolean" },
  limit: { type: "string" },
  "min-shadow-reads": { type: "string" },
  "shadow-threshold": { type: "string" },
  "shadow-window": { type: "string" },
} as const;

/** What `status` found on one store. */
export interface StoreStatus {
  store: string;
  /** Stage records, newest first. */
  stages: { at: string; stage: string; primary: string; forced: boolean; overridden: string | null }[];
  /** The latest backfill and repair runs, newest first. */
  runs: { operation: string; status: string; startedAt: string; durationMs: number | null; divergencesFound: number; divergencesRepaired: number; error: string | null }[];
  /** The latest compare per collection. */
  compares: { collection: string; status: string; startedAt: string; divergencesFound: number }[];
}

/**
 * The cutover gate's verdict on the stores given, for a move to `live` or `complete` now: what a
 * gated start judges (`judgeCutover`, with `pendingAtStart` after the last stage recorded), with
 * the dual-write defaults as thresholds.
 */
export interface GateStatus {
  /** The thresholds judged by (the dual-write defaults: an app may configure its own). */
  thresholds: StartThresholds;
  /** The newest stage record of the stores given, or null. */
  lastStage: StageRecord | null;
  /** The durable shadow window the gate judges (comparisons, consistency, processes, since when). */
  shadow: JudgedShadowWindow;
  /** `allowed`, or `refused` naming each failed condition in `failed`. */
  verdict: "allowed" | "refused";
  /** Every condition that failed. */
  failed: CutoverCondition[];
  /** What cannot be judged because a store is not given (empty when both are). */
  notJudged: string[];
}

/** What `status --json` prints. */
export interface StatusOutput {
  stores: StoreStatus[];
  gate: GateStatus;
}

/**
 * `status`: reads each store's migrationLogs (read-only: a JSON store without a lock) and prints
 * the stage history, the latest backfill and repair runs, the latest compare of every collection
 * with its divergences, and the cutover gate's verdict with the shadow evidence it judges. Exits 1
 * when a latest compare found divergences.
 */
export const statusCommand: Command = {
  name: "status",
  summary: "stage history, latest runs and their divergences, the cutover gate's verdict",
  help: `Usage: journal-store-backfill status [--from STORE] [--to STORE] [--limit N] [--json]
                                     [--min-shadow-reads N] [--shadow-threshold X] [--shadow-window N]

Prints, for each store given (defaults: json:$JOURNAL_STORE_JSON_DIR and $DATABASE_URL), the
stage history of the dual-write backend, the latest backfill and repair runs, and the latest
compare of every collection with the divergences it found. Then the cutover gate over both: the
durable shadow evidence it judges (comparisons, consistency, processes, since when) and its
verdict for a move to live or complete now ("allowed", or "refused: " and each failed
condition), with the dual-write defaults as thresholds unless the app sets its own: pass them as
--min-shadow-reads (cutoverMinShadowReads, default 100), --shadow-threshold (cutoverShadowThreshold,
a number from 0 to 1, default 0.999) and --shadow-window (shadowWindow, default 1000). --from is the store dual write moves from (the JSON
store), --to the one it moves to; with one of them only, the output says what cannot be judged.
Stores are only read (a JSON store without taking its lock). Exit codes: 0, or 1 when a latest
compare found divergences; 2 usage or configuration error; 3 runtime failure.
`,
  async run(argv, io) {
    const flags = parseFlags(argv, FLAGS);
    const cwd = io.cwd ?? ".";
    const limit = positiveInteger(flags.limit as string | undefined, "--limit", 10);
    const thresholds = thresholdFlags(flags);
    const given = { from: fromEndpoint(flags.from as string | undefined, io.env, cwd), to: toEndpoint(flags.to as string | undefined, io.env, cwd) };
    if (!given.from && !given.to) throw new UsageError("--to", "missing: give --from and/or --to, or set JOURNAL_STORE_JSON_DIR and/or DATABASE_URL");
    const opened: Partial<Record<Side, { endpoint: Endpoint; backend: Backend }>> = {};
    try {
      for (const side of SIDES) {
        const endpoint = given[side];
        if (endpoint) opened[side] = { endpoint, backend: await openEndpoint(endpoint, "read") };
      }
      const stores: StoreStatus[] = [];
      for (const side of SIDES) {
        const o = opened[side];
        if (o) stores.push(await statusOf(o.endpoint, o.backend, limit));
      }
      const sides: Partial<Record<Side, Backend>> = {};
      for (const side of SIDES) if (opened[side]) sides[side] = opened[side].backend;
      const out: StatusOutput = { stores, gate: await gateOf(sides, thresholds) };
      if (flags.json) io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else io.stdout.write(`${stores.map(render).join("\n")}\n${renderGate(out.gate)}`);
      return stores.some((s) => s.compares.some((c) => c.divergencesFound > 0)) ? EXIT.divergences : EXIT.consistent;
    } finally {
      await Promise.allSettled(SIDES.map((side) => opened[side]?.backend.close()));
    }
  },
};

const SIDES: readonly Side[] = ["from", "to"];

/** The flag of each dual-write option `status` takes. */
const THRESHOLD_FLAGS = { cutoverShadowThreshold: "--shadow-threshold", cutoverMinShadowReads: "--min-shadow-reads" } as const;

/**
 * The gate's thresholds from `--min-shadow-reads`, `--shadow-threshold` and `--shadow-window`,
 * the dual-write defaults for those not given; checked by the dual-write options' own rule.
 */
function thresholdFlags(flags: Record<string, unknown>): StartThresholds {
  const shadowWindow = positiveInteger(flags["shadow-window"] as string | undefined, "--shadow-window", DUAL_WRITE_DEFAULTS.shadowWindow);
  const number = (flag: string, fallback: number) => {
    const value = flags[flag] as string | undefined;
    return value === undefined ? fallback : value.trim() === "" ? Number.NaN : Number(value);
  };
  const t = {
    cutoverShadowThreshold: number("shadow-threshold", DUAL_WRITE_DEFAULTS.cutoverShadowThreshold),
    cutoverMinShadowReads: number("min-shadow-reads", DUAL_WRITE_DEFAULTS.cutoverMinShadowReads),
    shadowWindow,
  };
  const [issue] = cutoverThresholdIssues(t);
  if (issue) throw new UsageError(THRESHOLD_FLAGS[issue.path], issue.message);
  return startThresholds({ shadowThreshold: t.cutoverShadowThreshold, minShadowReads: t.cutoverMinShadowReads, shadowWindow });
}

/** What each side's store holds that the gate cannot read when it is not given. */
const MISSING: Record<Side, string> = {
  from: "the store dual write moves from (--from, default json:$JOURNAL_STORE_JSON_DIR) is not given: its compares, stage records and shadow evidence (recorded by the processes it was primary for: off, dual-write, shadow) are not counted",
  to: "the store dual write moves to (--to, default $DATABASE_URL) is not given: its compares, stage records and shadow evidence (recorded by the processes it was primary for: live, rampdown) are not counted",
};

/**
 * The cutover gate over the stores given, as a gated start judges them: the last stage recorded,
 * what its replication left pending (`pendingAtStart`; none when no stage was ever recorded), and
 * `judgeCutover` with the dual-write defaults as thresholds.
 */
async function gateOf(at: Partial<Record<Side, Backend>>, thresholds: StartThresholds): Promise<GateStatus> {
  const stores = SIDES.flatMap((side) => (at[side] ? [at[side]] : []));
  let last: StageRecord | null = null;
  for (const store of stores) last = newerStage(last, await latestStage(store));
  const lag = last ? await pendingAtStart(last, at, DUAL_WRITE_DEFAULTS.batchSize) : 0;
  const { failed, shadow } = await judgeCutover(stores, lag, thresholds);
  return {
    thresholds,
    lastStage: last,
    shadow,
    verdict: failed.length === 0 ? "allowed" : "refused",
    failed,
    notJudged: SIDES.filter((side) => !at[side]).map((side) => MISSING[side]),
  };
}

async function newest(backend: Backend, runId: string, limit: number): Promise<Stored<MigrationLogRow>[]> {
  const page = await backend.query("migrationLogs", { where: [{ field: "runId", op: "eq", value: runId }], orderBy: { field: "startedAt", direction: "desc" }, limit });
  return page.rows as Stored<MigrationLogRow>[];
}

async function statusOf(endpoint: Endpoint, backend: Backend, limit: number): Promise<StoreStatus> {
  const stages = (await newest(backend, STAGE_RUN_ID, limit)).map((r) => {
    const c = (r.checkpoint ?? {}) as Record<string, unknown>;
    return { at: r.startedAt, stage: String(c.stage ?? "?"), primary: String(c.primary ?? "?"), forced: c.forced === true, overridden: typeof c.overridden === "string" ? c.overridden : null };
  });
  const runs = [...(await newest(backend, SYNC_RUN_IDS.backfill, limit)), ...(await newest(backend, SYNC_RUN_IDS.repair, limit))]
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
    .slice(0, limit)
    .map((r) => ({ operation: r.operation, status: r.status, startedAt: r.startedAt, durationMs: r.durationMs, divergencesFound: r.divergencesFound, divergencesRepaired: r.divergencesRepaired, error: r.error }));
  const compares = [...(await latestCompares([backend])).values()].map((r) => ({ collection: r.collection ?? "?", status: r.status, startedAt: r.startedAt, divergencesFound: r.divergencesFound }));
  return { store: endpoint.display, stages, runs, compares };
}

function renderGate(g: GateStatus): string {
  const t = g.thresholds;
  const w = g.shadow;
  const evidence =
    w.since === null
      ? "no shadow run recorded (no shadow or live stage)"
      : `${w.compared} comparison(s), ${w.consistent} consistent (rate ${w.consistencyRate.toFixed(4)}) from ${w.processes} process(es) since ${w.since}`;
  const lines = [
    `cutover gate (a move to live or complete now; thresholds: at least ${t.minShadowReads} shadow comparisons, consistency ${t.shadowThreshold}, window ${t.shadowWindow})`,
    `  last stage       ${g.lastStage ? `${g.lastStage.stage} (primary ${g.lastStage.primary}) at ${g.lastStage.at}` : "none recorded"}`,
    `  shadow evidence  ${evidence}`,
    `  verdict          ${g.verdict === "allowed" ? "allowed" : `refused: ${conditionsInWords(g.failed)}`}`,
    ...g.notJudged.map((n) => `  not judged       ${n}`),
  ];
  return `${lines.join("\n")}\n`;
}

function render(s: StoreStatus): string {
  const parts = [`${s.store}\n\nstages (newest first)\n`];
  parts.push(s.stages.length ? table(["at", "stage", "primary", "forced"], s.stages.map((x) => [x.at, x.stage, x.primary, x.forced ? `yes: ${x.overridden ?? ""}` : ""])) : "  none recorded\n");
  parts.push("\nruns (newest first)\n");
  parts.push(s.runs.length ? table(["started", "operation", "status", "ms", "found", "repaired", "error"], s.runs.map((r) => [r.startedAt, r.operation, r.status, r.durationMs ?? "-", r.divergencesFound, r.divergencesRepaired, r.error ?? ""])) : "  none recorded\n");
  parts.push("\nlatest compare per collection\n");
  parts.push(s.compares.length ? table(["collection", "at", "status", "divergences"], s.compares.map((c) => [c.collection, c.startedAt, c.status, c.divergencesFound])) : "  none recorded\n");
  return parts.join("");
}
