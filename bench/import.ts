/**
 * `npm run bench:import`: importLegacy of an app directory with 100k journal entries (ENTRIES
 * overrides) into the JSON-file backend, end to end (read, parse, convert, validate, write,
 * durable close), beside a bare JSON.parse of the same files in the same run. Each step runs in
 * its own process, so its peak resident memory is its own; memory is reported as the growth of
 * the peak over the process's resident size before the step, against the size of the files.
 * Targets: >= 20k rows/s end to end; peak memory <= 3x the source files.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBenchApp } from "./import-data.js";

const here = dirname(fileURLToPath(import.meta.url));
const entries = Number(process.env.ENTRIES ?? 100_000);
const scratch = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), "journal-import-bench-"));

interface Step {
  ms: number;
  cpuMs: number;
  records: number;
  rssBefore: number;
  peakRss: number;
  heapRetained: number;
}

function measure(mode: "parse" | "import", env: Record<string, string>): Step {
  const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(here, "import-measure.ts")], {
    env: { ...process.env, ...env, MODE: mode },
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`${mode} child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as Step;
}

try {
  const appDir = join(scratch, "app");
  const sourceBytes = await writeBenchApp(appDir, entries);
  const parse = measure("parse", { APP_DIR: appDir });
  const imported = measure("import", { APP_DIR: appDir, STORE_DIR: join(scratch, "store") });
  const rate = (s: Step) => (s.records / s.ms) * 1000;
  const mb = (v: number) => `${(v / 1024 / 1024).toFixed(0)} MB`;
  const growth = (s: Step) => s.peakRss - s.rssBefore;
  const lines = [
    `importLegacy into the JSON-file backend vs a bare JSON.parse of the same files, one run (Node ${process.version}).`,
    `Source: ${entries.toLocaleString("en")} entries + 20 topics, ${mb(sourceBytes)} of files.`,
    "",
    "| step | records | ms | rows/s | CPU ms | rows per CPU-second | peak memory growth | vs source files |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...([["bare JSON.parse", parse], ["importLegacy (end to end)", imported]] as const).map(
      ([name, s]) =>
        `| ${name} | ${s.records.toLocaleString("en")} | ${s.ms.toFixed(0)} | ${Math.round(rate(s)).toLocaleString("en")} | ${s.cpuMs.toFixed(0)} | ${Math.round((s.records / s.cpuMs) * 1000).toLocaleString("en")} | ${mb(growth(s))} | ${(growth(s) / sourceBytes).toFixed(2)}x |`,
    ),
    "",
    `importLegacy takes ${(imported.ms / parse.ms).toFixed(1)}x the time (${(imported.cpuMs / parse.cpuMs).toFixed(1)}x the CPU) of a bare JSON.parse of the same files.`,
    "Targets:",
    `- rows/s end to end: ${Math.round(rate(imported)).toLocaleString("en")} (target >= 20,000) ${rate(imported) >= 20_000 ? "met" : "MISSED"}; per CPU-second: ${Math.round((imported.records / imported.cpuMs) * 1000).toLocaleString("en")}`,
    `- peak memory: ${(growth(imported) / sourceBytes).toFixed(2)}x the source files (target <= 3x) ${growth(imported) / sourceBytes <= 3 ? "met" : "MISSED"}`,
    `  of which the open JSON-file store retains ${mb(imported.heapRetained)} (${(imported.heapRetained / sourceBytes).toFixed(2)}x) as its resident rows after a full collection; a bare JSON.parse peaks at ${(growth(parse) / sourceBytes).toFixed(2)}x.`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
