import type { Command } from "../command.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { statusCommand } from "./status.js";
import { syncCommand } from "./sync.js";

/**
 * The subcommands of `journal-store-backfill`, by the word that selects them, in the order the
 * top-level help lists them. The default command (no word) is sync. A new command is one file
 * here, added to this table.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  status: statusCommand,
  import: importCommand,
  export: exportCommand,
};

/** The command run when the first word is a flag or absent. */
export const DEFAULT_COMMAND: Command = syncCommand;
