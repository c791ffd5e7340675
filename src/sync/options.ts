import type { Backend, RowSource } from "../backend.js";
import { SYNC_RUN_IDS } from "../model/operational.js";
import type { CollectionName } from "../model/rows.js";

/**
 * Options every sync operation takes (backfill, compare, repair), with their defaults in one
 * place. Sync functions return reports; they never print, exit or read the environment.
 */

/** Progress of one collection, reported after every batch. */
export interface SyncProgress {
  /** The operation reporting. */
  operation: "backfill" | "compare" | "repair";
  /** The collection being worked on. */
  collection: CollectionName;
  /** Rows read from the source so far in this collection. */
  read: number;
  /** Live rows the source holds in this collection (for a progress bar; tombstones come on top). */
  total: number;
}

/** What backfill, compare and repair share. */
export interface SyncOptions {
  /** The authoritative side. */
  source: RowSource;
  /** The side brought in line with it. */
  target: Backend;
  /** Collections to work on (default: every replicated one), always in owner-first order. */
  collections?: readonly CollectionName[];
  /** Stops cleanly after the current batch. */
  signal?: AbortSignal;
  /** Called after every batch with the collection's progress (e.g. to draw a progress bar). */
  onProgress?: (progress: SyncProgress) => void;
  /** Rows per page read and per batch written (default 1000). */
  batchSize?: number;
  /** The clock for run records (default: the system clock). */
  now?: () => Date;
}

/** Defaults of {@link SyncOptions}. */
export const SYNC_DEFAULTS = {
  /** Rows per page read and per batch written. */
  batchSize: 1000,
  /** Backfill puts the target in bulk-load mode for its run (measured in `npm run bench:sync`). */
  bulkLoad: true,
  /**
   * Compare by checksums: an unequal range is cut into parts of about `leafRows` rows, at most
   * `fanout` of them; an unequal part of up to `fetchRows` rows (the larger side) is fetched and
   * compared row by row rather than cut again (a cut costs a digest on each side, about what a
   * few dozen rows cost to fetch); `concurrency` unequal ranges are fetched at the same time.
   */
  checksum: {
    /** At most this many parts per cut of an unequal range. */
    fanout: 4096,
    /** Rows per part a cut aims for. */
    leafRows: 16,
    /** An unequal part of up to this many rows is fetched instead of cut again. */
    fetchRows: 64,
    /** Unequal ranges fetched at the same time. */
    concurrency: 4,
    /**
     * The unequal parts of up to `fetchRows` rows that one cut leaves are not fetched one by one
     * when that would cost at least this share of digesting every row from the first of them to
     * the last again (many scattered differences, e.g. 1% of rows): one more digest on each side
     * cuts them into parts of about one row, and the rows of the unequal ones are read by id. On
     * the bench host a row costs about 5x more to fetch and merge than to digest in SQL.
     */
    pinpointShare: 0.25,
    /** What one fetch round trip costs, counted in rows fetched (about 1 ms on the bench host). */
    roundTripRows: 50,
    /** Parts per row of a leaf when pinpointing (measured: 1 beat 2, fewer groups to aggregate). */
    pinpointParts: 1,
    /**
     * The unequal ranges of one level of the walk are cut together, one digest call per side for
     * up to this many cuts (a `width_bucket` array of about 2.4 MB of text on PostgreSQL).
     */
    maxCutsPerDigest: 65_536,
  },
  /** `runId` of the migrationLogs rows each operation writes, so the latest is one query away. */
  runIds: SYNC_RUN_IDS,
  /**
   * With `sourceReadAt`: a target row changed less than this many ms before the source was read
   * counts as written after it too (a row's `updatedAt` is taken just before its commit, and the
   * app's and the reader's clocks may differ a little).
   */
  sourceClockMarginMs: 5_000,
} as const;

/** The option compare and repair take when the source is a view of data a running app keeps changing. */
export interface SourceView {
  /**
   * When the source's view was taken (ISO instant): a read-only open of the JSON directory of a
   * running app, or the start of a read of a database the app writes. Rows the target changed
   * since (less `SYNC_DEFAULTS.sourceClockMarginMs`) were written after the source was read, so
   * the source cannot judge them: compare counts them as `newerOnTarget` instead of reporting
   * them, and repair never removes or overwrites them. Without it, every difference is reported
   * (right for a source that is not written meanwhile, or with `settle`).
   */
  sourceReadAt?: string;
}
