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
  source: DivergenceSource;
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
  secondary: string;
}

/** A secondary write or reconcile pass failed; the rows stay in the primary's change feed. */
export interface SecondaryErrorEvent {
  /** `replicate` (a write's rows), `reconcile` (a change-feed pass) or `purge`. */
  operation: "replicate" | "reconcile" | "purge";
  collection: CollectionName | null;
  /** Rows affected (empty for a pass). */
  ids: string[];
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
  side: Side;
  backend: string;
  operation: string;
  durationMs: number;
  thresholdMs: number;
}

/** The stage changed (at run time, or on open when the recorded stage differed). */
export interface StageChangedEvent {
  from: Stage;
  to: Stage;
  /** True when the move reconciled the sides first (the primary changed). */
  reconciled: boolean;
  /** True when a gated move (to `live` or `complete`) was forced past failing conditions. */
  forced?: boolean;
}

/** The typed events of `dualWriteBackend`, for eventemitter3. */
export interface DualWriteEvents {
  divergence: (event: DivergenceEvent) => void;
  "secondary-error": (event: SecondaryErrorEvent) => void;
  repaired: (event: RepairedEvent) => void;
  "slow-operation": (event: SlowOperationEvent) => void;
  "stage-changed": (event: StageChangedEvent) => void;
}
