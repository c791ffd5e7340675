/**
 * What a CLI command may touch: the bin builds it from `process`, tests build it from strings.
 * Nothing under `src/cli/` reads `process` except `bin.ts`.
 */

/** A stream the CLI writes text to (a terminal stream also carries `isTTY` and `columns`). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The outside world of one CLI run. */
export interface CliIo {
  /** Results: the summary table, or JSON with `--json`. */
  stdout: OutputStream;
  /** Progress, notes and errors. A live progress bar is drawn only when `stderr.isTTY`. */
  stderr: OutputStream;
  /** The environment (`JOURNAL_STORE_JSON_DIR`, `DATABASE_URL` are read from here). */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C: the run stops after the current batch. */
  signal?: AbortSignal;
  /** The directory relative `json:DIR` paths and `--report` are resolved against (default: the process's). */
  cwd?: string;
  /** Milliseconds between plain progress lines when stderr is not a terminal (default 2000). */
  progressIntervalMs?: number;
  /** Removes secrets from text the CLI writes elsewhere (`--report`); `run` sets it. */
  redact?: (text: string) => string;
}

/** The exit codes of `journal-store-backfill`, in one place. */
export const EXIT = {
  /** Done, and the sides are consistent. */
  consistent: 0,
  /** Done, and divergences remain (or rows were refused). */
  divergences: 1,
  /** Usage or configuration error; the message names the flag or variable. */
  usage: 2,
  /** Runtime failure: a store failed, or the run was interrupted before it finished. */
  failure: 3,
} as const;

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
