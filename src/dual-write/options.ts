import type { Backend } from "../backend.js";
import type { Stage } from "../model/stages.js";

/** How a dual-write backend applies the primary's rows to the secondary. */
export type SecondaryWrites = "sync" | "async";

/** What a failed secondary write does to the caller. */
export type SecondaryFailure = "continue" | "fail";

/**
 * Decides whether two rows of a shadow read agree. Gets the field paths `diffRows` found (after
 * `ignoreFields`) and returns the paths that count; an empty array means consistent.
 */
export type ShadowCompare = (collection: string, primary: object | null, secondary: object | null, fields: string[]) => string[];

/** Options of {@link dualWriteBackend}. Defaults: {@link DUAL_WRITE_DEFAULTS}. */
export interface DualWriteOptions {
  /** The store being left (the JSON files, in the default cutover). */
  from: Backend;
  /** The destination (PostgreSQL). */
  to: Backend;
  /** The stage to start in (see `STAGES`). */
  stage: Stage;
  /** `sync`: a write returns after both sides; `async`: after the primary, the secondary follows in commit order. */
  secondaryWrites?: SecondaryWrites;
  /** Share of reads (0..1) shadowed on the secondary in the `shadow` and `live` stages, sampled per user. */
  shadowSample?: number;
  /** `continue` (default): a failed secondary write is an event and is retried from the change feed; `fail`: the caller's write rejects too (the primary has committed it all the same). */
  onSecondaryFailure?: SecondaryFailure;
  /** A custom shadow-read comparison on top of `diffRows`. */
  compare?: ShadowCompare;
  /** Field paths never compared by shadow reads, per collection (`{ journalEntries: ["metadata.cache"] }`). */
  ignoreFields?: Readonly<Record<string, readonly string[]>>;
  /** Emit `slow-operation` above this many ms (DB_PERFORMANCE_TARGET_MS). */
  slowOperationMs?: number;
  /** A shadow read slower than this is abandoned (never delays the caller either way). */
  shadowTimeoutMs?: number;
  /**
   * A secondary write or reconcile batch slower than this counts as failed (`secondary-error`,
   * retried from the change feed), so a secondary that stops answering without refusing
   * connections never holds the caller's write. It may still land later; apply is idempotent.
   */
  secondaryTimeoutMs?: number;
  /** Rows per change-feed page and per secondary batch in a reconcile pass. */
  batchSize?: number;
  /**
   * `async` mode: how long, in ms, less than a batch of queued writes waits for more before it is
   * sent to the secondary (0: at once). Batches mean fewer secondary commits, whose disk flushes
   * and CPU otherwise compete with the primary's writes; `flush()`, `lag()` waiters, a stage move
   * and `close()` never wait for it.
   */
  asyncLingerMs?: number;
  /**
   * A reconcile pass more than this many changes behind the primary runs as a bulk load on the
   * secondary (`Backend.beginBulkLoad`; on PostgreSQL, GIN `fastupdate` on for the pass). 0: never.
   */
  bulkLoadAbove?: number;
  /** How often the background pass advances the durable watermark, in ms. */
  reconcileIntervalMs?: number;
  /** The first retry delay after a failed secondary write, in ms; it doubles per failure. */
  retryBaseMs?: number;
  /** The largest retry delay after failed secondary writes, in ms (the doubling stops here). */
  retryMaxMs?: number;
  /** How many recent shadow comparisons `stats().shadow.window` keeps, and the cutover gate judges. */
  shadowWindow?: number;
  /** The cutover gate's least shadow consistency over the window (0..1) for a move to `live` or `complete`. */
  cutoverShadowThreshold?: number;
  /** The cutover gate's least number of shadow comparisons in the window (0: no minimum). */
  cutoverMinShadowReads?: number;
  /**
   * How often, at most, a process that shadow-reads records its shadow window on the primary
   * (from the background pass, only when the window changed; also on `setStage` and `close`), in
   * ms. The cutover gate (a process later started in `live` or `complete`, and `setStage` in
   * any process) judges these records.
   */
  shadowEvidenceIntervalMs?: number;
  /**
   * Start even when the start is a gated cutover (into `live` or `complete`) and a condition
   * fails; the stage record keeps what was overridden. The run-time counterpart is
   * `setStage(next, { force: true })`.
   */
  forceCutover?: boolean;
}

/** The defaults of {@link DualWriteOptions}, in one place. */
export const DUAL_WRITE_DEFAULTS = {
  /** A write returns after both sides. */
  secondaryWrites: "sync",
  /** No shadow reads. */
  shadowSample: 0,
  /** A failed secondary write is an event and is retried; the caller's write succeeds. */
  onSecondaryFailure: "continue",
  /** `slow-operation` above 50 ms. */
  slowOperationMs: 50,
  /** Shadow reads abandoned after 2 s. */
  shadowTimeoutMs: 2_000,
  /** Secondary writes count as failed after 10 s. */
  secondaryTimeoutMs: 10_000,
  /** Rows per change-feed page and secondary batch. */
  batchSize: 500,
  /** Async secondary writes wait up to 5 ms to go out together. */
  asyncLingerMs: 5,
  /** Passes more than 10,000 changes behind run as a bulk load on the secondary. */
  bulkLoadAbove: 10_000,
  /** The background pass runs every second. */
  reconcileIntervalMs: 1_000,
  /** The first retry after 100 ms. */
  retryBaseMs: 100,
  /** Retries at most every 30 s. */
  retryMaxMs: 30_000,
  /** The last 1000 shadow comparisons are judged. */
  shadowWindow: 1_000,
  /** The cutover gate wants 99.9 % consistent shadow reads... */
  cutoverShadowThreshold: 0.999,
  /** ...over at least 100 comparisons. */
  cutoverMinShadowReads: 100,
  /**
   * The shadow window is recorded at most every 10 s while it changes: one row per process,
   * updated in place, so a busy shadow stage costs one small write per 10 s, and a process
   * killed without `close` loses at most 10 s of evidence.
   */
  shadowEvidenceIntervalMs: 10_000,
  /** A start that is a cutover is gated like `setStage`. */
  forceCutover: false,
} as const;

/**
 * The problems of the cutover gate's thresholds, named by option: `cutoverShadowThreshold` a
 * number from 0 to 1, `cutoverMinShadowReads` a whole number from 0 to `shadowWindow` (itself
 * checked with the other positive whole numbers). One rule for the options and the CLI's flags.
 */
export function cutoverThresholdIssues(t: { cutoverShadowThreshold: number; cutoverMinShadowReads: number; shadowWindow: number }): { path: "cutoverShadowThreshold" | "cutoverMinShadowReads"; message: string }[] {
  const issues: { path: "cutoverShadowThreshold" | "cutoverMinShadowReads"; message: string }[] = [];
  if (!(typeof t.cutoverShadowThreshold === "number" && t.cutoverShadowThreshold >= 0 && t.cutoverShadowThreshold <= 1)) issues.push({ path: "cutoverShadowThreshold", message: "must be a number from 0 to 1" });
  if (!(Number.isInteger(t.cutoverMinShadowReads) && t.cutoverMinShadowReads >= 0 && t.cutoverMinShadowReads <= t.shadowWindow)) {
    issues.push({ path: "cutoverMinShadowReads", message: `must be a whole number from 0 to shadowWindow (${t.shadowWindow})` });
  }
  return issues;
}

/** Options with every default applied. */
export type ResolvedDualWriteOptions = Required<Omit<DualWriteOptions, "compare" | "ignoreFields">> &
  Pick<DualWriteOptions, "compare" | "ignoreFields">;
