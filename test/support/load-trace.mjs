// Preloaded with `node --import` in a child process: records every module the process loads, so
// a test can assert that a package (such as `pg`) was never loaded. ES modules are seen by a
// resolve hook (written to the file named by LOAD_TRACE as they resolve); CommonJS modules are
// listed from require.cache when the process exits.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env.LOAD_TRACE;
if (!file) throw new Error("LOAD_TRACE must name the trace file");
register("./load-trace-hooks.mjs", import.meta.url);
const require = createRequire(import.meta.url);
process.on("exit", () => {
  const cjs = Object.keys(require.cache).map((path) => `file://${path}`);
  if (cjs.length > 0) appendFileSync(file, `${cjs.join("\n")}\n`);
});
