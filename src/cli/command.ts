import type { CliIo, ExitCode } from "./io.js";

/**
 * One subcommand of `journal-store-backfill`: its flags' help and its `run`, which returns an
 * exit code and throws typed errors (UsageError -> 2, anything else -> 3, mapped by `run.ts`).
 * Each is one file in `commands/` (`status`, `import`, `export`; sync is the default), listed in
 * `commands/index.ts`; the top-level help lists them by their `summary`.
 */
export interface Command {
  /** The word after the program name (`status`); the default command has none. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full help text of the command. */
  help: string;
  /** Runs the command with `argv` (the words after its name). `io` streams are already redacting. */
  run(argv: readonly string[], io: CliIo): Promise<ExitCode>;
}
