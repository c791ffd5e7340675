import type { RowSource } from "../../backend.js";
import { UsageError, ValidationError } from "../../errors.js";
import type { CollectionName } from "../../model/rows.js";
import { backfill, type BackfillReport } from "../../sync/backfill.js";
import { compare, type CompareReport } from "../../sync/compare.js";
import { SYNC_DEFAULTS } from "../../sync/options.js";
import { syncCollections } from "../../sync/pager.js";
import { repair, type RepairReport } from "../../sync/repair.js";
import { isoTimestamp, oneOf, parseFlags, positiveInteger } from "../args.js";
import type { Command } from "../command.js";
import { endpoints, type Endpoint } from "../endpoint.js";
import { EXIT, type ExitCode } from "../io.js";
import { migrateEndpoint, openEndpoint, openSource } from "../open.js";
import { emitOutcome, reportFileOf } from "../output.js";
import { createProgress } from "../progress.js";
import { redactUrl } from "../redact.js";
import { table } from "../table.js";

/** The modes of the sync command. */
export const MODES = ["backfill", "compare", "repair", "all"] as const;
/** A mode of the sync command. */
export type Mode = (typeof MODES)[number];

const FLAGS = {
  from: { type: "string" },
  to: { type: "string" },
  collections: { type: "string" },
  "batch-size": { type: "string" },
  mode: { type: "string" },
  resume: { type: "boolean" },
  migrate: { type: "boolean" },
  "dry-run": { type: "boolean" },
  force: { type: "boolean" },
  report: { type: "string" },
  json: { type: "boolean" },
  since: { type: "string" },
} as const;

/** Everything one sync run did, as printed with `--json` and written with `--report`. */
export interface SyncOutcome {
  mode: Mode;
  dryRun: boolean;
  from: string;
  to: string;
  exitCode: ExitCode;
  /** `consistent`, `divergences`, `interrupted` or `failed`. */
  verdict: "consistent" | "divergences" | "interrupted" | "failed";
  backfill: BackfillReport | null;
  /** The first compare (repair and all: what was found before repairing). */
  compare: CompareReport | null;
  repair: RepairReport | null;
  /** The compare after the repair (repair and all). */
  recheck: CompareReport | null;
}

/**
 * The default command: backfill, compare, repair, or all three (backfill, then compare, repair
 * what differs, compare again), from `--from` to `--to`.
 */
