import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import type { StatusOutput } from "../../src/cli/commands/status.js";
import { dualWriteBackend, type DualWriteBackend, type DualWriteOptions } from "../../src/dual-write/index.js";
import { latestStage } from "../../src/dual-write/records.js";
import { CutoverRefusedError } from "../../src/errors.js";
import { withClient } from "../support/pg-client.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { fillJsonStore, runCli, type CliResult } from "./helpers.js";

// `status` prints the cutover gate's verdict and the durable shadow evidence it judges, computed
// as the gate computes it: checked against real starts of the dual-write backend on a real JSON
// directory (from) and a real PostgreSQL database (to), with the default thresholds.
const url = useTestDatabase(async (u) => void (await migrate(u)));
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-cli-status-"));
  await withClient(url(), (c) => c.query(TRUNCATE_ALL));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Both stores filled and compared clean by the CLI. */
async function seeded(): Promise<void> {
  await fillJsonStore(dir, { users: 2, entriesPerUser: 5 });
  expect((await runCli(["--from", `json:${dir}`, "--to", url()])).code).toBe(0);
}

/** Starts a dual-write process in `stage` (resolves once it serves, or rejects as it does). */
async function start(stage: DualWriteOptions["stage"], options: Partial<DualWriteOptions> = {}): Promise<DualWriteBackend> {
  const backend = dualWriteBackend({ from: jsonFileBackend({ dir }), to: postgresBackend({ connectionString: url(), poolSize: 2 }), stage, reconcileIntervalMs: 60_000, ...options });
  try {
    await backend.whenReady();
  } catch (error) {
    await backend.close();
    throw error;
  }
  return backend;
}

