// Run by scripts/pack-check.ts inside a fresh project where the packed tarball is installed.
// ESM: every entry imports; migrate() finds the drizzle/ folder shipped in the installed package
// and a PostgreSQL store works on the migrated database. Prints one JSON line for the checker.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "@journal/store";
import { ValidationError, createStore, memoryBackend } from "@journal/store";
import { defaultMigrationsFolder, migrate, postgresBackend } from "@journal/store/postgres";
import { TestClock, runConformance } from "@journal/store/testing";
import { checkHashThreads } from "./hash-threads-check.mjs";

const url = process.env.PACK_CHECK_DATABASE_URL;
if (!url) throw new Error("PACK_CHECK_DATABASE_URL is not set");

const memory = createStore({ backend: memoryBackend() });
const refused = await memory.users.create({ email: "", displayName: "" }).then(
  () => false,
  (error) => error instanceof ValidationError,
);
await memory.close();

const threads = await checkHashThreads(api, join(dirname(fileURLToPath(import.meta.resolve("@journal/store"))), "hash-worker.js"));
const folder = defaultMigrationsFolder();
const first = await migrate(url);
const second = await migrate(url);
const store = createStore({ backend: postgresBackend({ connectionString: url }) });
try {
  const ada = await store.users.create({ email: "ada@example.com", displayName: "Ada" });
  const found = await store.users.getByEmail("ADA@example.com");
  console.log(
    JSON.stringify({
      refused,
      testing: typeof runConformance === "function" && typeof TestClock === "function",
      folder,
      applied: first.applied,
      reapplied: second.applied,
      roundTrip: found?.id === ada.id,
      threads,
    }),
  );
} finally {
  await store.close();
}