export const syncCommand: Command = {
  name: "",
  summary: "copy, compare and repair (the default command)",
  help: `Usage: journal-store-backfill [options]

Copies one store into another and checks the result, while the app keeps running.

Stores (a postgres:// or postgresql:// URL means PostgreSQL, json:DIR a JSON-file store):
  --from STORE         the authoritative side (default: json:$JOURNAL_STORE_JSON_DIR)
  --to STORE           the side brought in line (default: $DATABASE_URL)

What to do:
  --mode MODE          backfill | compare | repair | all (default all)
                         backfill: copy every row, owners first, newer versions never overwritten
                         compare:  report missing, extra and different rows
                         repair:   compare, repair what differs, compare again
                         all:      backfill, then repair
  --collections LIST   comma-separated (default: every replicated collection)
  --batch-size N       rows per batch (default ${SYNC_DEFAULTS.batchSize})
  --since ISO          backfill only rows updated at or after ISO (deletes included);
                       compare and repair always cover every row
  --resume             continue the latest backfill from its checkpoint
  --migrate            apply the PostgreSQL migrations to --to first
  --dry-run            read and compare, write nothing (no run records either)
  --force              repair overwrites even newer or conflicting target rows

Output:
  --json               print the outcome as JSON on stdout instead of a table
  --report FILE        also write the outcome as JSON to FILE
  progress goes to stderr: live bars on a terminal, periodic lines otherwise

Exit codes: 0 consistent, 1 divergences remain, 2 usage or configuration error,
3 runtime failure or interrupted (Ctrl-C stops after the current batch and prints
the command that resumes).
`,

  async run(argv, io) {
    const flags = parseFlags(argv, FLAGS);
    const cwd = io.cwd ?? ".";
    const mode = oneOf(flags.mode as string | undefined, "--mode", MODES, "all");
    const batchSize = positiveInteger(flags["batch-size"] as string | undefined, "--batch-size", SYNC_DEFAULTS.batchSize);
    const since = isoTimestamp(flags.since as string | undefined, "--since");
    const collections = parseCollections(flags.collections as string | undefined);
    const dryRun = flags["dry-run"] === true;
    if (flags.resume && mode !== "backfill" && mode !== "all") throw new UsageError("--resume", "applies to --mode backfill or all");
    if (since && mode !== "backfill" && mode !== "all") throw new UsageError("--since", "applies to --mode backfill or all");
    const { from, to } = endpoints({ from: flags.from as string | undefined, to: flags.to as string | undefined }, io.env, cwd);
    const reportFile = reportFileOf(flags.report as string | undefined, cwd);

    if (flags.migrate && !dryRun) {
      const applied = await migrateEndpoint(to);
      if (applied.length) io.stderr.write(`migrations applied to ${to.display}: ${applied.join(", ")}\n`);
    }
    const writes = !dryRun && mode !== "compare";
    // The source is read as it is now (a running app's JSON directory as of this open; a database
    // the app writes, from here on): what the app writes on the target after this, the source
    // cannot judge, so compare does not report it and repair leaves it alone.
    const sourceReadAt = new Date().toISOString();
    const opened = await openSource(from);
    const source = opened.source;
    // Opens still under way (a JSON directory being indexed) while the other store opens and the
    // work starts: a failure to open is reported as such, before anything else went wrong.
    const opening = [opened.ready];
    let target: RowSource | undefined;
    const progress = createProgress(io.stderr, io.progressIntervalMs ?? 2000);
    const outcome: SyncOutcome = { mode, dryRun, from: from.display, to: to.display, exitCode: EXIT.consistent, verdict: "consistent", backfill: null, compare: null, repair: null, recheck: null };
    try {
      // Only compared, a JSON target is read like the source (no lock: a running app may hold it;
      // rows left on disk) and holds no run records. Otherwise it is opened as a backend.
      const backend = mode === "compare" && to.kind === "json" ? null : await openEndpoint(to, writes ? "write" : compareAccess(to, dryRun), { whenLocked: WHEN_LOCKED });
      if (backend) target = backend;
      else {
        const read = await openSource(to);
        target = read.source;
        opening.push(read.ready);
      }
      // A JSON target opened without its lock cannot hold run records: compare without recording there.
      const record = !dryRun && !(to.kind === "json" && !writes);
      const common = { source, batchSize, onProgress: progress.update, ...(collections ? { collections } : {}), ...(io.signal ? { signal: io.signal } : {}) };
      if (backend && (mode === "backfill" || mode === "all")) {
        outcome.backfill = await backfill({ ...common, target: backend, resume: flags.resume === true, dryRun, ...(since ? { since } : {}) });
      }
      if (mode !== "backfill" && settled(outcome.backfill)) {
        outcome.compare = await compare({ ...common, target, record, sourceReadAt });
        const found = outcome.compare.divergences.length;
        if (backend && (mode === "repair" || mode === "all") && !dryRun && outcome.compare.status === "completed" && found > 0) {
          outcome.repair = await repair({ ...common, target: backend, divergences: outcome.compare.divergences, force: flags.force === true, sourceReadAt });
          if (outcome.repair.status === "completed") outcome.recheck = await compare({ ...common, target, record, sourceReadAt });
        }
      }
      await Promise.all(opening);
    } catch (e) {
      await Promise.all(opening);
      throw e;
    } finally {
      progress.stop();
      await Promise.allSettled([source.close(), target?.close()]);
    }
    judge(outcome);
    await emitOutcome(io, outcome, { json: flags.json === true, reportFile, summary: () => summary(outcome) });
    if (outcome.verdict === "interrupted") {
      const again = mode === "backfill" || mode === "all" ? [...argv.filter((a) => a !== "--resume"), "--resume"] : [...argv];
      io.stderr.write(`interrupted after the current batch; to continue, run:\n  journal-store-backfill ${again.map(shellQuote).join(" ")}\n`);
    }
    for (const r of [outcome.backfill, outcome.compare, outcome.repair, outcome.recheck]) {
      if (r?.status === "failed") io.stderr.write(`${r.operation} failed: ${r.error ?? "unknown error"}\n`);
    }
    return outcome.exitCode;
  },
};

/** What to do instead when a running app holds a JSON target's lock. */
const WHEN_LOCKED =
  "Writing into it goes through that app: its dual-write backend replicates from the change feed (reconcile()) " +
  "and repair({ source, target: <the app's dual-write backend> }) runs inside it. " +
  "Stop the app to write here with this command; comparing needs no lock (--mode compare).";

