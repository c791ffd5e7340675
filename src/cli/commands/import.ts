import type { Backend } from "../../backend.js";
import { memoryBackend } from "../../backends/memory.js";
import { UsageError } from "../../errors.js";
import { importLegacy } from "../../legacy/import.js";
import type { LegacyImportReport } from "../../legacy/report.js";
import { parseFlags } from "../args.js";
import type { Command } from "../command.js";
import { toEndpoint } from "../endpoint.js";
import { EXIT, type ExitCode } from "../io.js";
import { APP_FILES, appDirOf, appFilesIn, asUsage, timezoneOf } from "../legacy-flags.js";
import { migrateEndpoint, openEndpoint } from "../open.js";
import { emitOutcome, reportFileOf } from "../output.js";
import { table } from "../table.js";

const FLAGS = {
  from: { type: "string" },
  to: { type: "string" },
  timezone: { type: "string" },
  user: { type: "string" },
  migrate: { type: "boolean" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  report: { type: "string" },
} as const;

/** Everything one import did, as printed with `--json` and written with `--report`. */
export interface ImportOutcome {
  command: "import";
  dryRun: boolean;
  /** The app's data directory. */
  from: string;
  /** The store written (password redacted); null in a dry run without a store named. */
  to: string | null;
  /** 0: every record imported (or already there); 1: some were not (see `report.files[].skipped`); 3: interrupted (`report.interrupted`). */
  exitCode: ExitCode;
  /** importLegacy's report: per file what was read, imported, unchanged and skipped, and where each field went. */
  report: LegacyImportReport;
}

/** What to do instead when a running app holds a JSON target's lock. */
const WHEN_LOCKED =
  "Importing into it goes through that app: importLegacy({ dir, into: <the app's store> }) runs inside it. " +
  "Stop the app to import here with this command.";

/**
 * `import`: the app's own JSON files (the default legacy mapping) into a store, with
 * importLegacy. The directory is only read. `--dry-run` imports into an in-memory store instead:
 * every file checked and every record converted, nothing written anywhere.
 */
export const importCommand: Command = {
  name: "import",
  summary: "the app's own JSON files into a store (importLegacy)",
  help: `Usage: journal-store-backfill import --from DIR [--to STORE] [options]

Imports the app's own data files from DIR into a store, losing nothing: every field lands in
a row field or beside it in the row's metadata, and every record not imported is listed with
the reason. DIR is only read. A re-run writes nothing new.
Files: ${APP_FILES.join(", ")} (a file DIR lacks is skipped).

Where:
  --from DIR           the app's data directory
  --to STORE           a postgres:// or postgresql:// URL, or json:DIR (default: $DATABASE_URL)

How:
  --timezone IANA      zone of the app's naive local times (entries, topics; default UTC);
                       give the export the same
  --user UUID          an existing user the rows belong to (default: one fixed owner user,
                       created by the first import)
  --migrate            apply the PostgreSQL migrations to --to first
  --dry-run            import into an in-memory store instead: every file checked, every
                       record converted, nothing written and --to not opened; the report is
                       that of an import into an empty store

Output:
  --json               print the outcome (the whole import report) as JSON on stdout
  --report FILE        also write the outcome as JSON to FILE
  the summary lists, per file, records read, imported, unchanged (already stored) and not
  imported, then every record not imported with its reason; --json and --report also say
  where each field went

Exit codes: 0 every record imported (or already there), 1 some records not imported (listed),
2 usage or configuration error, 3 runtime failure (a corrupt file is named with its line and
column, and nothing is imported) or interrupted (Ctrl-C stops after the batch being written;
the same command again finishes the import).
`,

  async run(argv, io) {
    const flags = parseFlags(argv, FLAGS);
    const cwd = io.cwd ?? ".";
    const dir = appDirOf(flags.from as string | undefined, "--from", cwd);
    const timezone = timezoneOf(flags.timezone as string | undefined);
    const dryRun = flags["dry-run"] === true;
    const user = flags.user as string | undefined;
    const reportFile = reportFileOf(flags.report as string | undefined, cwd);
    const to = toEndpoint(flags.to as string | undefined, io.env, cwd);
    if (!to && !dryRun) throw new UsageError("--to", "missing: give --to postgres://user@host/db (or json:DIR), or set DATABASE_URL");
    if (to?.kind === "json" && to.dir === dir) throw new UsageError("--to", "names the app's directory given to --from; import into a store directory of its own");
    const held = await appFilesIn(dir, "--from");
    if (!held.exists) throw new UsageError("--from", `${dir} does not exist`);
    if (held.files.length === 0) throw new UsageError("--from", `${dir} holds none of the app's files (${APP_FILES.join(", ")})`);

    if (to && flags.migrate && !dryRun) {
      const applied = await migrateEndpoint(to);
      if (applied.length) io.stderr.write(`migrations applied to ${to.display}: ${applied.join(", ")}\n`);
    }
    const target: Backend = dryRun || !to ? memoryBackend() : await openEndpoint(to, "write", { whenLocked: WHEN_LOCKED });
    let report: LegacyImportReport;
    try {
      // A dry run's store is empty: the user given stands in as a new one of that id.
      report = await importLegacy({
        dir,
        into: target,
        timezone,
        ...(user === undefined ? {} : { user: dryRun ? { id: user } : user }),
        ...(io.signal ? { signal: io.signal } : {}),
      });
    } catch (e) {
      throw asUsage(e, { user: "--user", timezone: "--timezone", dir: "--from" });
    } finally {
      await target.close();
    }
    const exitCode = report.interrupted ? EXIT.failure : report.totals.skipped > 0 ? EXIT.divergences : EXIT.consistent;
    const outcome: ImportOutcome = { command: "import", dryRun, from: dir, to: to?.display ?? null, exitCode, report };
    await emitOutcome(io, outcome, { json: flags.json === true, reportFile, summary: () => summary(outcome) });
    return outcome.exitCode;
  },
};

/** The summary printed on stdout. */
function summary(o: ImportOutcome): string {
  const { report } = o;
  const dash = "-";
  const rows = report.files.map((f) =>
    f.present ? [f.file, f.collection, f.read, f.imported, f.unchanged, f.skipped.length, f.dangling.length] : [f.file, f.collection, dash, dash, dash, dash, dash],
  );
  const lines = [
    `${o.dryRun ? "dry run: " : ""}import ${o.from} -> ${o.dryRun ? "an in-memory store" : o.to}\n`,
    `user ${report.userId}${report.userCreated ? " (created)" : ""}, timezone ${report.timezone}\n\n`,
    table(["file", "collection", "read", "imported", "unchanged", "not imported", "dangling"], rows),
  ];
  const absent = report.files.filter((f) => !f.present).map((f) => f.file);
  if (absent.length) lines.push(`absent (nothing to import): ${absent.join(", ")}\n`);
  for (const f of report.files) for (const s of f.skipped) lines.push(`  not imported ${f.file} ${s.key}: ${s.reason}\n`);
  const { read, skipped } = report.totals;
  const dry = o.dryRun ? " (dry run)" : "";
  if (report.interrupted) {
    lines.push(`result: interrupted after ${report.totals.imported + report.totals.unchanged} of ${read} records; run the same command again to finish (what is in is kept, and reported unchanged)\n`);
  } else {
    lines.push(skipped > 0 ? `result: ${skipped} of ${read} records not imported${dry}\n` : `result: every record imported${dry} (${read} read)\n`);
  }
  return lines.join("");
}
