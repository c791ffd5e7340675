import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");

/**
 * The published shape: the package builds, and its `exports` map serves ESM and CJS for every
 * entry, resolved by package name exactly as an app would (node's package self-reference).
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
      import { createStore, memoryBackend } from "@journal/store";
      import { runConformance } from "@journal/store/testing";
      const store = createStore({ backend: memoryBackend() });
      const u = await store.users.create({ email: "esm@example.com", displayName: "E" });
      console.log(JSON.stringify({ id: typeof u.id, suite: typeof runConformance }));`;
    const { stdout } = await run("node", ["--input-type=module", "-e", script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ id: "string", suite: "function" });
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

  it("ships type declarations for both module systems", async () => {
    const files = await readdir(join(root, "dist"));
    for (const name of ["index.d.ts", "index.d.cts", "testing.d.ts", "testing.d.cts"]) expect(files).toContain(name);
  });

  it("keeps database clients and the test runner out of the core entry", async () => {
    const files = (await readdir(join(root, "dist"))).filter((f) => /\.(c?js)$/.test(f) && !f.startsWith("testing") && !f.startsWith("postgres"));
    for (const file of files) {
      const text = await readFile(join(root, "dist", file), "utf8");
      expect(text, file).not.toMatch(/(from|require\(|import\()\s*["'](pg|pg-copy-streams|drizzle-orm[^"']*|vitest|@electric-sql\/pglite)["']/);
    }
  });
});
