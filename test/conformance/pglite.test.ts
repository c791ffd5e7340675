import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll } from "vitest";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { runConformance } from "../../src/testing/index.js";
import { TRUNCATE_ALL } from "../support/postgres.js";

// The conformance suite on PGlite in-process, with the same shipped migrations: one PGlite for
// this file, emptied before every test, used through a Drizzle database.
let client: PGlite;
beforeAll(async () => {
  client = new PGlite({ extensions: { pg_trgm } });
  await migrate(drizzle({ client }));
});
afterAll(async () => {
  await client.close();
});

runConformance("pglite", {
  create: async () => {
    await client.exec(TRUNCATE_ALL);
    return postgresBackend({ db: drizzle({ client }) });
  },
  reopen: async (backend) => {
    await backend.close();
    return postgresBackend({ db: drizzle({ client }) });
  },
  oneConnection: true,
});
