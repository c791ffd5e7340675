import { z } from "zod";
import type { Filter } from "../../backend.js";
import {
  migrationLogModel,
  type CreateMigrationLogInput,
  type MigrationLogPatch,
} from "../../model/entities/migration-logs.js";
import { text } from "../../model/fields.js";
import type { MigrationLogRow } from "../../model/rows.js";
import { validate } from "../../model/validate.js";
import type { StoreContext } from "../context.js";
import {
  createRow,
  getLive,
  listRows,
  pageFields,
  patchRow,
  toEntity,
  type Entity,
  type ListResult,
  type UpdateOptions,
} from "../crud.js";

/** A record of one sync run (backfill, compare, repair) on this store. */
export type MigrationLog = Entity<MigrationLogRow>;

const listSchema = z.strictObject({
  runId: text().optional(),
  operation: text().optional(),
  ...pageFields,
});

/** Options of `migrationLogs.list`: newest run first. */
export type ListMigrationLogsOptions = z.input<typeof listSchema>;

/** The migration logs repository: operational records local to each store, never replicated. */
export interface MigrationLogsRepository {
  create(input: CreateMigrationLogInput): Promise<MigrationLog>;
  get(id: string): Promise<MigrationLog | null>;
  update(id: string, patch: MigrationLogPatch, options?: UpdateOptions): Promise<MigrationLog>;
  list(options?: ListMigrationLogsOptions): Promise<ListResult<MigrationLog>>;
}

/** Builds the migration logs repository over a store context. */
export function migrationLogsRepository(ctx: StoreContext): MigrationLogsRepository {
  const collection = "migrationLogs";
  return {
    async create(input) {
      return toEntity(await createRow(ctx, migrationLogModel, input));
    },
    async get(id) {
      const row = await getLive(ctx, collection, id);
      return row ? toEntity(row) : null;
    },
    async update(id, patch, options) {
      return toEntity(await patchRow(ctx, migrationLogModel, id, patch, options));
    },
    async list(options = {}) {
      const o = validate(collection, listSchema, options);
      const where: Filter[] = [];
      if (o.runId !== undefined) where.push({ field: "runId", op: "eq", value: o.runId });
      if (o.operation !== undefined) where.push({ field: "operation", op: "eq", value: o.operation });
      return listRows(ctx, collection, where, { field: "startedAt", direction: "desc" }, o);
    },
  };
}
