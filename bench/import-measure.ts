/**
 * Child of bench/import.ts, run in a fresh process so its peak memory is one step's only.
 * MODE=parse: reads and JSON.parses the app's files (the floor: no import can read them faster).
 * MODE=import: importLegacy of the directory into a new JSON-file backend, closed at the end
 * (durable). Prints one JSON line: elapsed ms, records, resident memory before and at peak.
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
const t0 = performance.now();
let records = 0;
if (mode === "parse") {
  for (const file of ["topics.json", "entries.json"]) {
    const parsed = JSON.parse(await readFile(join(dir, file), "utf8")) as Record<string, unknown>;
    records += Object.keys(parsed).length;
  }
} else {
  const backend = jsonFileBackend({ dir: process.env.STORE_DIR!, autoCompact: false });
  const report = await importLegacy({ dir, into: backend, timezone: "Europe/Paris" });
  await backend.close();
  records = report.totals.imported;
  if (report.totals.skipped > 0) throw new Error(`bench import skipped ${report.totals.skipped} records`);
}
const ms = performance.now() - t0;
const peakRss = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ ms, records, rssBefore, peakRss })}\n`);
