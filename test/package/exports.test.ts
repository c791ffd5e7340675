import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/backends/postgres/index.js";
import { useTestDatabase } from "../support/postgres.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const databaseUrl = useTestDatabase(async (u) => void (await migrate(u)));

/**
 * The published shape: the package builds, and its `exports` map serves ESM for every entry and
 * CJS for the core and postgres entries, resolved by package name exactly as an app would
 * (node's package self-reference). The packed tarball itself is checked by `npm run check:pack`.
 */
describe("published package", () => {
  beforeAll(async () => {
    await run("npx", ["tsup", "--silent"], { cwd: root });
  }, 120_000);

  it("loads from CommonJS by package name and works", async () => {
    const script = `
      const { createStore, memoryBackend, ValidationError } = require("@journal/store");
      const store = createStore({ backend: memoryBackend() });
      store.users.create({ email: "cjs@example.com", displayName: "C" })
        .then((u) => store.users.create({ email: "", displayName: "" }).catch((e) => {
          console.log(JSON.stringify({ version: u.version, validation: e instanceof ValidationError }));
        }));`;
    const { stdout } = await run("node", ["-e", script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ version: 1, validation: true });
  });

  it("loads from ESM by package name, the testing entry included", async () => {
    const script = `
      import { createStore, memoryBackend, importLegacy, exportLegacy, LegacyFileError } from "@journal/store";
      import { runConformance } from "@journal/store/testing";
      const store = createStore({ backend: memoryBackend() });
      const u = await store.users.create({ email: "esm@example.com", displayName: "E" });
      const legacy = [typeof importLegacy, typeof exportLegacy, typeof LegacyFileError];
      console.log(JSON.stringify({ id: typeof u.id, suite: typeof runConformance, legacy }));`;
    const { stdout } = await run("node", ["--input-type=module", "-e", script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ id: "string", suite: "function", legacy: ["function", "function", "function"] });
  });

  it("runs the README's quick start as written", async () => {
    const readme = await readFile(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Quick start"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, "README has a Quick start ts block").toBeTruthy();
    const script = `${code}\nconsole.log(JSON.stringify({ same: same.id === ada.id, hits: hits.items.length, page: page.items.length }));`;
    const { stdout } = await run("node", ["--input-type=module", "-e", script], { cwd: root });
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({ same: true, hits: 1, page: 1 });
  });

  it("ships type declarations for both module systems, and the testing entry for ESM only", async () => {
    const files = await readdir(join(root, "dist"));
    for (const name of ["index.d.ts", "index.d.cts", "postgres.d.ts", "postgres.d.cts", "testing.d.ts"]) expect(files).toContain(name);
    for (const name of ["testing.cjs", "testing.d.cts"]) expect(files).not.toContain(name);
  });

  // The testing entry imports vitest, which cannot load from CommonJS: the exports map offers it
  // to `import` only, so require() fails at resolution with node's own code, not inside vitest.
  it("refuses a CommonJS require of the testing entry at resolution", async () => {
    const script = `
      try { require("@journal/store/testing"); console.log(JSON.stringify({ loaded: true })); }
      catch (e) { console.log(JSON.stringify({ code: e.code })); }`;
    const { stdout } = await run("node", ["-e", script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
  });

  it("keeps database clients and the test runner out of the core entry", async () => {
    const files = (await readdir(join(root, "dist"))).filter((f) => /\.(c?js)$/.test(f) && !f.startsWith("testing") && !f.startsWith("postgres"));
    for (const file of files) {
      const text = await readFile(join(root, "dist", file), "utf8");
      expect(text, file).not.toMatch(/(from|require\(|import\()\s*["'](pg|pg-copy-streams|drizzle-orm[^"']*|vitest|@electric-sql\/pglite)["']/);
    }
  });

  /** Runs `script` (ESM or CJS) with `env` and every loaded module traced; returns its last line and the trace. */
  async function traced(kind: "esm" | "cjs", script: string, env: Record<string, string>): Promise<{ out: unknown; loaded: string[] }> {
    const work = await mkdtemp(join(tmpdir(), "journal-exports-"));
    try {
      const trace = join(work, "trace");
      const args = ["--import", pathToFileURL(join(root, "test/support/load-trace.mjs")).href, ...(kind === "esm" ? ["--input-type=module"] : []), "-e", script];
      const { stdout } = await run("node", args, {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, LOAD_TRACE: trace, JOURNAL_STORE_JSON_DIR: join(work, "data"), APP_EMAIL: `${kind}-${Object.keys(env).join("-")}@example.com`, ...env },
      });
      const loaded = (await readFile(trace, "utf8")).split("\n").filter(Boolean);
      return { out: JSON.parse(stdout.trim().split("\n").pop()!), loaded };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  const app = {
    esm: `import { createStoreFromEnv } from "@journal/store";
      const store = await createStoreFromEnv();
      const u = await store.users.create({ email: process.env.APP_EMAIL, displayName: "E" });
      await store.close();
      console.log(JSON.stringify({ backend: store.backend.name, version: u.version }));`,
    cjs: `const { createStoreFromEnv } = require("@journal/store");
      createStoreFromEnv().then(async (store) => {
        const u = await store.users.create({ email: process.env.APP_EMAIL, displayName: "E" });
        await store.close();
        console.log(JSON.stringify({ backend: store.backend.name, version: u.version }));
      });`,
  };
  const fromPackage = (loaded: string[], pkg: string) => loaded.filter((u) => u.includes(`/node_modules/${pkg}/`));

  for (const kind of ["esm", "cjs"] as const) {
    it(`${kind}: createStoreFromEnv at stage off loads neither pg nor drizzle-orm`, async () => {
      const { out, loaded } = await traced(kind, app[kind], { DATABASE_URL: databaseUrl() });
      expect(out).toEqual({ backend: "json", version: 1 });
      expect(loaded.some((u) => /\/dist\/index\.c?js$/.test(u)), "the trace sees the package entry").toBe(true);
      expect(fromPackage(loaded, "pg")).toEqual([]);
      expect(fromPackage(loaded, "drizzle-orm")).toEqual([]);
    });

    it(`${kind}: createStoreFromEnv at stage complete loads the postgres entry on demand and works`, async () => {
      const { out, loaded } = await traced(kind, app[kind], { JOURNAL_STORE_STAGE: "complete", DATABASE_URL: databaseUrl() });
      expect(out).toEqual({ backend: "postgres", version: 1 });
      expect(loaded.some((u) => /\/dist\/postgres\.c?js$/.test(u))).toBe(true);
      expect(fromPackage(loaded, "pg").length).toBeGreaterThan(0);
    });
  }
});
