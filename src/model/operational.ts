import { newRow } from "./entity.js";
import { copyWithout } from "./json.js";
import { migrationLogModel } from "./entities/migration-logs.js";
import type { MigrationLogRow } from "./rows.js";
import { unstorableText } from "./storable.js";
import type { Timestamp } from "./time.js";

/**
 * Rows of a store's own operational records (`migrationLogs`), built below the facade for the
 * parts that write them through the Backend contract directly (dual write, sync). Never
 * replicated, never compared.
 */

/**
 * `runId` of the migrationLogs rows each sync operation writes, so the latest is one indexed query
 * away. Here, below both, because sync writes them and the dual-write cutover gate reads them.
 */
export const SYNC_RUN_IDS = {
  /** The run id of backfill runs. */
  backfill: "journal-store:backfill",
  /** The run id of compare runs. */
  compare: "journal-store:compare",
  /** The run id of repair runs. */
  repair: "journal-store:repair",
} as const;

/** The fields an operational record is created with. */
export type OperationalInput = Partial<Omit<MigrationLogRow, "id" | "version" | "createdAt" | "updatedAt" | "deleted" | "runId" | "operation">> &
  Pick<MigrationLogRow, "runId" | "operation">;

/** A new operational record, version 1, created at `at`. */
export function operationalRow(input: OperationalInput, id: string, at: Timestamp): MigrationLogRow {
  const { runId, operation, ...rest } = input;
  const row = newRow(migrationLogModel, { runId, operation, startedAt: at }, id, at);
  return { ...row, ...rest, error: boundedError(rest.error ?? null) };
}

/** The next version of an operational record with `patch` applied, updated at `at`. */
export function nextOperationalRow(current: MigrationLogRow, patch: Partial<OperationalInput>, at: Timestamp): MigrationLogRow {
  const row = copyWithout(current, "changeSeq") as unknown as MigrationLogRow;
  const next = { ...row, ...patch, version: row.version + 1, updatedAt: at };
  return { ...next, error: boundedError(next.error ?? null) };
}

/** An error text that every backend can store: at most 10,000 characters, no NUL or lone surrogate. */
function boundedError(text: string | null): string | null {
  if (text === null) return null;
  const clipped = text.length > 10_000 ? text.slice(0, 10_000) : text;
  return unstorableText(clipped) ? clipped.replace(/[\u0000\uD800-\uDFFF]/g, "\uFFFD") : clipped;
}
