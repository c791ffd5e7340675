import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { bigCount, count, json, jsonObject, name, text, timestamp } from "../fields.js";

const fields = {
  /** The life-cycle status. */
  status: z.enum(["running", "completed", "failed"]),
  /** Per-operation counters (a JSON object). */
  counts: jsonObject,
  /** Where to resume (any JSON), or null. */
  checkpoint: json.nullable(),
  /** Rows found different between the sides. */
  divergencesFound: count,
  /** Rows repaired. */
  divergencesRepaired: count,
  /** When the step finished, or null. */
  finishedAt: timestamp.nullable(),
  /** How long the step took in milliseconds, or null. */
  durationMs: bigCount.nullable(),
  /** Why the step failed, or null. */
  error: text(10_000).nullable(),
};

const createSchema = z.strictObject({
  /** The run the step belongs to. */
  runId: name,
  /** The operation: `backfill`, `compare`, `repair`, ... */
  operation: name,
  /** The collection the step works on, or null for the whole run. */
  collection: text().nullable().optional(),
  /** When the step started (an ISO instant or a Date). */
  startedAt: timestamp.optional(),
  /** The life-cycle status. */
  status: fields.status.optional(),
  /** Per-operation counters (a JSON object). */
  counts: fields.counts.optional(),
  /** Where to resume (any JSON), or null. */
  checkpoint: fields.checkpoint.optional(),
  /** Rows found different between the sides. */
  divergencesFound: fields.divergencesFound.optional(),
  /** Rows repaired. */
  divergencesRepaired: fields.divergencesRepaired.optional(),
  /** When the step finished, or null. */
  finishedAt: fields.finishedAt.optional(),
  /** How long the step took in milliseconds, or null. */
  durationMs: fields.durationMs.optional(),
  /** Why the step failed, or null. */
  error: fields.error.optional(),
});
const patchSchema = z.strictObject(fields).partial();

/**
 * Input of `migrationLogs.create`. `startedAt` defaults to now.
 *
 * @useDeclaredType
 */
export type CreateMigrationLogInput = z.input<typeof createSchema>;
/**
 * Input of `migrationLogs.update`.
 *
 * @useDeclaredType
 */
export type MigrationLogPatch = z.input<typeof patchSchema>;

/** Operational records of sync runs: local to each store, never replicated. */
export const migrationLogModel: EntityModel<"migrationLogs", typeof createSchema, typeof patchSchema> = {
  collection: "migrationLogs",
  createSchema,
  patchSchema,
  fromInput: (input, now) => ({
    runId: input.runId,
    operation: input.operation,
    collection: input.collection ?? null,
    status: input.status ?? "running",
    counts: input.counts ?? {},
    checkpoint: input.checkpoint ?? null,
    divergencesFound: input.divergencesFound ?? 0,
    divergencesRepaired: input.divergencesRepaired ?? 0,
    startedAt: input.startedAt ?? now,
    finishedAt: input.finishedAt ?? null,
    durationMs: input.durationMs ?? null,
    error: input.error ?? null,
  }),
  derive: (row) => row,
};
