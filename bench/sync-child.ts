/**
 * Child of bench/sync.ts, run in a fresh process so its peak RSS is one operation's alone, on the
 * built package.
 * MODE=backfill: opens the JSON store in DIR and backfills it into DB_URL;
 * MODE=compare: opens it and compares it with DB_URL. Timed end to end, opening (reading) the
 * JSON included (the operation starts without waiting for it; openMs says when it ended). SOURCE picks how the JSON is read: `source` (default, what the CLI does) a
 * jsonFileSource, rows left on disk; `backend` a read-only jsonFileBackend, every row in memory.
 * HASH_THREADS and MIN_ROWS_PER_HASH_THREAD set the source's hashing threads (default: its own
 * defaults). BULK_MIN_ROWS (default: the backend's), BULK_LOAD (1/0) and BATCH pick the path.
 * Prints one JSON line: timings, the report's counts, and peak RSS.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { RowSource } from "../src/backend.js";

// The built package (bench/sync.ts builds it first when src/ is newer), as an app runs it: its
// hashing threads then start from dist/hash-worker.js, not from source through a TS loader.
// Imported by path, typed by the sources it is built from (dist/ need not exist to typecheck).
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const { backfill, compare, jsonFileBackend, jsonFileSource } = (await import(pathToFileURL(join(dist, "index.js")).href)) as typeof import("../src/index.js");
const { postgresBackend } = (await import(pathToFileURL(join(dist, "postgres.js")).href)) as typeof import("../src/backends/postgres/index.js");

const mode = process.env.MODE;
const dir = process.env.DIR!;
const url = process.env.DB_URL!;
const batchSize = Number(process.env.BATCH ?? 1000);
const bulkMinRows = process.env.BULK_MIN_ROWS === "off" ? Number.POSITIVE_INFINITY : process.env.BULK_MIN_ROWS ? Number(process.env.BULK_MIN_ROWS) : undefined;

const t0 = performance.now();
const held = process.env.SOURCE === "backend";
if (!held && process.env.SOURCE !== undefined && process.env.SOURCE !== "source") throw new Error("SOURCE: source or backend");
const threading = {
  ...(process.env.HASH_THREADS ? { hashThreads: Number(process.env.HASH_THREADS) } : {}),
  ...(process.env.MIN_ROWS_PER_HASH_THREAD ? { minRowsPerHashThread: Number(process.env.MIN_ROWS_PER_HASH_THREAD) } : {}),
};
const reader = held ? jsonFileBackend({ dir, readOnly: true }) : jsonFileSource({ dir, ...threading });
// Not awaited before the operation starts, as a library caller need not: a compare asks
// PostgreSQL for its digests while the JSON side is still opening. openMs is when opening ended.
let openMs = 0;
const opened = reader.ready().then(() => void (openMs = performance.now() - t0));
const source: RowSource = reader;
const target = postgresBackend({ connectionString: url, poolSize: 2, ...(bulkMinRows !== undefined ? { bulkMinRows } : {}) });
let out: Record<string, unknown>;
if (mode === "backfill") {
  const report = await backfill({ source, target, batchSize, bulkLoad: process.env.BULK_LOAD === "1" });
  if (report.status !== "completed") throw new Error(`backfill ${report.status}: ${report.error}`);
  const c = Object.values(report.collections);
  out = {
    rows: c.reduce((n, x) => n + x.read, 0),
    applied: c.reduce((n, x) => n + x.applied, 0),
    refused: report.refused.length,
    backfillMs: report.durationMs,
  };
} else {
  const report = await compare({ source, target, batchSize, record: false });
  if (report.status !== "completed") throw new Error(`compare ${report.status}: ${report.error}`);
  const c = Object.values(report.collections);
  out = { rows: c.reduce((n, x) => n + x.source, 0), divergences: report.divergences.length, compareMs: report.durationMs };
}
const totalMs = performance.now() - t0;
await opened;
await target.close();
await source.close();
process.stdout.write(`${JSON.stringify({ ...out, openMs, totalMs, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
