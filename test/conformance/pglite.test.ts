import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll } from "vitest";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { runConformance } from "../../src/testing/index.js";
import { TRUNCATE_ALL } from "../support/postgres.js";
import { withSpareCopy } from "../support/spare-copy.js";

// The conformance suite on PGlite in-process, with the same shipped migrations: one PGlite for
// this file, emptied before every test, used through a Drizzle database; a second copy within a
// case goes to a second PGlite.
let client: PGlite;
let spare: PGlite;
beforeAll(async () => {
  client = new PGlite({ extensions: { pg_trgm } });
  spare = new PGlite({ extensions: { pg_trgm } });
  await migrate(drizzle({ client }));
  await migrate(drizzle({ client: spare }));
});
afterAll(async () => {
  await Promise.all([client.close(), spare.close()]);
});

const fresh = async (on: PGlite) => {
  await on.exec(TRUNCATE_ALL);
  return postgresBackend({ db: drizzle({ client: on }) });
};

runConformance(
  "pglite",
  withSpareCopy(
    {
      create: () => fresh(client),
      reopen: async (backend) => {
        await backend.close();
        return postgresBackend({ db: drizzle({ client }) });
      },
      oneConnection: true,
    },
    () => fresh(spare),
  ),
);
