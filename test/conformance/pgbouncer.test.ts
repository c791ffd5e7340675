import type { Backend } from "../../src/backend.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { runConformance } from "../../src/testing/index.js";
import { withClient } from "../support/pg-client.js";
import { usePgBouncer } from "../support/pgbouncer.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { withSpareCopy } from "../support/spare-copy.js";

// The conformance suite through a real PgBouncer in transaction pooling mode: named prepared
// statements off, the statement timeout set per transaction.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const pooled = usePgBouncer(url);
// A second copy within a case: a spare database, directly.
const spareUrl = useTestDatabase(async (u) => void (await migrate(u)));

const open = () => postgresBackend({ connectionString: pooled(), poolSize: 4, preparedStatements: false, transactionPooling: true });

async function fresh(): Promise<Backend> {
  await withClient(url(), (c) => c.query(TRUNCATE_ALL));
  return open();
}

runConformance(
  "postgres through pgbouncer",
  withSpareCopy(
    {
      create: fresh,
      reopen: async (backend) => {
        await backend.close();
        return open();
      },
    },
    async () => {
      await withClient(spareUrl(), (c) => c.query(TRUNCATE_ALL));
      return postgresBackend({ connectionString: spareUrl(), poolSize: 4 });
    },
  ),
);
