import { rmSync } from "node:fs";
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

/**
 * The package's entry points (`exports` in package.json), by output name, and the
 * journal-store-backfill bin (package.json "bin"; its shebang line is kept by esbuild).
 */
const ENTRIES = {
  index: "src/index.ts",
  postgres: "src/backends/postgres/index.ts",
  testing: "src/testing/index.ts",
  cli: "src/cli/bin.ts",
  // Not in `exports`: the module of jsonFileSource's hashing threads, found beside the code that starts them.
  "hash-worker": "src/backends/json/hash-worker.ts",
};
const { testing: _esmOnly, cli: _binIsEsm, ...CJS_ENTRIES } = ENTRIES;

/** What every build shares: declarations, sourcemaps, Node 20, database clients and vitest left external. */
const common: Options = {
  dts: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
  treeshake: true,
  esbuildPlugins: [rawImports],
  external: ["vitest", "pg", "pg-copy-streams", "drizzle-orm", "@electric-sql/pglite"],
};

// Two builds written side by side under dist/:
// - ESM (.js + .d.ts) for every entry, sharing chunks, so the testing entry and the core share one
//   copy of each class (an error thrown by a backend is `instanceof` the class the suite imports).
// - CJS (.cjs + .d.cts) for the core and postgres entries only. `./testing` is ESM only: it
//   imports vitest, which refuses to load from CommonJS, so a CJS build of it could only throw.
//   `shims` gives the CJS build `import.meta.url` (used to locate the shipped migrations).
// tsup runs the two builds at once, so neither may clean dist/ (one would delete the other's
// files): dist/ is emptied here, once, before both start.
export default defineConfig((): Options[] => {
  rmSync("dist", { recursive: true, force: true });
  return [
    {
      ...common,
      entry: ENTRIES,
      format: ["esm"],
    },
    {
      ...common,
      entry: CJS_ENTRIES,
      format: ["cjs"],
      shims: true,
    },
  ];
});
