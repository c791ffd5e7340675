import type { Side } from "../model/stages.js";

/**
 * Counters and latency percentiles of a dual-write backend, kept in memory without a metrics
 * system: per side and operation, the count, errors and the p50/p95/p99 of the latest samples.
 */

/** Latency samples kept per side and operation (a ring: percentiles describe recent traffic). */
const WINDOW = 4096;

/** Figures of one operation on one side. */
export interface OperationStats {
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** What `stats()` returns. */
export interface DualWriteStats {
  stage: string;
  /** Per side (`from`, `to`), per operation (`get`, `insert`, `replicate`, `shadow-get`, ...). */
  sides: Record<Side, Record<string, OperationStats>>;
  shadow: {
    /** Shadow reads compared (abandoned ones excluded). */
    compared: number;
    consistent: number;
    /** consistent / compared (1 when nothing was compared). */
    consistencyRate: number;
    /** Shadow reads that failed or timed out. */
    failed: number;
  };
  /** Secondary writes retried from the change feed. */
  retries: number;
  /** Rows acknowledged on the primary whose secondary write has not been confirmed. */
  pending: number;
  /** The durable watermark: every primary change at or below it is on the secondary. */
  watermark: number;
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
      },
      retries: this.retries,
    };
  }
}
