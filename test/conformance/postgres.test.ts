import pg from "pg";
import type { Backend } from "../../src/backend.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { runConformance } from "../../src/testing/index.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { withSpareCopy } from "../support/spare-copy.js";

// The conformance suite on a real PostgreSQL server: one database for this file, migrated once,
// emptied before every test; a second copy within a case goes to a spare database.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const spareUrl = useTestDatabase(async (u) => void (await migrate(u)));

async function fresh(database: () => string): Promise<Backend> {
  const client = new pg.Client({ connectionString: database() });
  await client.connect();
  await client.query(TRUNCATE_ALL);
  await client.end();
  return postgresBackend({ connectionString: database(), poolSize: 4 });
}

runConformance(
  "postgres",
  withSpareCopy(
    {
      create: () => fresh(url),
      reopen: async (backend) => {
        await backend.close();
        return postgresBackend({ connectionString: url(), poolSize: 4 });
      },
    },
    () => fresh(spareUrl),
  ),
);