/** A process in shadow that makes `n` shadow reads, waits until they are compared, and closes. */
async function shadowProcess(n: number): Promise<void> {
  const backend = await start("shadow", { shadowSample: 1 });
  const ids = (await backend.scan("journalEntries", { limit: 100 })).map((r) => r.id);
  for (let i = 0; i < n; i++) await backend.get("journalEntries", ids[i % ids.length]!);
  for (let i = 0; i < 500 && backend.stats().shadow.compared + backend.stats().shadow.failed < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(backend.stats().shadow.compared).toBe(n);
  await backend.close();
}

async function status(argv: string[]): Promise<{ result: CliResult; out: StatusOutput }> {
  const result = await runCli(["status", ...argv, "--json"]);
  return { result, out: JSON.parse(result.stdout) as StatusOutput };
}

describe("status: the cutover gate", () => {
  it("prints the durable shadow evidence and the verdict a start in live then gets", async () => {
    await seeded();
    await shadowProcess(60);
    const both = ["--from", `json:${dir}`, "--to", url()];
    const shadowStage = await latestStage(jsonFileBackend({ dir, readOnly: true }));
    const first = await status(both);
    expect(first.result.code).toBe(0);
    expect(first.out.stores).toHaveLength(2);
    expect(first.out.gate).toEqual({
      thresholds: { shadowThreshold: 0.999, minShadowReads: 100, shadowWindow: 1000 },
      lastStage: { stage: "shadow", primary: "from", at: shadowStage!.at },
      shadow: { size: 1000, compared: 60, consistent: 60, consistencyRate: 1, since: shadowStage!.at, processes: 1 },
      verdict: "refused",
      failed: [{ condition: "shadow", message: "only 60 shadow comparison(s) in the window, 100 required (run in shadow with shadowSample > 0 first)" }],
      notJudged: [],
    });
    // The same verdict as the gate's own, at a start in live.
    const refused = await start("live").then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(CutoverRefusedError);
    expect((refused as CutoverRefusedError).failed).toEqual(first.out.gate.failed);

    // A second shadow process of the same run: the two are summed, and the gate allows the move.
    await shadowProcess(50);
    const text = await runCli(["status", ...both]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^cutover gate \(a move to live or complete now; thresholds: at least 100 shadow comparisons, consistency 0\.999, window 1000\)$/m);
    expect(text.stdout).toContain(`\n  last stage       shadow (primary from) at ${shadowStage!.at}\n`);
    expect(text.stdout).toContain(`\n  shadow evidence  110 comparison(s), 110 consistent (rate 1.0000) from 2 process(es) since ${shadowStage!.at}\n`);
    expect(text.stdout).toMatch(/\n {2}verdict {10}allowed\n$/);
    const live = await start("live");
    expect(live.stage).toBe("live");
    await live.close();
  });

  it("judges with the app's own thresholds when given; bad ones are usage errors naming the flag", async () => {
    await seeded();
    await shadowProcess(60);
    const both = ["--from", `json:${dir}`, "--to", url()];
    expect((await status(both)).out.gate.verdict).toBe("refused");
    const own = await status([...both, "--min-shadow-reads", "50", "--shadow-threshold", "0.99", "--shadow-window", "500"]);
    expect(own.out.gate.thresholds).toEqual({ shadowThreshold: 0.99, minShadowReads: 50, shadowWindow: 500 });
    expect(own.out.gate).toMatchObject({ verdict: "allowed", failed: [], shadow: { size: 500, compared: 60 } });
    // The same verdict as the gate's own with those thresholds, at a start in live.
    const live = await start("live", { cutoverMinShadowReads: 50, cutoverShadowThreshold: 0.99, shadowWindow: 500 });
    expect(live.stage).toBe("live");
    await live.close();
    for (const [flags, named] of [
      [["--min-shadow-reads", "-1"], "--min-shadow-reads"],
      [["--min-shadow-reads", "600", "--shadow-window", "500"], "--min-shadow-reads"],
      [["--shadow-window", "50"], "--min-shadow-reads"],
      [["--shadow-threshold", "1.5"], "--shadow-threshold"],
      [["--shadow-threshold", "high"], "--shadow-threshold"],
      [["--shadow-window", "0"], "--shadow-window"],
    ] as const) {
      const bad = await runCli(["status", ...both, ...flags]);
      expect(bad.code, flags.join(" ")).toBe(2);
      expect(bad.stderr).toContain(named);
    }
  });

  it("refused: names each failed condition, as the refusal does", async () => {
    await fillJsonStore(dir, { users: 2, entriesPerUser: 3 });
    await (await start("shadow")).close();
    const text = await runCli(["status", "--from", `json:${dir}`, "--to", url()]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /\n {2}verdict {10}refused: compare: no compare recorded for users, .*; shadow: only 0 shadow comparison\(s\) in the window, 100 required \(run in shadow with shadowSample > 0 first\)\n$/,
    );
    expect(text.stdout).toMatch(/\n {2}shadow evidence {2}0 comparison\(s\), 0 consistent \(rate 1\.0000\) from 0 process\(es\) since \S+\n/);
    const refused = (await start("live").then(() => null, (e: unknown) => e)) as CutoverRefusedError;
    expect(refused.message).toContain((/verdict {10}refused: (.*)$/m.exec(text.stdout))![1]);
  });

  it("with one store only, says what cannot be judged", async () => {
    await seeded();
    await shadowProcess(100);
    await (await start("live")).close(); // recorded on both sides; PostgreSQL is primary now

    // The JSON store alone: the last primary (PostgreSQL) is not at hand, so pending cannot be
    // counted, and the compares the CLI recorded on PostgreSQL are not read.
    const json = await status(["--from", `json:${dir}`]);
    expect(json.out.stores.map((s) => s.store)).toEqual([`json:${dir}`]);
    expect(json.out.gate.lastStage).toMatchObject({ stage: "live", primary: "to" });
    expect(json.out.gate.shadow).toMatchObject({ compared: 100, processes: 1 });
    expect(json.out.gate.failed).toEqual([
      { condition: "compare", message: expect.stringMatching(/^no compare recorded for users, /) },
      { condition: "pending", message: "the last recorded primary is not configured here, so its changes not yet replicated cannot be counted" },
    ]);
    expect(json.out.gate.notJudged).toEqual([expect.stringMatching(/^the store dual write moves to \(--to, default \$DATABASE_URL\) is not given: /)]);
    const text = await runCli(["status", "--from", `json:${dir}`]);
    expect(text.stdout).toMatch(/\n {2}verdict {10}refused: compare: .*; pending: the last recorded primary is not configured here.*\n {2}not judged {7}the store dual write moves to \(--to/);

    // PostgreSQL alone: the shadow stage's evidence is in the JSON store, which is not read.
    const pg = await status(["--to", url()]);
    expect(pg.out.gate.lastStage).toMatchObject({ stage: "live", primary: "to" });
    expect(pg.out.gate.shadow).toMatchObject({ compared: 0, processes: 0 });
    expect(pg.out.gate.failed.map((f) => f.condition)).toEqual(["shadow"]);
    expect(pg.out.gate.notJudged).toEqual([expect.stringMatching(/^the store dual write moves from \(--from, default json:\$JOURNAL_STORE_JSON_DIR\) is not given: /)]);
  });
});
