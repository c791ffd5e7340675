import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { adminUrl } from "../support/postgres.js";

// Every benchmark of bench/ runs to the end at a tiny size, so a change that breaks one shows
// here and not on the day its figures are needed. The figures of such a run mean nothing; what
// is checked is that it runs and prints its report. Sizes are the benchmarks' own knobs.
const root = fileURLToPath(new URL("../..", import.meta.url));

const BENCHES: readonly { script: string; env: Record<string, string>; prints: RegExp }[] = [
  { script: "bench:json", env: { BENCH_SIZES: "1000" }, prints: /Targets:/ },
  { script: "bench:pg", env: { BENCH_QUICK: "1" }, prints: /# bench:pg — PostgreSQL/ },
  { script: "bench:pg-scale", env: { BENCH_QUICK: "1" }, prints: /insert one entry/ },
  { script: "bench:import", env: { ENTRIES: "2000" }, prints: /importLegacy \(end to end\) \| 2,020 \|/ },
  { script: "bench:dual", env: { BENCH_QUICK: "1", BENCH_RECONCILE_ROWS: "2000", BENCH_WRITES: "30", BENCH_READS: "60" }, prints: /### Targets[\s\S]*reconcile of 2,00\d changes/ },
  { script: "bench:sync", env: { BENCH_ROWS: "2000", BENCH_SWEEP_ROWS: "2000" }, prints: /Targets:/ },
  { script: "bench:compare", env: { BENCH_ENTRIES: "2000" }, prints: /\| postgres -> postgres \| 1% differing \| checksum \|/ },
  { script: "bench:batch", env: { BENCH_ROWS: "2000" }, prints: /\| json-file \| [\d,]+ \|/ },
];

function runScript(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", script], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("every benchmark runs to the end at a tiny size", () => {
  for (const bench of BENCHES) {
    it(`npm run ${bench.script}`, async () => {
      const { code, output } = await runScript(bench.script, { ...bench.env, DATABASE_URL: await adminUrl() });
      expect(code, output.slice(-3000)).toBe(0);
      expect(output).toMatch(bench.prints);
    }, 300_000);
  }
});
