import { UsageError } from "../../errors.js";
import { exportLegacy } from "../../legacy/export.js";
import type { LegacyExportReport } from "../../legacy/report.js";
import { parseFlags } from "../args.js";
import type { Command } from "../command.js";
import { databaseEndpoint } from "../endpoint.js";
import { EXIT, type ExitCode } from "../io.js";
import { APP_FILES, appDirOf, appFilesIn, asUsage, timezoneOf } from "../legacy-flags.js";
import { openEndpoint } from "../open.js";
import { emitOutcome, reportFileOf } from "../output.js";
import { table } from "../table.js";

const FLAGS = {
  from: { type: "string" },
  to: { type: "string" },
  timezone: { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
  report: { type: "string" },
} as const;

/** Everything one export did, as printed with `--json` and written with `--report`. */
export interface ExportOutcome {
  command: "export";
  /** The store read (password redacted). */
  from: string;
  /** The directory written. */
  to: string;
  /** Files of the app's that were there before and were replaced (`--force`). */
  replaced: string[];
  exitCode: ExitCode;
  /** exportLegacy's report: per file, records and bytes written. */
  report: LegacyExportReport;
}

/**
 * `export`: a store back out in the app's own layout (exportLegacy), for the rollback to the app
 * version before this package. The store is only read (a JSON store without its lock). A
 * directory that already holds any of the app's files is refused unless `--force`.
 */
export const exportCommand: Command = {
  name: "export",
  summary: "a store back out as the app's own JSON files (exportLegacy)",
  help: `Usage: journal-store-backfill export --to DIR [--from STORE] [options]

Writes every live row of the store back out in the app's own layout in DIR, so the app version
before this package runs on it: the rollback. Imported rows that have not changed come back
field by field as they were read. The store is only read (a JSON store without its lock).
Files: ${APP_FILES.join(", ")}.

Where:
  --from STORE         a postgres:// or postgresql:// URL, or json:DIR (default: $DATABASE_URL)
  --to DIR             the directory to write (created if absent)

How:
  --timezone IANA      zone of the app's naive local times (default UTC): the one the import used
  --force              replace the app's files when DIR already holds some; without it such a
                       DIR is refused (export into a new directory, then swap it in)

Output:
  --json               print the outcome as JSON on stdout instead of a table
  --report FILE        also write the outcome as JSON to FILE

Exit codes: 0 written, 2 usage or configuration error (DIR already holds the app's files),
3 runtime failure.
`,

  async run(argv, io) {
    const flags = parseFlags(argv, FLAGS);
    const cwd = io.cwd ?? ".";
    const dir = appDirOf(flags.to as string | undefined, "--to", cwd);
    const timezone = timezoneOf(flags.timezone as string | undefined);
    const reportFile = reportFileOf(flags.report as string | undefined, cwd);
    const from = databaseEndpoint(flags.from as string | undefined, "--from", io.env, cwd);
    if (!from) throw new UsageError("--from", "missing: give --from postgres://user@host/db (or json:DIR), or set DATABASE_URL");
    if (from.kind === "json" && from.dir === dir) throw new UsageError("--to", "names the store directory given to --from; export into a directory of its own");
    const { files: replaced } = await appFilesIn(dir, "--to");
    if (replaced.length > 0 && flags.force !== true) {
      throw new UsageError("--to", `${dir} already holds ${replaced.join(", ")}: export into a new directory and swap it in, or pass --force to replace them`);
    }

    const source = await openEndpoint(from, "read");
    let report: LegacyExportReport;
    try {
      report = await exportLegacy({ from: source, dir, timezone });
    } catch (e) {
      throw asUsage(e, { timezone: "--timezone", dir: "--to" });
    } finally {
      await source.close();
    }
    const outcome: ExportOutcome = { command: "export", from: from.display, to: dir, replaced, exitCode: EXIT.consistent, report };
    await emitOutcome(io, outcome, { json: flags.json === true, reportFile, summary: () => summary(outcome) });
    return outcome.exitCode;
  },
};

/** The summary printed on stdout. */
function summary(o: ExportOutcome): string {
  const rows = o.report.files.map((f) => [f.file, f.collection, f.records, f.bytes]);
  const lines = [`export ${o.from} -> ${o.to}\n\n`, table(["file", "collection", "records", "bytes"], rows)];
  if (o.replaced.length) lines.push(`replaced (--force): ${o.replaced.join(", ")}\n`);
  lines.push(`result: ${o.report.files.length} files written\n`);
  return lines.join("");
}
