/**
 * Child of bench/json-backend.ts, run in a fresh process so the heap it reports holds one store
 * only: opens the JSON store in DIR, reports open time and heap, then WRITES sequential durable
 * single-record inserts and their latencies. Prints one JSON line.
 */
import { jsonFileBackend } from "../src/backends/json/index.js";
import { entryRow, percentile } from "./json-rows.js";

const dir = process.env.DIR!;
const writes = Number(process.env.WRITES ?? 1000);
const userId = process.env.USER_ID!;
const gc = (globalThis as { gc?: () => void }).gc;

gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
const backend = jsonFileBackend({ dir });
await backend.ready();
const openMs = performance.now() - t0;
gc?.();
const heapAfterOpen = process.memoryUsage().heapUsed - heapBefore;

const latencies: number[] = [];
for (let i = 0; i < writes + 50; i++) {
  const row = entryRow(10_000_000 + i, userId);
  const start = performance.now();
  await backend.insert("journalEntries", row);
  if (i >= 50) latencies.push(performance.now() - start);
}
await backend.close();
process.stdout.write(`${JSON.stringify({ openMs, heapAfterOpen, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) })}\n`);
