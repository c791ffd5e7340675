#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { run } from "./run.js";

// A batch process whose peak memory is a stated limit (at most twice the JSON data it reads). A
// backfill's pages live across a database round trip, so they reach V8's old generation, which
// by default may grow to several times what is live before it is collected. Letting it grow by
// 30% at a time, a 100k-entry backfill peaked at 129 MB instead of 170-186 MB, at the same speed
// (npm run bench:sync); it changes when garbage is collected, not what the program does.
// (--optimize-for-size saved as much but made compare 40% slower.)
setFlagsFromString("--heap-growing-percent=30");

/**
 * The `journal-store-backfill` executable: the only file of the CLI that touches `process`. It
 * hands argv, the environment and the streams to `run`, turns the first Ctrl-C (SIGINT) into an
 * abort (the run stops after the current batch and prints how to resume; a second Ctrl-C exits
 * at once), and sets the exit code.
 */
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write("\nstopping after the current batch (Ctrl-C again to quit at once)\n");
  controller.abort();
});
void run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
