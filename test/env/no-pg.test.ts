import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/backends/postgres/index.js";
import { useTestDatabase } from "../support/postgres.js";

// `pg` stays out of a JSON-only app: a child process imports the core entry (src/index.ts),
// creates a store from its environment, writes, and reports every module it loaded (ES modules
// through a resolve hook, CommonJS through require.cache). The same harness at a stage that uses
// PostgreSQL must see `pg`, so the check can fail. The built entry is checked the same way in
// test/package/exports.test.ts.

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const url = useTestDatabase(async (u) => void (await migrate(u)));
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "journal-env-nopg-"));
  await writeFile(
    join(work, "app.mts"),
    `const { createStoreFromEnv } = await import(${JSON.stringify(pathToFileURL(join(root, "src/index.ts")).href)});
     const store = await createStoreFromEnv();
     const user = await store.users.create({ email: "child@example.com", displayName: "C" });
     const again = await store.users.get(user.id);
     await store.close();
     console.log(JSON.stringify({ backend: store.backend.name, same: again?.id === user.id }));`,
  );
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs the app in a child with `env`; returns its output and every module URL it loaded. */
async function app(name: string, env: Record<string, string>): Promise<{ result: unknown; loaded: string[] }> {
  const trace = join(work, `${name}.trace`);
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--import", pathToFileURL(join(root, "test/support/load-trace.mjs")).href, join(work, "app.mts")], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOAD_TRACE: trace, ...env },
  });
  const loaded = (await readFile(trace, "utf8")).split("\n").filter(Boolean);
  return { result: JSON.parse(stdout.trim().split("\n").pop()!), loaded };
}

const fromPackage = (loaded: string[], pkg: string) => loaded.filter((u) => u.includes(`/node_modules/${pkg}/`));

describe("the core entry without PostgreSQL", () => {
  it("stage off: writes and reads JSON files without loading pg or drizzle-orm", async () => {
    const { result, loaded } = await app("off", { JOURNAL_STORE_JSON_DIR: join(work, "data-off"), DATABASE_URL: url() });
    expect(result).toEqual({ backend: "json", same: true });
    expect(loaded.some((u) => u.endsWith("/src/env.ts")), "the trace sees the app's own modules").toBe(true);
    expect(fromPackage(loaded, "pg")).toEqual([]);
    expect(fromPackage(loaded, "drizzle-orm")).toEqual([]);
  }, 60_000);

  it("a stage that uses PostgreSQL loads pg (the check above can fail)", async () => {
    const { result, loaded } = await app("dual", { ENABLE_DUAL_WRITE: "true", JOURNAL_STORE_JSON_DIR: join(work, "data-dual"), DATABASE_URL: url() });
    expect(result).toEqual({ backend: "dual-write", same: true });
    expect(fromPackage(loaded, "pg").length).toBeGreaterThan(0);
    expect(fromPackage(loaded, "drizzle-orm").length).toBeGreaterThan(0);
  }, 60_000);
});
