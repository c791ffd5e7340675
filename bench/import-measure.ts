/**
 * Child of bench/import.ts, run in a fresh process so its peak memory is one step's only.
 * MODE=parse: reads and JSON.parses the app's files (the floor: no import can read them faster).
 * MODE=import: importLegacy of the directory into a new JSON-file backend (BATCH sets its
 * batchSize), closed at the end
 * (durable; the time includes the close, not the heap measurement before it). Prints one JSON
 * line: elapsed ms, CPU ms of the process (user + system; steadier than elapsed time on a
 * busy host), records, resident memory before and at peak, and the heap the open store
 * retains after a full collection (its resident rows).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonFileBackend } from "../src/backends/json/index.js";
import { importLegacy } from "../src/legacy/index.js";

const dir = process.env.APP_DIR!;
const mode = process.env.MODE!;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssBefore = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;
let heapRetained = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let records = 0;
let elapsed: number | undefined;
let closeMs = 0;
let cpuAtEnd: NodeJS.CpuUsage | undefined;
if (mode === "parse") {
  for (const file of ["topics.json", "entries.json"]) {
    const parsed = JSON.parse(await readFile(join(dir, file), "utf8")) as Record<string, unknown>;
    records += Object.keys(parsed).length;
  }
} else {
  const backend = jsonFileBackend({ dir: process.env.STORE_DIR!, autoCompact: false });
  const report = await importLegacy({ dir, into: backend, timezone: "Europe/Paris", ...(process.env.BATCH ? { batchSize: Number(process.env.BATCH) } : {}) });
  const closing = performance.now();
  await backend.close();
  closeMs = performance.now() - closing;
  records = report.totals.imported;
  const ms = performance.now() - t0;
  cpuAtEnd = process.cpuUsage(cpu0);
  gc?.();
  heapRetained = process.memoryUsage().heapUsed - heapBefore; // what the open store holds: its resident rows
  elapsed = ms;
  if (report.totals.skipped > 0) throw new Error(`bench import skipped ${report.totals.skipped} records`);
}
const ms = elapsed ?? performance.now() - t0;
const peakRss = process.resourceUsage().maxRSS * 1024;
const cpu = cpuAtEnd ?? process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`${JSON.stringify({ ms: ms + closeMs, cpuMs, records, rssBefore, peakRss, heapRetained })}\n`);
