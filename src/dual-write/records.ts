import type { Backend, Stored } from "../backend.js";
import { nextOperationalRow, operationalRow } from "../model/operational.js";
import { uuidv5, uuidv7 } from "../model/ids.js";
import type { MigrationLogRow } from "../model/rows.js";
import { isStage, type Side, type Stage } from "../model/stages.js";
import { toTimestamp } from "../model/time.js";

/**
 * The dual-write backend's own durable records, kept in a store's `migrationLogs` (operational,
 * never replicated): the replication watermark of one direction (one row, updated in place), the
 * history of stages it ran in (one row per stage entered), and the shadow evidence of each process
 * that shadow-read (one row per process, updated in place). Written through the Backend contract,
 * so any backend can hold them.
 */

/** `runId` of every stage record, so the latest is one indexed query away. */
export const STAGE_RUN_ID = "journal-store:dual-write:stage";

/**
 * `runId` of every shadow-evidence record: the shadow window of one dual-write process, kept
 * where the cutover gate of a later process (one started in `live` or `complete`) can read it.
 */
export const SHADOW_EVIDENCE_RUN_ID = "journal-store:dual-write:shadow";

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

/** Every stage record on `store`, newest first (one page of 100 at a time). */
export async function stageHistory(store: Backend): Promise<StageRecord[]> {
  const history: StageRecord[] = [];
  for await (const row of everyRecord(store, STAGE_RUN_ID)) {
    const record = stageOf(row);
    if (record) history.push(record);
  }
  return history;
}

/** The newer of two stage records (either may be null); on equal times, `preferred`. */
export function newerStage(preferred: StageRecord | null, other: StageRecord | null): StageRecord | null {
  if (!preferred) return other;
  if (!other) return preferred;
  return other.at > preferred.at ? other : preferred;
}

/** The latest stage record on `store`, or null. */
export async function latestStage(store: Backend): Promise<StageRecord | null> {
  const page = await store.query("migrationLogs", {
    where: [{ field: "runId", op: "eq", value: STAGE_RUN_ID }],
    orderBy: { field: "startedAt", direction: "desc" },
    limit: 1,
  });
  const row: Stored<MigrationLogRow> | undefined = page.rows[0];
  return row ? stageOf(row) : null;
}

function stageOf(row: MigrationLogRow): StageRecord | null {
  const checkpoint = row.checkpoint as { stage?: unknown; primary?: unknown } | null;
  if (!checkpoint || !isStage(checkpoint.stage) || (checkpoint.primary !== "from" && checkpoint.primary !== "to")) return null;
  return { stage: checkpoint.stage, primary: checkpoint.primary, at: row.startedAt };
}

/** The shadow window of one dual-write process, as last recorded. */
export interface ShadowEvidence {
  /** The process's instance id (a UUIDv7 taken when the backend was created). */
  instance: string;
  /** The stage the process ran in when it recorded this. */
  stage: Stage;
  /** Comparisons in its window (at most its `shadowWindow`). */
  compared: number;
  /** Comparisons in its window whose rows agreed. */
  consistent: number;
  /** When it was recorded (the row's last update). */
  at: string;
}

/**
 * Records the shadow window of the process `evidence.instance` on `store`: one row per process
 * (its id is the instance id), created on the first call and updated in place after that.
 */
export async function writeShadowEvidence(store: Backend, evidence: Omit<ShadowEvidence, "at">, now: Date): Promise<void> {
  const at = toTimestamp(now);
  const checkpoint = { ...evidence };
  const current = await store.get("migrationLogs", evidence.instance);
  if (!current) {
    await store.insert("migrationLogs", logRow(evidence.instance, "shadow", at, checkpoint, SHADOW_EVIDENCE_RUN_ID));
    return;
  }
  await store.update("migrationLogs", nextOperationalRow(current, { finishedAt: at, checkpoint }, at), current.version);
}

/** Every shadow-evidence record on `store` (one per process that recorded any), in no particular order. */
export async function readShadowEvidence(store: Backend): Promise<ShadowEvidence[]> {
  const found: ShadowEvidence[] = [];
  for await (const row of everyRecord(store, SHADOW_EVIDENCE_RUN_ID)) {
    const c = row.checkpoint as Partial<Record<keyof ShadowEvidence, unknown>> | null;
    if (row.deleted || !c || typeof c.instance !== "string" || !isStage(c.stage)) continue;
    if (!isCount(c.compared) || !isCount(c.consistent) || c.consistent > c.compared) continue;
    found.push({ instance: c.instance, stage: c.stage, compared: c.compared, consistent: c.consistent, at: row.finishedAt ?? row.updatedAt });
  }
  return found;
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/** Every record of `runId` on `store`, newest `startedAt` first, a page of 100 at a time. */
async function* everyRecord(store: Backend, runId: string): AsyncGenerator<Stored<MigrationLogRow>> {
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<Backend["query"]>> = await store.query("migrationLogs", {
      where: [{ field: "runId", op: "eq", value: runId }],
      orderBy: { field: "startedAt", direction: "desc" },
      limit: 100,
      cursor,
    });
    yield* page.rows as Stored<MigrationLogRow>[];
    cursor = page.nextCursor;
  } while (cursor);
}

function logRow(id: string, operation: string, at: string, checkpoint: Record<string, string | number | boolean>, runId = "journal-store:dual-write"): MigrationLogRow {
  return operationalRow({ runId, operation: `dual-write:${operation}`, status: "completed", checkpoint, finishedAt: at }, id, at);
}
