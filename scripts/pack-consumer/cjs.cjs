// Run by scripts/pack-check.ts inside a fresh project where the packed tarball is installed.
// CommonJS: the core and postgres entries load with require() and work (migrate() finds the
// shipped drizzle/ folder from the CJS build too); the ESM-only testing entry is not offered.
const { ValidationError, createStore, memoryBackend } = require("@journal/store");
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
  const folder = defaultMigrationsFolder();
  const again = await migrate(url);
  console.log(JSON.stringify({ refused, testing, folder, reapplied: again.applied }));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
