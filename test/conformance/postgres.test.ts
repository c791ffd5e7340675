import pg from "pg";
import type { Backend } from "../../src/backend.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { runConformance } from "../../src/testing/index.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";

// The conformance suite on a real PostgreSQL server: one database for this file, migrated once,
// emptied before every test.
const url = useTestDatabase(async (u) => void (await migrate(u)));

async function fresh(): Promise<Backend> {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  await client.query(TRUNCATE_ALL);
  await client.end();
  return postgresBackend({ connectionString: url(), poolSize: 4 });
}

runConformance("postgres", {
  create: fresh,
  reopen: async (backend) => {
    await backend.close();
    return postgresBackend({ connectionString: url(), poolSize: 4 });
  },
});
