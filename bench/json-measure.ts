/**
 * Child of bench/json-backend.ts, run in a fresh process so the heap it reports holds one store
 * only: opens the JSON store in DIR, reports open time and heap, then WRITES sequential durable
 * single-record inserts and their latencies. Each insert is followed by the disk's own floor: a
 * raw pwrite + fdatasync of the same number of bytes into a preallocated file beside the store,
 * so the store and the bare disk are measured side by side, through the same moments of the
 * disk's tail latency. Prints one JSON line.
 */
import { closeSync, fdatasync, openSync, unlinkSync, write, writeSync, fsyncSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { jsonFileBackend } from "../src/backends/json/index.js";
import { entryRow, percentile } from "./json-rows.js";

const dir = process.env.DIR!;
const writes = Number(process.env.WRITES ?? 1000);
const userId = process.env.USER_ID!;
const gc = (globalThis as { gc?: () => void }).gc;
const pwrite = promisify(write);
const datasync = promisify(fdatasync);

gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
const backend = jsonFileBackend({ dir });
await backend.ready();
const openMs = performance.now() - t0;
gc?.();
const heapAfterOpen = process.memoryUsage().heapUsed - heapBefore;

// Rows are built before the timed loop, so the harness's own garbage does not land in it.
const rows = Array.from({ length: writes + 50 }, (_, i) => entryRow(10_000_000 + i, userId));
const lineBytes = Buffer.byteLength(JSON.stringify(rows[0])) + 100;
const floorPath = join(dir, "..", `floor-${process.pid}.bin`);
const floorFd = openSync(floorPath, "w");
writeSync(floorFd, Buffer.alloc(rows.length * lineBytes));
fsyncSync(floorFd);
const line = Buffer.alloc(lineBytes, 97);

const latencies: number[] = [];
const floor: number[] = [];
for (let i = 0; i < rows.length; i++) {
  let start = performance.now();
  await backend.insert("journalEntries", rows[i]!);
  if (i >= 50) latencies.push(performance.now() - start);
  start = performance.now();
  await pwrite(floorFd, line, 0, line.length, i * line.length);
  await datasync(floorFd);
  if (i >= 50) floor.push(performance.now() - start);
}
await backend.close();
closeSync(floorFd);
unlinkSync(floorPath);
process.stdout.write(
  `${JSON.stringify({
    openMs,
    heapAfterOpen,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    floorP50: percentile(floor, 0.5),
    floorP99: percentile(floor, 0.99),
  })}\n`,
);
