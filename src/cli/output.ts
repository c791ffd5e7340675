import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { CliIo } from "./io.js";

/**
 * How a command hands back its outcome, the same for every command: a plain summary on stdout,
 * or the outcome as JSON with `--json`; with `--report FILE` the JSON also goes to FILE (mode
 * 0600, through the run's redactor, so no password reaches the file either).
 */

/** The file `--report` names, resolved against the run's directory; undefined when not given. */
export function reportFileOf(value: string | undefined, cwd: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "") throw new UsageError("--report", "needs a file name");
  return resolve(cwd, value);
}

/** Prints `outcome` (JSON with `json`, else `summary`) and writes it to `reportFile` when given. */
export async function emitOutcome(io: CliIo, outcome: unknown, options: { json: boolean; reportFile: string | undefined; summary: () => string }): Promise<void> {
  const text = `${JSON.stringify(outcome, null, 2)}\n`;
  io.stdout.write(options.json ? text : options.summary());
  if (options.reportFile !== undefined) await writeFile(options.reportFile, (io.redact ?? String)(text), { mode: 0o600 });
}
