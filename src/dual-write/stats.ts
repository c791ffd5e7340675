import type { Side } from "../model/stages.js";

/**
 * Counters and latency percentiles of a dual-write backend, kept in memory without a metrics
 * system: per side and operation, the count, errors and the p50/p95/p99 of the latest samples.
 */

/** Latency samples kept per side and operation (a ring: percentiles describe recent traffic). */
const WINDOW = 4096;

/** Figures of one operation on one side. */
export interface OperationStats {
  /** Calls so far. */
  count: number;
  /** Calls that failed. */
  errors: number;
  /** Median latency of the recent calls, in ms. */
  p50Ms: number;
  /** 95th-percentile latency of the recent calls, in ms. */
  p95Ms: number;
  /** 99th-percentile latency of the recent calls, in ms. */
  p99Ms: number;
}

/** What `stats()` returns. */
export interface DualWriteStats {
  /** The current stage. */
  stage: string;
  /** Per side (`from`, `to`), per operation (`get`, `insert`, `replicate`, `shadow-get`, ...). */
  sides: Record<Side, Record<string, OperationStats>>;
  /** Shadow-read figures since the backend opened. */
  shadow: {
    /** Shadow reads compared (abandoned ones excluded). */
    compared: number;
    /** Shadow reads whose rows agreed. */
    consistent: number;
    /** consistent / compared (1 when nothing was compared). */
    consistencyRate: number;
    /** Shadow reads that failed or timed out. */
    failed: number;
    /** This process's last `shadowWindow` comparisons (its part of what the cutover gate judges, beside the durable evidence of other processes). */
    window: ShadowWindowStats;
  };
  /** Secondary writes retried from the change feed. */
  retries: number;
  /** Rows acknowledged on the primary whose secondary write has not been confirmed. */
  pending: number;
  /** The durable watermark: every primary change at or below it is on the secondary. */
  watermark: number;
}

/** Consistency over the most recent shadow comparisons. */
export interface ShadowWindowStats {
  /** How many comparisons the window holds at most (`shadowWindow`). */
  size: number;
  /** Comparisons in the window now (fewer than `size` until it fills). */
  compared: number;
  /** Comparisons in the window whose rows agreed. */
  consistent: number;
  /** consistent / compared (1 when the window is empty: read `compared` first). */
  consistencyRate: number;
}

/**
 * A ring of the last N shadow comparisons (consistent or not), so the cutover gate judges recent
 * traffic rather than everything since the process started. Failed or abandoned shadow reads
 * compared nothing and are not in it.
 */
export class ShadowWindow {
  private readonly ring: Uint8Array;
  private filled = 0;
  private next = 0;
  private consistent = 0;

  constructor(readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  /** Records one comparison, dropping the oldest once full. */
  record(consistent: boolean): void {
    if (this.filled === this.size) this.consistent -= this.ring[this.next]!;
    else this.filled++;
    this.ring[this.next] = consistent ? 1 : 0;
    if (consistent) this.consistent++;
    this.next = (this.next + 1) % this.size;
  }

  /** The window's figures now. */
  snapshot(): ShadowWindowStats {
    return { size: this.size, compared: this.filled, consistent: this.consistent, consistencyRate: this.filled === 0 ? 1 : this.consistent / this.filled };
  }
}

class Series {
  count = 0;
  errors = 0;
  private readonly samples = new Float64Array(WINDOW);
  private filled = 0;
  private next = 0;

  record(ms: number, failed: boolean): void {
    this.count++;
    if (failed) this.errors++;
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
    if (this.filled < WINDOW) this.filled++;
  }

  snapshot(): OperationStats {
    const sorted = Array.from(this.samples.subarray(0, this.filled)).sort((a, b) => a - b);
    const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return { count: this.count, errors: this.errors, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99) };
  }
}

/** The mutable counters behind {@link DualWriteStats}. */
export class StatsRecorder {
  private readonly series: Record<Side, Map<string, Series>> = { from: new Map(), to: new Map() };
  shadowCompared = 0;
  shadowConsistent = 0;
  shadowFailed = 0;
  retries = 0;
  /** When the last shadow comparison was recorded (ms since the epoch), or null before the first. */
  shadowLastMs: number | null = null;
  /** The recent shadow comparisons, for the cutover gate. */
  readonly shadowWindow: ShadowWindow;

  constructor(shadowWindow: number) {
    this.shadowWindow = new ShadowWindow(shadowWindow);
  }

  /** Records the outcome of one shadow comparison (totals and the recent window). */
  shadowResult(consistent: boolean): void {
    this.shadowCompared++;
    if (consistent) this.shadowConsistent++;
    this.shadowWindow.record(consistent);
    this.shadowLastMs = Date.now();
  }

  /** Records one operation's latency. */
  record(side: Side, operation: string, ms: number, failed: boolean): void {
    let s = this.series[side].get(operation);
    if (!s) this.series[side].set(operation, (s = new Series()));
    s.record(ms, failed);
  }

  /** A copy of every figure. */
  snapshot(extra: { stage: string; pending: number; watermark: number }): DualWriteStats {
    const side = (m: Map<string, Series>) => Object.fromEntries([...m].map(([op, s]) => [op, s.snapshot()]));
    return {
      ...extra,
      sides: { from: side(this.series.from), to: side(this.series.to) },
      shadow: {
        compared: this.shadowCompared,
        consistent: this.shadowConsistent,
        consistencyRate: this.shadowCompared === 0 ? 1 : this.shadowConsistent / this.shadowCompared,
        failed: this.shadowFailed,
        window: this.shadowWindow.snapshot(),
      },
      retries: this.retries,
    };
  }
}
