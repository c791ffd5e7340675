#!/usr/bin/env node
import { run } from "./run.js";

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
