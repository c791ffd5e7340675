import { defineConfig } from "tsup";

// One config for every entry point: ESM + CJS + .d.ts, written directly under dist/.
// `shims` gives the CJS build `import.meta.url` (used to locate shipped files such as migrations).
export default defineConfig({
  entry: {
    index: "src/index.ts",
    testing: "src/testing/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  shims: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
  treeshake: true,
  external: ["vitest", "pg", "drizzle-orm", "@electric-sql/pglite"],
});
