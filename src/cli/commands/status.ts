import type { Backend, Stored } from "../../backend.js";
import { UsageError } from "../../errors.js";
import { latestCompares } from "../../dual-write/cutover-gate.js";
import { STAGE_RUN_ID } from "../../dual-write/records.js";
import { SYNC_RUN_IDS } from "../../model/operational.js";
import type { MigrationLogRow } from "../../model/rows.js";
import { parseFlags, positiveInteger } from "../args.js";
import type { Command } from "../command.js";
import { fromEndpoint, toEndpoint, type Endpoint } from "../endpoint.js";
import { EXIT } from "../io.js";
import { openEndpoint } from "../open.js";
import { table } from "../table.js";

const FLAGS = {
  from: { type: "string" },
  to: { type: "string" },
  json: { type: "boolean" },
  limit: { type: "string" },
} as const;

/** What `status` found on one store. */
export interface StoreStatus {
  store: string;
  /** Stage records, newest first. */
  stages: { at: string; stage: string; primary: string; forced: boolean; overridden: string | null }[];
  /** The latest backfill and repair runs, newest first. */
  runs: { operation: string; status: string; startedAt: string; durationMs: number | null; divergencesFound: number; divergencesRepaired: number; error: string | null }[];
  /** The latest compare per collection. */
  compares: { collection: string; status: string; startedAt: string; divergencesFound: number }[];
}

/**
 * `status`: reads each store's migrationLogs (read-only: a JSON store without a lock) and prints
 * the stage history, the latest backfill and repair runs, and the latest compare of every
 * collection with its divergences. Exits 1 when a latest compare found divergences.
 */
export const statusCommand: Command = {
  name: "status",
  summary: "stage history, latest runs and their divergences",
  help: `Usage: journal-store-backfill status [--from STORE] [--to STORE] [--limit N] [--json]

Prints, for each store given (defaults: json:$JOURNAL_STORE_JSON_DIR and $DATABASE_URL), the
stage history of the dual-write backend, the latest backfill and repair runs, and the latest
compare of every collection with the divergences it found. Stores are only read (a JSON store
without taking its lock). Exit codes: 0, or 1 when a latest compare found divergences;
2 usage or configuration error; 3 runtime failure.
`,
  async run(argv, io) {
    const flags = parseFlags(argv, FLAGS);
    const cwd = io.cwd ?? ".";
    const limit = positiveInteger(flags.limit as string | undefined, "--limit", 10);
    const stores = [fromEndpoint(flags.from as string | undefined, io.env, cwd), toEndpoint(flags.to as string | undefined, io.env, cwd)].filter((e): e is Endpoint => e !== null);
    if (stores.length === 0) throw new UsageError("--to", "missing: give --from and/or --to, or set JOURNAL_STORE_JSON_DIR and/or DATABASE_URL");
    const out: StoreStatus[] = [];
    for (const endpoint of stores) {
      const backend = await openEndpoint(endpoint, "read");
      try {
        out.push(await statusOf(endpoint, backend, limit));
      } finally {
        await backend.close();
      }
    }
    if (flags.json) io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else io.stdout.write(out.map(render).join("\n"));
    return out.some((s) => s.compares.some((c) => c.divergencesFound > 0)) ? EXIT.divergences : EXIT.consistent;
  },
};

async function newest(backend: Backend, runId: string, limit: number): Promise<Stored<MigrationLogRow>[]> {
  const page = await backend.query("migrationLogs", { where: [{ field: "runId", op: "eq", value: runId }], orderBy: { field: "startedAt", direction: "desc" }, limit });
  return page.rows as Stored<MigrationLogRow>[];
}

async function statusOf(endpoint: Endpoint, backend: Backend, limit: number): Promise<StoreStatus> {
  const stages = (await newest(backend, STAGE_RUN_ID, limit)).map((r) => {
    const c = (r.checkpoint ?? {}) as Record<string, unknown>;
    return { at: r.startedAt, stage: String(c.stage ?? "?"), primary: String(c.primary ?? "?"), forced: c.forced === true, overridden: typeof c.overridden === "string" ? c.overridden : null };
  });
  const runs = [...(await newest(backend, SYNC_RUN_IDS.backfill, limit)), ...(await newest(backend, SYNC_RUN_IDS.repair, limit))]
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
    .slice(0, limit)
    .map((r) => ({ operation: r.operation, status: r.status, startedAt: r.startedAt, durationMs: r.durationMs, divergencesFound: r.divergencesFound, divergencesRepaired: r.divergencesRepaired, error: r.error }));
  const compares = [...(await latestCompares([backend])).values()].map((r) => ({ collection: r.collection ?? "?", status: r.status, startedAt: r.startedAt, divergencesFound: r.divergencesFound }));
  return { store: endpoint.display, stages, runs, compares };
}

function render(s: StoreStatus): string {
  const parts = [`${s.store}\n\nstages (newest first)\n`];
  parts.push(s.stages.length ? table(["at", "stage", "primary", "forced"], s.stages.map((x) => [x.at, x.stage, x.primary, x.forced ? `yes: ${x.overridden ?? ""}` : ""])) : "  none recorded\n");
  parts.push("\nruns (newest first)\n");
  parts.push(s.runs.length ? table(["started", "operation", "status", "ms", "found", "repaired", "error"], s.runs.map((r) => [r.startedAt, r.operation, r.status, r.durationMs ?? "-", r.divergencesFound, r.divergencesRepaired, r.error ?? ""])) : "  none recorded\n");
  parts.push("\nlatest compare per collection\n");
  parts.push(s.compares.length ? table(["collection", "at", "status", "divergences"], s.compares.map((c) => [c.collection, c.startedAt, c.status, c.divergencesFound])) : "  none recorded\n");
  return parts.join("");
}
