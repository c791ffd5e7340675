// Run by scripts/pack-check.ts inside a fresh project where the packed tarball is installed.
// CommonJS: the core and postgres entries load with require() and work (migrate() finds the
// shipped drizzle/ folder from the CJS build too); the ESM-only testing entry is not offered.
const { dirname, join } = require("node:path");
const api = require("@journal/store");
const { ValidationError, createStore, memoryBackend } = api;
const { defaultMigrationsFolder, migrate } = require("@journal/store/postgres");

const url = process.env.PACK_CHECK_DATABASE_URL;
if (!url) throw new Error("PACK_CHECK_DATABASE_URL is not set");

let testing;
try {
  require("@journal/store/testing");
  testing = "loaded";
} catch (error) {
  testing = error.code;
}

(async () => {
  const memory = createStore({ backend: memoryBackend() });
  const refused = await memory.users.create({ email: "", displayName: "" }).then(
    () => false,
    (error) => error instanceof ValidationError,
  );
  await memory.close();
  const { checkHashThreads } = await import("./hash-threads-check.mjs");
  const threads = await checkHashThreads(api, join(dirname(require.resolve("@journal/store")), "hash-worker.cjs"));
  const folder = defaultMigrationsFolder();
  const again = await migrate(url);
  console.log(JSON.stringify({ refused, testing, folder, reapplied: again.applied, threads }));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
