import { z } from "zod";
import type { Filter } from "../../backend.js";
import { migrationLogModel } from "../../model/entities/migration-logs.js";
import { text } from "../../model/fields.js";
import type { MigrationLogRow } from "../../model/rows.js";
import { validate } from "../../model/validate.js";
import type { StoreContext } from "../context.js";
import { basicRepository, type BasicRepository } from "../basic-repository.js";
import { listRows, pageFields, type Entity, type ListResult } from "../crud.js";

/** A record of one sync run (backfill, compare, repair) on this store. */
export type MigrationLog = Entity<MigrationLogRow>;

const listSchema = z.strictObject({
  /** Only rows of this run. */
  runId: text().optional(),
  /** Only rows of this operation (`backfill`, `compare`, `repair`, ...). */
  operation: text().optional(),
  ...pageFields,
});

/**
 * Options of `migrationLogs.list`: newest run first.
 *
 * @useDeclaredType
 */
export type ListMigrationLogsOptions = z.input<typeof listSchema>;

/** The migration logs repository: operational records local to each store, never replicated. */
export interface MigrationLogsRepository
  extends Omit<BasicRepository<"migrationLogs", typeof migrationLogModel.createSchema, typeof migrationLogModel.patchSchema>, "delete"> {
  /**
   * A page of log rows, newest run first, optionally for one run or operation.
   *
   * ```ts
   * const { items } = await store.migrationLogs.list({ runId: report.runId });
   * ```
   */
  list(options?: ListMigrationLogsOptions): Promise<ListResult<MigrationLog>>;
}

/** Builds the migration logs repository over a store context. */
export function migrationLogsRepository(ctx: StoreContext): MigrationLogsRepository {
  const collection = "migrationLogs";
  const basic = basicRepository(ctx, migrationLogModel);
  return {
    create: basic.create,
    get: basic.get,
    update: basic.update,
    async list(options = {}) {
      const o = validate(collection, listSchema, options);
      const where: Filter[] = [];
      if (o.runId !== undefined) where.push({ field: "runId", op: "eq", value: o.runId });
      if (o.operation !== undefined) where.push({ field: "operation", op: "eq", value: o.operation });
      return listRows(ctx, collection, where, { field: "startedAt", direction: "desc" }, o);
    },
  };
}
