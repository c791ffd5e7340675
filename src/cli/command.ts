import type { CliIo, ExitCode } from "./io.js";

/**
 * One subcommand of `journal-store-backfill`: its flags' help and its `run`, which returns an
 * exit code and throws typed errors (UsageError -> 2, anything else -> 3, mapped by `run.ts`).
 * New subcommands (`import`, `export` for the legacy layout) are one file each, added to
 * `commands/index.ts`.
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
