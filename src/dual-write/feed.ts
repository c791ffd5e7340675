import { beginBulkLoad, withoutChangeSeq, type Backend, type BulkLoad, type ReplicationOutcome, type Stored } from "../backend.js";
import { REPLICATED_COLLECTIONS } from "../model/collections.js";
import { withTimeout } from "./timeout.js";
import type { AnyRow, CollectionName } from "../model/rows.js";

/**
 * Change-feed reconcile: re-applies to `target` every row `source` changed after a change
 * sequence, up to the source's change horizon (the point below which its feed is final), owners'
 * collections first. Apply is idempotent (`applyReplicated`), so windows may overlap freely; the
 * result says how far a watermark may move: never past a row the target does not hold.
 */

export { REPLICATED_COLLECTIONS };

/**
 * Rows already confirmed on the target (by a write's own replication), so a pass need not send
 * them again: `collection:id` -> version held.
 */
export class ConfirmedRows {
  private readonly held = new Map<string, number>();

  /** Notes that the target holds `row` at its version (or newer). */
  add(collection: CollectionName, id: string, version: number): void {
    const key = `${collection}:${id}`;
    if ((this.held.get(key) ?? 0) < version) this.held.set(key, version);
  }

  /** True when the target is known to hold this version or a newer one. */
  covers(collection: CollectionName, row: AnyRow): boolean {
    return (this.held.get(`${collection}:${row.id}`) ?? 0) >= row.version;
  }

  /** Forgets an entry once a pass has seen the row at or above the confirmed version. */
  settle(collection: CollectionName, row: AnyRow): void {
    const key = `${collection}:${row.id}`;
    const v = this.held.get(key);
    if (v !== undefined && v <= row.version) this.held.delete(key);
  }

  get size(): number {
    return this.held.size;
  }
}

/** A row the target refused with a conflict: left for repair, reported as a divergence. */
export interface RefusedRow {
  /** The collection of the row. */
  collection: CollectionName;
  /** The source's row as it was sent. */
  row: Stored;
  /** The target's refusal: a version or unique-key conflict. */
  outcome: Extract<ReplicationOutcome, { outcome: "conflict" }>;
}

/** What one pass did. */
export interface PassResult {
  /** The source's change horizon the pass ran up to. */
  horizon: number;
  /** How far a watermark may move: the horizon, or just below the first row still waiting for its owner. */
  safeWatermark: number;
  /** Rows written to the target. */
  applied: number;
  /** Rows written to the target, per collection. */
  appliedBy: Partial<Record<CollectionName, number>>;
  /** Rows read from the feed (sent, or skipped as confirmed). */
  read: number;
  /** Rows waiting for an owner the target does not hold yet (retried by the next pass). */
  waiting: number;
  /** Rows the target refused with a conflict (left for repair). */
  refused: RefusedRow[];
}

/** Options of {@link reconcilePass}. */
export interface PassOptions {
  source: Backend;
  target: Backend;
  /** Change sequence after which to read (exclusive). */
  since: number;
  batchSize: number;
  /** Rows known to be on the target already (skipped, then settled). */
  confirmed?: ConfirmedRows;
  signal?: AbortSignal;
  /** A target batch slower than this fails the pass (the next one retries it). */
  timeoutMs?: number;
  /**
   * A pass that starts more than this many changes behind the source's horizon runs with the
   * target in bulk-load mode (`Backend.beginBulkLoad`), ended when the pass ends, even on failure.
   * 0 or absent: never.
   */
  bulkLoadAbove?: number;
}

/**
 * Runs one change-feed pass from `since` to the source's current horizon. A long backlog (more
 * than `bulkLoadAbove` changes: a secondary that was down, or empty) runs as a bulk load on the
 * target: on PostgreSQL, GIN `fastupdate` on while the pass writes, several times faster for the
 * trigram index of a journal entry's text, merged and set back when the pass ends.
 */
export async function reconcilePass(options: PassOptions): Promise<PassResult> {
  const horizon = await options.source.changeHorizon();
  if (horizon <= options.since) {
    return { horizon, safeWatermark: Math.max(options.since, horizon), applied: 0, appliedBy: {}, read: 0, waiting: 0, refused: [] };
  }
  const bulk = (options.bulkLoadAbove ?? 0) > 0 && horizon - options.since > options.bulkLoadAbove!;
  let load: BulkLoad | null = null;
  try {
    if (bulk) {
      const starting = beginBulkLoad(options.target, REPLICATED_COLLECTIONS);
      load = await (options.timeoutMs ? withTimeout(starting, options.timeoutMs, `the target (${options.target.name})`) : starting).catch((error: unknown) => {
        void starting.then((late) => late.end()).catch(() => undefined); // started after all: ended, not left on
        throw error;
      });
    }
    const result = await passUpTo(options, horizon);
    await load?.end();
    return result;
  } catch (error) {
    await load?.end().catch(() => undefined); // the pass's own error is the one to report
    throw error;
  }
}

/** The pass itself: every replicated collection's changes after `since`, up to `horizon`. */
async function passUpTo(options: PassOptions, horizon: number): Promise<PassResult> {
  const { source, target, batchSize, confirmed } = options;
  const result: PassResult = { horizon, safeWatermark: horizon, applied: 0, appliedBy: {}, read: 0, waiting: 0, refused: [] };
  let firstWaiting = Number.POSITIVE_INFINITY;
  for (const collection of REPLICATED_COLLECTIONS) {
    options.signal?.throwIfAborted();
    let page = await source.scan(collection, { changedSince: options.since, limit: batchSize });
    for (;;) {
      const rows = page.filter((r) => r.changeSeq <= horizon);
      result.read += rows.length;
      const last = page.length < batchSize || rows.length < page.length;
      // The next page is read while this one is written: the feed and the target are different
      // stores, so the pass costs about the larger of the two instead of their sum.
      const next = last ? null : source.scan(collection, { changedSince: page[page.length - 1]!.changeSeq, limit: batchSize });
      next?.catch(() => undefined);
      const send = confirmed ? rows.filter((r) => !confirmed.covers(collection, r)) : rows;
      if (send.length > 0) {
        const applying = target.applyReplicated(collection, send.map((r) => withoutChangeSeq<AnyRow>(r)));
        const outcomes = await (options.timeoutMs ? withTimeout(applying, options.timeoutMs, `the target (${target.name})`) : applying);
        outcomes.forEach((o, i) => {
          const row = send[i]!;
          if (o.outcome === "applied") {
            result.applied++;
            result.appliedBy[collection] = (result.appliedBy[collection] ?? 0) + 1;
          }
          else if (o.outcome === "missing-owner") {
            result.waiting++;
            firstWaiting = Math.min(firstWaiting, row.changeSeq);
          } else if (o.outcome === "conflict") result.refused.push({ collection, row, outcome: o });
        });
      }
      if (confirmed) for (const r of rows) confirmed.settle(collection, r);
      if (!next) break;
      options.signal?.throwIfAborted();
      page = await next;
    }
  }
  if (firstWaiting !== Number.POSITIVE_INFINITY) result.safeWatermark = Math.max(options.since, firstWaiting - 1);
  return result;
}

