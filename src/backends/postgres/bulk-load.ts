import { type SQL, sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/pg-core";
import type { BulkLoad } from "../../backend.js";
import { checkCollection } from "../../model/collections.js";
import type { CollectionName } from "../../model/rows.js";
import { run } from "./compile.js";
import type { Queryable } from "./driver.js";
import { TABLES } from "./mapping.js";

/**
 * `beginBulkLoad` on PostgreSQL: GIN `fastupdate` on for the load's collections. The four GIN
 * indexes (tags and trigram) are built with `fastupdate = false` so an everyday insert updates
 * them directly (see docs/postgres.md, Indexes); during a backfill, appending to the pending
 * list and merging it in bulk is several times faster. `end()` sets each index back to the value
 * `schema.ts` declares (so a load that was killed before its end is put right by the next one)
 * and merges the pending list at once (`gin_clean_pending_list`), so no later request pays for it.
 * `ALTER INDEX ... SET (fastupdate)` takes a SHARE UPDATE EXCLUSIVE lock: reads and writes go on.
 */

interface GinIndex {
  /** The schema-qualified index name, as SQL. */
  ident: SQL;
  /** `"journal_store"."<name>"`, for a `regclass` parameter. */
  qualified: string;
  /** The schema's `fastupdate` value. */
  everyday: boolean;
}

/** The GIN indexes of a collection's table, as `schema.ts` declares them. */
function ginIndexes(collection: CollectionName): GinIndex[] {
  const config = getTableConfig(TABLES[collection]);
  return config.indexes
    .filter((i) => i.config.method === "gin" && i.config.name)
    .map((i) => ({
      ident: sql`${sql.identifier(config.schema ?? "public")}.${sql.identifier(i.config.name!)}`,
      qualified: `"${config.schema ?? "public"}"."${i.config.name!}"`,
      everyday: String(i.config.with?.fastupdate ?? "true") !== "false",
    }));
}

/** Turns `fastupdate` on for the GIN indexes of `collections`; the load's `end` sets it back. */
export async function beginGinBulkLoad(q: Queryable, collections: readonly CollectionName[]): Promise<BulkLoad> {
  for (const c of collections) checkCollection(c);
  const indexes = [...new Set(collections)].flatMap(ginIndexes);
  for (const index of indexes) await run(q, sql`ALTER INDEX ${index.ident} SET (fastupdate = true)`);
  let ended: Promise<void> | undefined;
  return {
    end() {
      ended ??= (async () => {
        for (const index of indexes) {
          await run(q, sql`ALTER INDEX ${index.ident} SET (fastupdate = ${index.everyday ? sql`true` : sql`false`})`);
          await run(q, sql`SELECT gin_clean_pending_list(${index.qualified}::regclass)`);
        }
      })();
      return ended;
    },
  };
}

/** Reads `fastupdate` of every GIN index of `collections` (for tests and benchmarks). */
export async function ginFastupdate(q: Queryable, collections: readonly CollectionName[]): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const index of collections.flatMap(ginIndexes)) {
    const rows = await run<{ on: boolean }>(
      q,
      sql`SELECT coalesce((SELECT option_value::boolean FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fastupdate'), true) AS "on" FROM pg_class c WHERE c.oid = ${index.qualified}::regclass`,
    );
    out[index.qualified] = rows[0]!.on;
  }
  return out;
}

