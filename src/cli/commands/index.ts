import type { Command } from "../command.js";
import { statusCommand } from "./status.js";
import { syncCommand } from "./sync.js";

/**
 * The subcommands of `journal-store-backfill`, by the word that selects them. The default
 * command (no word) is sync. Extension point: `import` and `export` (the app's legacy JSON
 * layout in and back out, over `importLegacy` / `exportLegacy`) will be one file each here,
 * added to this table; until then they are refused as unknown commands.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  status: statusCommand,
};

/** The command run when the first word is a flag or absent. */
export const DEFAULT_COMMAND: Command = syncCommand;
