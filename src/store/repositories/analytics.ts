import { z } from "zod";
import { withoutChangeSeq, type Filter, type Page, type Stored } from "../../backend.js";
import { NotFoundError } from "../../errors.js";
import { analyticsId, computeAnalytics } from "../../model/analytics.js";
import { newRow } from "../../model/entity.js";
import { analyticsModel } from "../../model/entities/index.js";
import { calendarDate, id } from "../../model/fields.js";
import { checkId } from "../../model/ids.js";
import type { AnalyticsPeriod, RowTypes, UserAnalyticsRow } from "../../model/rows.js";
import { validate } from "../../model/validate.js";
import { rowsEqual } from "../../diff.js";
import { atomically, now, type StoreContext } from "../context.js";
import { writeTombstone } from "../tombstone.js";
import { getLive, listRows, successor, pageFields, toEntity, type Entity, type ListResult } from "../crud.js";

/** One user's figures for one day, week or month. */
export type UserAnalytics = Entity<UserAnalyticsRow>;

const listSchema = z.strictObject({
  /** The user whose rows are listed. */
  userId: id,
  /** Only rows of this period length. */
  period: z.enum(["day", "week", "month"]).optional(),
  /** The first `periodStart` to include (`YYYY-MM-DD`). */
  from: calendarDate.optional(),
  /** The last `periodStart` to include (`YYYY-MM-DD`). */
  to: calendarDate.optional(),
  /** Newest first (`desc`, default) or oldest first. */
  order: z.enum(["asc", "desc"]).optional(),
  ...pageFields,
});

/**
 * Options of `analytics.list`: one user's rows, by period start (newest first), optionally bounded.
 *
 * @useDeclaredType
 */
export type ListAnalyticsOptions = z.input<typeof listSchema>;

/** Rows read per page while collecting a user's entries. */
const READ_PAGE = 500;

/** The per-user analytics repository: rows are computed from entries, never written by hand. */
export interface AnalyticsRepository {
  /**
   * Recomputes the user's day, week and month rows from their live entries, in one transaction:
   * changed rows are updated in place (same id, derived from user, period and start), new ones
   * inserted, rows of periods that no longer have entries deleted. Returns the live rows.
   *
   * ```ts
   * const rows = await store.analytics.refresh(ada.id); // day, week and month rows
   * ```
   */
  refresh(userId: string): Promise<UserAnalytics[]>;
  /**
   * The live analytics row with `id`, or null.
   *
   * ```ts
   * const row = await store.analytics.get(id);
   * ```
   */
  get(id: string): Promise<UserAnalytics | null>;
  /**
   * The row of one period, by its natural key.
   *
   * ```ts
   * const week = await store.analytics.getFor(ada.id, "week", "2024-03-04");
   * ```
   */
  getFor(userId: string, period: AnalyticsPeriod, periodStart: string): Promise<UserAnalytics | null>;
  /**
   * A page of one user's rows, newest period first by default.
   *
   * ```ts
   * const { items } = await store.analytics.list({ userId: ada.id, period: "month", from: "2024-01-01" });
   * ```
   */
  list(options: ListAnalyticsOptions): Promise<ListResult<UserAnalytics>>;
}

/** Builds the analytics repository over a store context. */
export function analyticsRepository(ctx: StoreContext): AnalyticsRepository {
  const collection = "userAnalytics";
  return {
    async refresh(userId) {
      checkId("users", userId, "userId");
      return atomically(ctx, async (tx) => {
        // Locked, so concurrent refreshes of one user (from any process) run one after the other:
        // the later one sees the rows the earlier one wrote instead of inserting them again.
        const user = await tx.ops.get("users", userId, { forUpdate: true });
        if (!user || user.deleted) throw new NotFoundError("users", userId);
        const entries = await readAll(tx, "journalEntries", [{ field: "userId", op: "eq", value: userId }]);
        const existing = await readAll(tx, collection, [{ field: "userId", op: "eq", value: userId }]);
        const at = now(tx);
        const live: UserAnalytics[] = [];
        const keep = new Set<string>();
        for (const figures of computeAnalytics(userId, entries)) {
          const rowId = analyticsId(userId, figures.period, figures.periodStart);
          keep.add(rowId);
          const stored = await tx.ops.get(collection, rowId);
          if (!stored) {
            live.push(toEntity(await tx.ops.insert(collection, newRow(analyticsModel, figures, rowId, at))));
            continue;
          }
          const plain = withoutChangeSeq(stored);
          if (!stored.deleted && rowsEqual({ ...plain, ...figures }, plain)) {
            live.push(toEntity(stored));
            continue;
          }
          const next = successor(tx, analyticsModel, stored, (row) => ({ ...row, ...figures }), at);
          live.push(toEntity(await tx.ops.update(collection, next, stored.version)));
        }
        for (const row of existing) {
          if (keep.has(row.id)) continue;
          await writeTombstone(tx, collection, row, at);
        }
        return live;
      });
    },
    async get(id) {
      const row = await getLive(ctx, collection, id);
      return row ? toEntity(row) : null;
    },
    async getFor(userId, period, periodStart) {
      checkId(collection, userId, "userId");
      const key = validate(collection, z.strictObject({ period: z.enum(["day", "week", "month"]), periodStart: calendarDate }), {
        period,
        periodStart,
      });
      const row = await getLive(ctx, collection, analyticsId(userId, key.period, key.periodStart));
      return row ? toEntity(row) : null;
    },
    async list(options) {
      const o = validate(collection, listSchema, options);
      const where: Filter[] = [{ field: "userId", op: "eq", value: o.userId }];
      if (o.period) where.push({ field: "period", op: "eq", value: o.period });
      if (o.from !== undefined) where.push({ field: "periodStart", op: "gte", value: o.from });
      if (o.to !== undefined) where.push({ field: "periodStart", op: "lte", value: o.to });
      return listRows(ctx, collection, where, { field: "periodStart", direction: o.order ?? "desc" }, o);
    },
  };
}

/** Every live row matching `where`, read page by page. */
async function readAll<C extends "journalEntries" | "userAnalytics">(
  ctx: StoreContext,
  collection: C,
  where: Filter[],
): Promise<Stored<RowTypes[C]>[]> {
  const out: Stored<RowTypes[C]>[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<RowTypes[C]> = await ctx.ops.query(collection, {
      where,
      orderBy: { field: "id", direction: "asc" },
      limit: READ_PAGE,
      cursor,
    });
    out.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
