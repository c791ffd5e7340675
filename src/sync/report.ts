import type { CollectionName } from "../model/rows.js";
import { toTimestamp } from "../model/time.js";

/**
 * What sync operations return: counts per collection, the rows that differ (ids and field paths,
 * never values), timings, the checkpoint and the error. Expected outcomes (differences, refused
 * rows) are data here, not exceptions.
 */

/** How a run ended. */
export type RunStatus = "completed" | "aborted" | "failed";

/** One row on which the two sides disagree. */
export interface RowDivergence {
  /** The collection of the row. */
  collection: CollectionName;
  /** The row's id. */
  id: string;
  /** `missing`: only the source has it; `extra`: only the target; `different`: both, unequal. */
  kind: "missing" | "extra" | "different";
  /** Field paths that differ (`id` for missing and extra rows). */
  fields: string[];
  /** The source's version of the row, or null where absent. */
  sourceVersion: number | null;
  /** The target's version of the row, or null where absent. */
  targetVersion: number | null;
}

/** Fields every sync report has. */
export interface RunReport {
  /** The migrationLogs row recording this run on the target (null for a dry run). */
  runId: string | null;
  /** How the run ended. */
  status: RunStatus;
  /** When the run started (ISO instant). */
  startedAt: string;
  /** When the run ended (ISO instant). */
  finishedAt: string;
  /** How long the run took, in milliseconds. */
  durationMs: number;
  /** The error that stopped a failed run (no values, no secrets). */
  error: string | null;
}

/** A message safe to store and print: an error's message, never its cause's details. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The timing fields of a run report, from its start and end. */
export function timings(started: Date, finished: Date): Pick<RunReport, "startedAt" | "finishedAt" | "durationMs"> {
  return {
    startedAt: toTimestamp(started),
    finishedAt: toTimestamp(finished),
    durationMs: Math.max(0, finished.getTime() - started.getTime()),
  };
}

/** `rows` per second over `durationMs` (all of them when the run took no measurable time). */
export function perSecond(rows: number, durationMs: number): number {
  return durationMs > 0 ? Math.round((rows / durationMs) * 1000) : rows;
}
