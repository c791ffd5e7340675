import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { defineConfig, type Options } from "tsup";

/** `import text from "./file?raw"` as vite does it, so fixtures load as text in both builds. */
const rawImports: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "raw-imports",
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.replace(/\?raw$/, "")),
      namespace: "raw",
    }));
    build.onLoad({ filter: /.*/, namespace: "raw" }, async (args) => ({
      contents: await readFile(args.path, "utf8"),
      loader: "text",
    }));
  },
};

// One config for every entry point: ESM + CJS + .d.ts, written directly under dist/.
// `shims` gives the CJS build `import.meta.url` (used to locate shipped files such as migrations).
export default defineConfig({
  entry: {
    index: "src/index.ts",
    testing: "src/testing/index.ts",
    postgres: "src/backends/postgres/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  shims: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
  treeshake: true,
  esbuildPlugins: [rawImports],
  external: ["vitest", "pg", "pg-copy-streams", "drizzle-orm", "@electric-sql/pglite"],
});