/** How a target the command does not write is opened (a dry run): a JSON target without a lock (a live app may hold it). */
function compareAccess(to: Endpoint, dryRun: boolean): "read" | "write" {
  return to.kind === "json" || dryRun ? "read" : "write";
}

function settled(report: BackfillReport | null): boolean {
  return !report || report.status === "completed";
}

function parseCollections(value: string | undefined): CollectionName[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(",").map((c) => c.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError("--collections", "needs at least one collection");
  try {
    return syncCollections(list);
  } catch (e) {
    if (e instanceof ValidationError) throw new UsageError("--collections", e.issues.map((i) => i.message).join("; "));
    throw e;
  }
}

/** Sets the verdict and exit code from the reports. */
function judge(o: SyncOutcome): void {
  const reports = [o.backfill, o.compare, o.repair, o.recheck].filter((r) => r !== null);
  const last = o.recheck ?? o.compare;
  const refused = o.backfill ? o.backfill.refused.length + Object.values(o.backfill.collections).reduce((n, c) => n + c.missingOwner, 0) : 0;
  if (reports.some((r) => r.status === "failed")) [o.verdict, o.exitCode] = ["failed", EXIT.failure];
  else if (reports.some((r) => r.status === "aborted")) [o.verdict, o.exitCode] = ["interrupted", EXIT.failure];
  else if ((last ? last.divergences.length : refused) > 0) [o.verdict, o.exitCode] = ["divergences", EXIT.divergences];
  else [o.verdict, o.exitCode] = ["consistent", EXIT.consistent];
}

/** The summary table printed on stdout. */
function summary(o: SyncOutcome): string {
  const last = o.recheck ?? o.compare;
  const names = [...new Set([...Object.keys(o.backfill?.collections ?? {}), ...Object.keys(o.compare?.collections ?? {})])] as CollectionName[];
  const dash = "-";
  const rows = names.map((c) => {
    const b = o.backfill?.collections[c];
    const first = o.compare?.collections[c];
    const final = last?.collections[c];
    return [
      c,
      b ? b.read : dash,
      b ? b.applied : dash,
      b ? b.stale : dash,
      b ? b.conflicts + b.missingOwner : dash,
      final ? final.source : dash,
      final ? final.target : dash,
      first ? first.divergences : dash,
      final ? final.divergences : dash,
    ];
  });
  const lines = [`${o.dryRun ? "dry run: " : ""}${o.mode} ${o.from} -> ${o.to}\n`, table(["collection", "read", "applied", "stale", "refused", "source", "target", "found", "remaining"], rows)];
  const newer = Object.values(last?.collections ?? {}).reduce((n, c) => n + c.newerOnTarget, 0);
  if (newer > 0) lines.push(`${newer} row(s) changed on the target after the source was read (the app is writing): not judged here; a later compare checks them\n`);
  if (o.backfill) lines.push(`backfill: ${o.backfill.status}, ${o.backfill.rowsPerSecond} rows/s${o.backfill.refused.length ? `, ${o.backfill.refused.length} refused` : ""}\n`);
  if (o.repair) lines.push(`repair: ${o.repair.status}, ${o.repair.repaired} repaired, ${o.repair.unresolved.length} unresolved\n`);
  for (const u of o.repair?.unresolved.slice(0, 20) ?? []) lines.push(`  unresolved ${u.collection} ${u.id}: ${u.reason}\n`);
  for (const d of last?.divergences.slice(0, 20) ?? []) lines.push(`  ${d.kind} ${d.collection} ${d.id}${d.kind === "different" ? ` at ${d.fields.join(", ")}` : ""}\n`);
  if ((last?.divergences.length ?? 0) > 20) lines.push(`  ... and ${last!.divergences.length - 20} more (--report FILE lists them all)\n`);
  lines.push(`result: ${o.verdict}\n`);
  return lines.join("");
}

/** Arguments a POSIX shell reads as they are. */
const SHELL_PLAIN = /^[\w@%+=:,./-]+$/;
/** A single quote inside single quotes: end the quoting, an escaped quote, quote again. */
const QUOTE_IN_QUOTES = "'\\''";

/** `arg` quoted for a POSIX shell when it needs it (passwords in URLs are already redacted). */
function shellQuote(arg: string): string {
  const safe = redactUrl(arg);
  return SHELL_PLAIN.test(safe) ? safe : "'" + safe.replaceAll("'", QUOTE_IN_QUOTES) + "'";
}
