import { beginBulkLoad, withoutChangeSeq, type BulkLoad, type ReplicationOutcome } from "../backend.js";
import type { JsonObject } from "../model/json.js";
import type { AnyRow, CollectionName } from "../model/rows.js";
import { ValidationError } from "../errors.js";
import { SYNC_DEFAULTS, type SyncOptions } from "./options.js";
import { pages, syncCollections } from "./pager.js";
import { errorText, perSecond, timings, type RunReport } from "./report.js";
import { closeAbandoned, latestRun, RunLog, runningRuns } from "./run-log.js";

/** Options of {@link backfill}. */
export interface BackfillOptions extends SyncOptions {
  /** Continue from the checkpoint of the latest backfill run recorded on the target. */
  resume?: boolean;
  /** Read and count everything, write nothing (no run record either). */
  dryRun?: boolean;
  /**
   * Copy only rows whose `updatedAt` is at or after this ISO timestamp (deletes included, as
   * their tombstones carry the delete's time): a catch-up after an earlier full backfill. Every
   * row is still read, in id order, and counted in `read`; the rest are skipped, not written.
   */
  since?: string;
  /**
   * Put the target in bulk-load mode for the run (`Backend.beginBulkLoad`: PostgreSQL turns GIN
   * `fastupdate` on), and back when the run ends, failed or aborted too. Default
   * `SYNC_DEFAULTS.bulkLoad`.
   */
  bulkLoad?: boolean;
}

/** Counts of one collection. */
export interface BackfillCounts {
  /** Rows read from the source. */
  read: number;
  /** Written to the target (absent or older there). */
  applied: number;
  /** Already there at this version, or newer: left alone. */
  stale: number;
  /** Refused: same version with other content, or a unique key held by another row. */
  conflicts: number;
  /** Still waiting for an owner the target does not hold, after a retry at the end. */
  missingOwner: number;
}

/** Where a backfill got to: per collection, the last id copied and whether it finished. */
export type BackfillCheckpoint = Partial<
  Record<
    CollectionName,
    {
      /** The last id copied (null: none yet). */
      afterId: string | null;
      /** Whether the collection is finished. */
      done: boolean;
    }
  >
>;

/** What {@link backfill} returns. */
export interface BackfillReport extends RunReport {
  /** Which operation this report is of. */
  operation: "backfill";
  /** Counts per collection. */
  collections: Partial<Record<CollectionName, BackfillCounts>>;
  /** Rows the target refused, with the reason (left for compare and repair). */
  refused: {
    /** The row's collection. */
    collection: CollectionName;
    /** The row's id. */
    id: string;
    /** `version` or `unique-key:<key>`. */
    reason: string;
  }[];
  /** Where the run got to (what `resume` continues from). */
  checkpoint: BackfillCheckpoint;
  /** Rows read per second over the whole run. */
  rowsPerSecond: number;
}

/**
 * Copies the source into the target: each collection in id order, owners first, in batches
 * written with the target's `applyReplicated`. Idempotent (a newer target row is never
 * overwritten, a tombstone never undone), so it is safe while dual write is live; resumable (the
 * checkpoint is recorded on the target after every batch); stops cleanly after the current batch
 * when `signal` aborts. Returns a report; a failure is reported, not thrown.
 *
 * @example
 * ```ts
 * const report = await backfill({ source: jsonFileBackend({ dir, readOnly: true }), target: postgres });
 * if (report.status !== "completed") console.error(report.error);
 * ```
 */
