import { pushSchema } from "drizzle-kit/api";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, schema } from "../../src/backends/postgres/index.js";
import { useTestDatabase } from "../support/postgres.js";

// A host app's drizzle-kit, pointed at a database migrated by migrate(), must find nothing to
// change: not the package's migrations history (which push would drop) and not the GIN
// indexes (which push rebuilt because PostgreSQL reports fastupdate as the text "false").
// pushSchema is drizzle-kit's own `push` planner: it introspects the database, diffs it with the
// given Drizzle schema and returns the statements it would run, without running them.

const url = useTestDatabase(async (u) => void (await migrate(u)));
let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: url(), max: 2 });
});
afterAll(async () => {
  await pool.end();
});

/** What `drizzle-kit push` would do with `imports` under `schemaFilter`. */
async function plan(imports: Record<string, unknown>, schemaFilter: string[]) {
  const result = await pushSchema(imports, drizzle({ client: pool }) as never, schemaFilter);
  return { statements: result.statementsToExecute, warnings: result.warnings, hasDataLoss: result.hasDataLoss };
}

describe("drizzle-kit push against a migrated database", () => {
  it("with the package's schema and schemaFilter journal_store: nothing to do", async () => {
    expect(await plan(schema, ["journal_store"])).toEqual({ statements: [], warnings: [], hasDataLoss: false });
  });

  it("with a host app's own schema (default schemaFilter public): the package's objects are invisible", async () => {
    const { pgTable, text, uuid } = await import("drizzle-orm/pg-core");
    const notes = pgTable("notes", { id: uuid("id").primaryKey(), body: text("body").notNull() });
    const { statements, hasDataLoss } = await plan({ notes }, ["public"]);
    expect(hasDataLoss).toBe(false);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^CREATE TABLE "notes"/);
  });

  it("migrate() twice still leaves nothing to push", async () => {
    expect((await migrate(url())).applied).toEqual([]);
    expect(await plan(schema, ["journal_store"])).toEqual({ statements: [], warnings: [], hasDataLoss: false });
  });
});
