import type { CollectionName } from "./model/rows.js";
import type { Side, Stage } from "./model/stages.js";

/**
 * The events of the dual-write backend (types only, a leaf like errors.ts). Events carry
 * collections, ids, field paths, versions and backend names: never stored values, never secrets.
 */

/** Where a divergence was seen. */
export type DivergenceSource = "shadow-read" | "replication";

/**
 * The two sides disagree. For a shadow read: the same read returned different rows (`fields`
 * names the paths). For replication: the secondary refused the primary's row (`reason`).
 */
export interface DivergenceEvent {
  /** Whether a shadow read or replication saw it. */
  source: DivergenceSource;
  /** The collection of the row or query. */
  collection: CollectionName;
  /** The row, or null when a query as a whole differs (see `query`). */
  id: string | null;
  /** For a query: its shape (fields and operators, never values). */
  query?: string;
  /** Field paths that differ (`metadata.mood`), `id` for a row present on one side only. */
  fields: string[];
  /** The primary's version of the row (null: absent there). */
  primaryVersion: number | null;
  /** The secondary's version of the row (null: absent there). */
  secondaryVersion: number | null;
  /** For replication: why the secondary refused it (`version`, `unique-key:<key>`). */
  reason?: string;
  /** Backend names of the two sides. */
  primary: string;
  /** The secondary's backend name. */
  secondary: string;
}

/** A secondary write or reconcile pass failed; the rows stay in the primary's change feed. */
export interface SecondaryErrorEvent {
  /** `replicate` (a write's rows), `reconcile` (a change-feed pass) or `purge`. */
  operation: "replicate" | "reconcile" | "purge";
  /** The collection written, or null for a pass over every collection. */
  collection: CollectionName | null;
  /** Rows affected (empty for a pass). */
  ids: string[];
  /** What went wrong (passwords in URLs redacted). */
  error: Error;
  /** Whether the backend retries on its own (from the change feed, with backoff). */
  willRetry: boolean;
  /** Consecutive failures so far. */
  attempt: number;
}

/** A reconcile pass brought rows to the secondary that a write had not. */
export interface RepairedEvent {
  /** Rows applied by the pass, per collection. */
  applied: Partial<Record<CollectionName, number>>;
  /** Rows applied by the pass in all. */
  count: number;
  /** The watermark after the pass. */
  watermark: number;
}

/** One operation on one side took longer than `slowOperationMs`. */
export interface SlowOperationEvent {
  /** Which side was slow. */
  side: Side;
  /** The slow side's backend name. */
  backend: string;
  /** The backend method, e.g. `query` or `commit`. */
  operation: string;
  /** How long it took, in milliseconds. */
  durationMs: number;
  /** The configured `slowOperationMs` it exceeded. */
  thresholdMs: number;
}

/** The stage changed (at run time, or on open when the recorded stage differed). */
export interface StageChangedEvent {
  /** The stage before the change. */
  from: Stage;
  /** The stage after the change. */
  to: Stage;
  /** True when the move reconciled the sides first (the primary changed). */
  reconciled: boolean;
  /** True when a gated move (to `live` or `complete`) was forced past failing conditions. */
  forced?: boolean;
}

/** The typed events of `dualWriteBackend`, for eventemitter3. */
export interface DualWriteEvents {
  /** The sides disagree (a shadow read, or a row the secondary refused). */
  divergence: (event: DivergenceEvent) => void;
  /** A secondary write or reconcile pass failed. */
  "secondary-error": (event: SecondaryErrorEvent) => void;
  /** A reconcile pass repaired the secondary. */
  repaired: (event: RepairedEvent) => void;
  /** An operation took longer than `slowOperationMs`. */
  "slow-operation": (event: SlowOperationEvent) => void;
  /** The stage changed. */
  "stage-changed": (event: StageChangedEvent) => void;
}