export async function backfill(options: BackfillOptions): Promise<BackfillReport> {
  const { source, target, signal } = options;
  const batchSize = options.batchSize ?? SYNC_DEFAULTS.batchSize;
  const now = options.now ?? (() => new Date());
  const collections = syncCollections(options.collections);
  const started = now();
  const runId = SYNC_DEFAULTS.runIds.backfill;
  const since = options.since === undefined ? null : Date.parse(options.since);
  if (since !== null && Number.isNaN(since)) throw new ValidationError("backfill", [{ path: "since", message: "must be an ISO timestamp" }]);

  let checkpoint: BackfillCheckpoint = {};
  if (options.resume) {
    const last = await latestRun(target, runId, (r) => r.operation === "backfill");
    checkpoint = (last?.checkpoint as BackfillCheckpoint | null) ?? {};
  }
  const counts: Partial<Record<CollectionName, BackfillCounts>> = {};
  const refused: BackfillReport["refused"] = [];
  const waiting: { collection: CollectionName; row: AnyRow }[] = [];
  const log = options.dryRun ? null : await RunLog.start(target, { runId, operation: "backfill", checkpoint }, now);
  let status: BackfillReport["status"] = "completed";
  let error: string | null = null;
  let load: BulkLoad | null = null;
  let read = 0;

  const tally = (collection: CollectionName, rows: readonly AnyRow[], outcomes: readonly ReplicationOutcome[], c: BackfillCounts, retry: boolean) => {
    outcomes.forEach((o, i) => {
      if (o.outcome === "applied") c.applied++;
      else if (o.outcome === "stale") c.stale++;
      else if (o.outcome === "missing-owner") {
        if (retry) c.missingOwner++;
        else waiting.push({ collection, row: rows[i]! });
      } else {
        c.conflicts++;
        refused.push({ collection, id: o.id, reason: o.reason === "unique-key" ? `unique-key:${o.key}` : "version" });
      }
    });
  };

  try {
    // Runs that never closed their record (their process was killed) are closed when one resumes.
    if (log && options.resume) for (const row of await runningRuns(target, runId)) if (row.id !== log.id) await closeAbandoned(target, row, log.id, now);
    if (!options.dryRun && (options.bulkLoad ?? SYNC_DEFAULTS.bulkLoad)) {
      load = await beginBulkLoad(target, collections).catch((e: unknown) => {
        throw new Error(`starting the bulk load on the target failed (bulkLoad: false skips it): ${errorText(e)}`);
      });
    }
    for (const collection of collections) {
      const c: BackfillCounts = (counts[collection] = { read: 0, applied: 0, stale: 0, conflicts: 0, missingOwner: 0 });
      const at = checkpoint[collection];
      if (at?.done) continue;
      const total = await source.count(collection);
      for await (const page of pages(source, collection, { afterId: at?.afterId ?? null, batchSize, signal })) {
        const rows = (since === null ? page : page.filter((r) => Date.parse(r.updatedAt) >= since)).map((r) => withoutChangeSeq<AnyRow>(r));
        c.read += page.length;
        read += page.length;
        if (!options.dryRun && rows.length > 0) tally(collection, rows, await target.applyReplicated(collection, rows), c, false);
        checkpoint = { ...checkpoint, [collection]: { afterId: page[page.length - 1]!.id, done: false } };
        await log?.update({ checkpoint, counts: counts as JsonObject });
        options.onProgress?.({ operation: "backfill", collection, read: c.read, total });
      }
      if (signal?.aborted) {
        status = "aborted";
        break;
      }
      checkpoint = { ...checkpoint, [collection]: { afterId: checkpoint[collection]?.afterId ?? null, done: true } };
    }
    // Rows whose owner arrived later in the run (or in a later collection) get one more try.
    for (const collection of collections) {
      const rows = waiting.filter((w) => w.collection === collection).map((w) => w.row);
      if (rows.length > 0) tally(collection, rows, await target.applyReplicated(collection, rows), counts[collection]!, true);
    }
  } catch (e) {
    status = "failed";
    error = errorText(e);
  }
  try {
    await load?.end();
  } catch (e) {
    status = "failed";
    error = `${error ? `${error}; ` : ""}ending the bulk load on the target failed: ${errorText(e)}`;
  }
  const finished = now();
  const timing = timings(started, finished);
  const totals = Object.values(counts);
  await log
    ?.finish(status, {
      checkpoint,
      counts: counts as JsonObject,
      divergencesFound: totals.reduce((n, c) => n + c.conflicts + c.missingOwner, 0),
      error,
    })
    .catch(() => undefined);
  return {
    operation: "backfill",
    runId: log?.id ?? null,
    status,
    ...timing,
    error,
    collections: counts,
    refused,
    checkpoint,
    rowsPerSecond: perSecond(read, timing.durationMs),
  };
}
