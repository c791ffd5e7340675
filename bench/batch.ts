/**
 * `npm run bench:batch`: what one large transaction costs per row on the memory and JSON-file
 * backends, against the same rows in transactions of 500 in the same run. A backfill or repair
 * into a JSON store (a rollback) writes batches of `--batch-size` rows in one transaction each,
 * and a purge removes every old tombstone in one, so a check that grew with the transaction's
 * size would make large batches quadratic. Measured:
 * - `applyReplicated` of BENCH_ROWS users (a unique key checked per row), in one batch and in
 *   batches of 500;
 * - `purge` of BENCH_ROWS tombstoned journal entries and their tombstoned owners (a reference
 *   check per owner), against writing those tombstones.
 *
 * BENCH_ROWS (default 20,000) sets the size. Prints a Markdown table and the ratios.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../src/backend.js";
import { jsonFileBackend } from "../src/backends/json/index.js";
import { memoryBackend } from "../src/backends/memory.js";
import type { JournalEntryRow, UserRow } from "../src/model/rows.js";
import { benchEntry, benchUser, USERS } from "./sync-rows.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const SMALL = 500;
const scratch = await mkdtemp(join(tmpdir(), "journal-bench-batch-"));
const OLD = "2025-06-01T00:00:00.000Z";

const tombstone = <T extends UserRow | JournalEntryRow>(row: T): T => ({ ...row, deleted: true, version: row.version + 1, updatedAt: OLD });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function applyIn<R extends UserRow | JournalEntryRow>(backend: Backend, collection: "users" | "journalEntries", rows: readonly R[], size: number) {
  for (let i = 0; i < rows.length; i += size) await backend.applyReplicated(collection, rows.slice(i, i + size) as never);
}

interface Line {
  backend: string;
  oneBatchMs: number;
  smallBatchesMs: number;
  writeTombstonesMs: number;
  purgeMs: number;
}

async function measure(name: string, open: (label: string) => Backend): Promise<Line> {
  const users = Array.from({ length: ROWS }, (_, i) => benchUser(i));
  const small = open("small");
  const smallBatchesMs = await timed(() => applyIn(small, "users", users, SMALL));
  await small.close();
  const one = open("one");
  const oneBatchMs = await timed(() => applyIn(one, "users", users, ROWS));
  await one.close();

  const purging = open("purge");
  const owners = users.slice(0, USERS);
  const entries = Array.from({ length: ROWS }, (_, i) => benchEntry(i));
  await applyIn(purging, "users", owners, SMALL);
  await applyIn(purging, "journalEntries", entries, SMALL);
  const writeTombstonesMs = await timed(async () => {
    await applyIn(purging, "journalEntries", entries.map(tombstone), SMALL);
    await applyIn(purging, "users", owners.map(tombstone), SMALL);
  });
  const purgeMs = await timed(() => purging.purge({ olderThan: "2026-01-01T00:00:00.000Z" }));
  await purging.close();
  return { backend: name, oneBatchMs, smallBatchesMs, writeTombstonesMs, purgeMs };
}

const lines: Line[] = [];
try {
  lines.push(await measure("memory", () => memoryBackend()));
  lines.push(await measure("json-file", (label) => jsonFileBackend({ dir: join(scratch, label) })));
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const rate = (rows: number, ms: number) => Math.round((rows / ms) * 1000).toLocaleString("en");
const purged = ROWS + USERS;
process.stdout.write(
  [
    `Large transactions against batches of ${SMALL}, ${ROWS.toLocaleString("en")} rows, one run (Node ${process.version}).`,
    "",
    `| backend | users, one batch (rows/s) | users, batches of ${SMALL} (rows/s) | one batch / batches of ${SMALL}, time | purge ${purged.toLocaleString("en")} tombstones (rows/s) | writing them (rows/s) | purge / writing, time |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...lines.map(
      (l) =>
        `| ${l.backend} | ${rate(ROWS, l.oneBatchMs)} | ${rate(ROWS, l.smallBatchesMs)} | ${(l.oneBatchMs / l.smallBatchesMs).toFixed(2)}x | ${rate(purged, l.purgeMs)} | ${rate(purged, l.writeTombstonesMs)} | ${(l.purgeMs / l.writeTombstonesMs).toFixed(2)}x |`,
    ),
    "",
  ].join("\n"),
);
