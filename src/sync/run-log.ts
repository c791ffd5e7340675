import type { Backend } from "../backend.js";
import { ConflictError } from "../errors.js";
import { uuidv7 } from "../model/ids.js";
import { nextOperationalRow, operationalRow, type OperationalInput } from "../model/operational.js";
import type { MigrationLogRow } from "../model/rows.js";
import { toTimestamp } from "../model/time.js";
import type { RunStatus } from "./report.js";

/**
 * The migrationLogs row of one sync run on the store that records it: created when the run starts,
 * updated with its checkpoint after every batch, closed with its status, counts and error.
 */
export class RunLog {
  private constructor(
    private readonly store: Backend,
    private row: MigrationLogRow,
    private readonly now: () => Date,
  ) {}

  /** Starts a run record. */
  static async start(store: Backend, input: OperationalInput, now: () => Date): Promise<RunLog> {
    const at = now();
    const row = operationalRow({ status: "running", ...input }, uuidv7(at.getTime()), toTimestamp(at));
    await store.insert("migrationLogs", row);
    return new RunLog(store, row, now);
  }

  /** The run record's id. */
  get id(): string {
    return this.row.id;
  }

  /** Stores a new state of the run (checkpoint, counts). */
  async update(patch: Partial<OperationalInput>): Promise<void> {
    const next = nextOperationalRow(this.row, patch, toTimestamp(this.now()));
    await this.store.update("migrationLogs", next, this.row.version);
    this.row = next;
  }

  /** Closes the run with its final state (an aborted run is stored as failed, with the reason). */
  async finish(status: RunStatus, patch: Partial<OperationalInput>): Promise<void> {
    const at = this.now();
    const stored = status === "aborted" ? { status: "failed" as const, error: patch.error ?? "aborted; run again with resume to continue" } : { status };
    await this.update({ ...patch, ...stored, finishedAt: toTimestamp(at), durationMs: Math.max(0, at.getTime() - Date.parse(this.row.startedAt)) });
  }
}

/**
 * Closes the record of a run that stopped without closing it (its process was killed): status
 * `failed`, with an error saying so and naming the run that took over. Found when a new run
 * resumes (every record of its kind still marked running is closed then: one run at a time
 * writes into a store). Throws when the record changed since it was read: that run is alive.
 */
export async function closeAbandoned(store: Backend, row: MigrationLogRow, takenOverBy: string, now: () => Date): Promise<void> {
  const at = now();
  const next = nextOperationalRow(
    row,
    {
      status: "failed",
      error: `interrupted: the run stopped without closing its record (its process was killed?); resumed by run ${takenOverBy}`,
      finishedAt: row.updatedAt,
      durationMs: Math.max(0, Date.parse(row.updatedAt) - Date.parse(row.startedAt)),
    },
    toTimestamp(at),
  );
  try {
    await store.update("migrationLogs", next, row.version);
  } catch (e) {
    if (e instanceof ConflictError) throw new Error(`run ${row.id} is still recording progress: another run of it is going on against this store; let it finish or stop it first`);
    throw e;
  }
}

/** Records of `runId` on `store` still marked running (at most 100, newest first). */
export async function runningRuns(store: Backend, runId: string): Promise<MigrationLogRow[]> {
  const page = await store.query("migrationLogs", {
    where: [
      { field: "runId", op: "eq", value: runId },
      { field: "status", op: "eq", value: "running" },
    ],
    orderBy: { field: "startedAt", direction: "desc" },
    limit: 100,
  });
  return page.rows as MigrationLogRow[];
}

/** The latest run record of `runId` on `store`, or null. */
export async function latestRun(store: Backend, runId: string, filter?: (row: MigrationLogRow) => boolean): Promise<MigrationLogRow | null> {
  let cursor: string | null = null;
  for (;;) {
    const page: Awaited<ReturnType<Backend["query"]>> = await store.query("migrationLogs", {
      where: [{ field: "runId", op: "eq", value: runId }],
      orderBy: { field: "startedAt", direction: "desc" },
      limit: 50,
      cursor,
    });
    const hit = (page.rows as MigrationLogRow[]).find((r) => !filter || filter(r));
    if (hit) return hit;
    if (!page.nextCursor) return null;
    cursor = page.nextCursor;
  }
}
