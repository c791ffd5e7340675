import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { bigCount, count, json, jsonObject, name, text, timestamp } from "../fields.js";

const fields = {
  status: z.enum(["running", "completed", "failed"]),
  counts: jsonObject,
  checkpoint: json.nullable(),
  divergencesFound: count,
  divergencesRepaired: count,
  finishedAt: timestamp.nullable(),
  durationMs: bigCount.nullable(),
  error: text(10_000).nullable(),
};

const createSchema = z.strictObject({
  runId: name,
  operation: name,
  collection: text().nullable().optional(),
  startedAt: timestamp.optional(),
  status: fields.status.optional(),
  counts: fields.counts.optional(),
  checkpoint: fields.checkpoint.optional(),
  divergencesFound: fields.divergencesFound.optional(),
  divergencesRepaired: fields.divergencesRepaired.optional(),
  finishedAt: fields.finishedAt.optional(),
  durationMs: fields.durationMs.optional(),
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
