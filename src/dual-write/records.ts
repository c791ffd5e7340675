import type { Backend, Stored } from "../backend.js";
import { nextOperationalRow, operationalRow } from "../model/operational.js";
import { uuidv5, uuidv7 } from "../model/ids.js";
import type { MigrationLogRow } from "../model/rows.js";
import { isStage, type Side, type Stage } from "../model/stages.js";
import { toTimestamp } from "../model/time.js";

/**
 * The dual-write backend's own durable records, kept in a store's `migrationLogs` (operational,
 * never replicated): the replication watermark of one direction (one row, updated in place) and
 * the history of stages it ran in (one row per stage entered). Written through the Backend
 * contract, so any backend can hold them.
 */

/** `runId` of every stage record, so the latest is one indexed query away. */
export const STAGE_RUN_ID = "journal-store:dual-write:stage";

/** A stage the backend ran in, as recorded. */
export interface StageRecord {
  stage: Stage;
  /** Which side was primary. */
  primary: Side;
  at: string;
}

function watermarkId(primary: Side): string {
  return uuidv5(`journal-store:dual-write:watermark:${primary}`);
}

/** The stored watermark of the direction whose primary is `primary` on `store`, or null. */
export async function readWatermark(store: Backend, primary: Side): Promise<number | null> {
  const row = await store.get("migrationLogs", watermarkId(primary));
  const value = (row?.checkpoint as { watermark?: unknown } | null)?.watermark;
  return row && !row.deleted && typeof value === "number" ? value : null;
}

/** Stores `watermark` for the direction whose primary is `primary` on `store`. */
export async function writeWatermark(store: Backend, primary: Side, watermark: number, now: Date): Promise<void> {
  const id = watermarkId(primary);
  const at = toTimestamp(now);
  const checkpoint = { watermark, primary };
  const current = await store.get("migrationLogs", id);
  if (!current) {
    await store.insert("migrationLogs", logRow(id, "watermark", at, checkpoint));
    return;
  }
  await store.update("migrationLogs", nextOperationalRow(current, { finishedAt: at, checkpoint }, at), current.version);
}

/** What a forced cutover overrode, kept in its stage record. */
export interface ForcedMove {
  forced: true;
  /** The cutover conditions that failed, in words. */
  overridden: string;
}

/** Appends a stage record to `store` (with what a forced move overrode). */
export async function recordStage(store: Backend, stage: Stage, primary: Side, now: Date, forced?: ForcedMove): Promise<void> {
  const at = toTimestamp(now);
  await store.insert("migrationLogs", logRow(uuidv7(now.getTime()), "stage", at, { stage, primary, ...forced }, STAGE_RUN_ID));
}

/** The latest stage record on `store`, or null. */
export async function latestStage(store: Backend): Promise<StageRecord | null> {
  const page = await store.query("migrationLogs", {
    where: [{ field: "runId", op: "eq", value: STAGE_RUN_ID }],
    orderBy: { field: "startedAt", direction: "desc" },
    limit: 1,
  });
  const row: Stored<MigrationLogRow> | undefined = page.rows[0];
  const checkpoint = row?.checkpoint as { stage?: unknown; primary?: unknown } | null | undefined;
  if (!row || !checkpoint || !isStage(checkpoint.stage) || (checkpoint.primary !== "from" && checkpoint.primary !== "to")) return null;
  return { stage: checkpoint.stage, primary: checkpoint.primary, at: row.startedAt };
}

function logRow(id: string, operation: string, at: string, checkpoint: Record<string, string | number | boolean>, runId = "journal-store:dual-write"): MigrationLogRow {
  return operationalRow({ runId, operation: `dual-write:${operation}`, status: "completed", checkpoint, finishedAt: at }, id, at);
}
