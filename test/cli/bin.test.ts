import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { SYNC_RUN_IDS } from "../../src/model/operational.js";
import { APP_FILES } from "../../src/cli/legacy-flags.js";
import { generateAppData } from "../legacy/app-data.js";
import { expectExportedAsRead } from "../legacy/helpers.js";
import { TABLES, TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { buildBin, fillJsonStore, root, rowCounts, spawnBin, type CliResult, withPassword } from "./helpers.js";

// journal-store-backfill as a real child process, through the bin the package build produces,
// against a real JSON directory and a real PostgreSQL database.
const url = useTestDatabase(async (u) => void (await migrate(u)));
/** The password the test URLs carry (see withPassword). */
let SECRET = "pw-B1n-s3cret";
const secretUrl = () => {
  const w = withPassword(url(), SECRET);
  SECRET = w.password;
  return w.url;
};
let bin: string;
let dir: string;
let watcher: pg.Client;
const results: CliResult[] = [];

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await watcher.query(text, values)).rows as T[];
}

/** Rows in every replicated table of the target. */
async function targetRows(): Promise<number> {
  const tables = TABLES.filter((t) => t !== "migration_logs");
  const [row] = await sql<{ n: string }>(`SELECT ${tables.map((t) => `(SELECT count(*) FROM journal_store.${t})`).join(" + ")} AS n`);
  return Number(row!.n);
}

async function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const r = await spawnBin(bin, args, env).done;
  results.push(r);
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  bin = await buildBin("bin");
  watcher = new pg.Client({ connectionString: url() });
  await watcher.connect();
}, 240_000);
afterAll(async () => {
  await watcher?.end();
  await rm(join(bin, "..", ".."), { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-bin-"));
  await sql(TRUNCATE_ALL);
});
afterEach(async () => {
  for (const r of results.splice(0)) {
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stderr).not.toContain(SECRET);
  }
  for (const l of await sql<{ t: string }>(`SELECT t::text FROM journal_store.migration_logs t`)) expect(l.t).not.toContain(SECRET);
  await rm(dir, { recursive: true, force: true });
});

describe("the built bin", () => {
  it("is the package's bin, starts with a shebang, answers --help and --version", async () => {
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
    expect(pkg.bin).toEqual({ "journal-store-backfill": "./dist/cli.js" });
    expect((await readFile(bin, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(await cli(["--help"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: journal-store-backfill/) });
    expect(await cli(["--version"])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it("bad flags and URLs exit 2, an unreachable server exits 3, naming the flag or variable, never the password", async () => {
    expect(await cli(["--batch-size", "many"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--batch-size: must be a whole number") });
    expect(await cli(["--from", `json:${dir}`], { DATABASE_URL: `postgres://u:${SECRET}@host:port/db` })).toMatchObject({ code: 2, stderr: expect.stringContaining("DATABASE_URL: is not a valid URL") });
    const down = await cli([], { JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: `postgresql://app:${SECRET}@127.0.0.1:1/journal` });
    expect(down.code).toBe(3);
    expect(down.stderr).toBe(`journal-store-backfill: postgres: cannot open DATABASE_URL postgresql://app:***@127.0.0.1:1/journal: could not connect to 127.0.0.1:1 (ECONNREFUSED)\n`);
  });

  it("a locked JSON directory as the target: exit 2 and what to do instead", async () => {
    await fillJsonStore(dir, { users: 1, entriesPerUser: 1 });
    const app = jsonFileBackend({ dir });
    await app.ready();
    try {
      const r = await cli(["--from", secretUrl(), "--to", `json:${dir}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--to: json:${dir} is locked by process ${process.pid}`);
      expect(r.stderr).toContain("Writing into it goes through that app");
    } finally {
      await app.close();
    }
  });

  it("copies, verifies and prints a summary table; progress lines go to stderr", async () => {
    await fillJsonStore(dir, { users: 3, entriesPerUser: 10 });
    const report = join(dir, "..", `bin-report-${process.pid}.json`);
    const r = await cli(["--report", report], { JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: secretUrl() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/collection +read +applied +stale +refused +source +target +found +remaining/);
    expect(r.stdout).toMatch(/result: consistent\n$/);
    expect(r.stderr).toMatch(/^backfill users: 0\/3 rows/m);
    expect(r.stderr).toMatch(/^compare messages: \d+\/\d+ rows/m);
    const text = await readFile(report, "utf8");
    await rm(report);
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ mode: "all", verdict: "consistent", exitCode: 0 });
    const json = jsonFileBackend({ dir, readOnly: true });
    const target = postgresBackend({ connectionString: url(), poolSize: 1 });
    expect(await rowCounts(target)).toEqual(await rowCounts(json));
    await Promise.all([json.close(), target.close()]);
  });
});

describe("import and export through the built bin", () => {
  it("the app's directory into PostgreSQL and back out, field by field; a report file without the password", async () => {
    const data = await generateAppData(join(dir, "app"), 31);
    const report = join(dir, "import-report.json");
    const r = await cli(["import", "--from", data.dir, "--timezone", "Europe/Paris", "--migrate", "--report", report], { DATABASE_URL: secretUrl() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^import \S+ -> postgres:\/\/postgres:\*\*\*@/);
    expect(r.stdout).toMatch(/^entries\.json +journalEntries +60 +60 +0 +0 +\d+$/m);
    expect(r.stdout).toContain(`  not imported messages.json ${data.orphanMessages[0]}: session_id names no record of sessions.json\n`);
    expect(r.stdout).toMatch(/result: 1 of 111 records not imported\n$/);
    const text = await readFile(report, "utf8");
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ command: "import", exitCode: 1, report: { totals: { read: 111, imported: 110, skipped: 1 } } });
    expect(await targetRows()).toBe(1 + 110); // the owner and every imported record

    const out = join(dir, "out");
    const e = await cli(["export", "--to", out, "--timezone", "Europe/Paris"], { DATABASE_URL: secretUrl() });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/result: 4 files written\n$/);
    expect(await expectExportedAsRead(data.dir, out, APP_FILES, { "messages.json": data.orphanMessages })).toBe(110);
  });
});

describe("interruptions", () => {
  it("SIGKILL at many points of a backfill: --resume completes, compare is clean, nothing duplicated", async () => {
    await fillJsonStore(dir, { users: 10, entriesPerUser: 200 });
    const args = ["--from", `json:${dir}`, "--to", secretUrl(), "--batch-size", "10", "--mode", "backfill"];
    let kills = 0;
    for (let round = 0; round < 14 && kills < 12; round++) {
      const { child, done } = spawnBin(bin, round === 0 ? args : [...args, "--resume"]);
      const start = await targetRows();
      // Two rounds die while starting up, the others after a varying number of rows landed.
      const delta = round < 2 ? null : 20 + ((round * 37) % 120);
      let exited = false;
      void done.then(() => (exited = true));
      if (delta === null) await sleep(round === 0 ? 150 : 400);
      else while (!exited && (await targetRows()) < start + delta) await sleep(5);
      if (!exited && child.kill("SIGKILL")) kills++;
      const r = await done;
      results.push(r);
      if (r.signal !== "SIGKILL") expect(r.code, r.stderr).toBe(0);
    }
    expect(kills).toBeGreaterThanOrEqual(10);

    const total = Object.values(await rowCountsOfDir(dir)).reduce((a, b) => a + b, 0);
    const last = await cli([...args.slice(0, -2), "--mode", "all", "--resume", "--json"]);
    expect(last.code, last.stderr).toBe(0);
    const outcome = JSON.parse(last.stdout) as { backfill: { collections: Record<string, { read: number }> }; compare: { divergences: unknown[] } };
    expect(outcome.compare.divergences).toEqual([]);
    // It resumed from the checkpoint: it did not read everything again.
    expect(Object.values(outcome.backfill.collections).reduce((n, c) => n + c.read, 0)).toBeLessThan(total);
    for (const table of TABLES) {
      expect(await sql(`SELECT id FROM journal_store.${table} GROUP BY id HAVING count(*) > 1`), table).toEqual([]);
    }
    // Every killed run's record was closed by the run that resumed after it; none says running.
    const runs = await sql<{ status: string; error: string | null }>(`SELECT status, error FROM journal_store.migration_logs WHERE operation = 'backfill'`);
    expect(runs.filter((r) => r.status === "running")).toEqual([]);
    expect(runs.filter((r) => r.error?.startsWith("interrupted: the run stopped without closing its record")).length).toBeGreaterThanOrEqual(5);
    const target = postgresBackend({ connectionString: url(), poolSize: 1 });
    expect(await rowCounts(target)).toEqual(await rowCountsOfDir(dir));
    await target.close();
  }, 180_000);

  it("pg_terminate_backend mid-batch: the batch fails whole, the run exits 3, --resume completes cleanly", async () => {
    await fillJsonStore(dir, { users: 4, entriesPerUser: 200 });
    const args = ["--from", `json:${dir}`, "--to", secretUrl(), "--batch-size", "20"];
    const { done } = spawnBin(bin, [...args, "--mode", "backfill"]);
    while (Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM journal_store.journal_entries`))[0]!.n) < 60) await sleep(5);
    // Hold the entries table, so the CLI's next batch waits inside its statement; then kill that connection.
    const holder = new pg.Client({ connectionString: url() });
    await holder.connect();
    let terminated = 0;
    try {
      await holder.query("BEGIN");
      await holder.query("LOCK TABLE journal_store.journal_entries IN EXCLUSIVE MODE");
      for (let i = 0; i < 1000 && terminated === 0; i++) {
        const waiting = await sql<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'journal-store-backfill' AND datname = current_database() AND wait_event_type = 'Lock'`,
        );
        for (const { pid } of waiting) {
          await sql(`SELECT pg_terminate_backend($1)`, [pid]);
          terminated++;
        }
        if (terminated === 0) await sleep(10);
      }
    } finally {
      await holder.query("COMMIT").catch(() => undefined);
      await holder.end();
    }
    expect(terminated).toBeGreaterThan(0);
    const failed = await done;
    results.push(failed);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/backfill failed: .*(connection|terminat)/i);

    // The batch failed whole: the target holds exactly the entries up to the recorded checkpoint.
    const [run] = await sql<{ checkpoint: { journalEntries?: { afterId: string } }; status: string }>(
      `SELECT checkpoint, status FROM journal_store.migration_logs WHERE run_id = $1 ORDER BY started_at DESC LIMIT 1`,
      [SYNC_RUN_IDS.backfill],
    );
    expect(run!.status).toBe("failed");
    const afterId = run!.checkpoint.journalEntries!.afterId;
    expect(await sql(`SELECT id FROM journal_store.journal_entries WHERE id > $1`, [afterId])).toEqual([]);
    const source = jsonFileBackend({ dir, readOnly: true });
    const upTo = (await source.scan("journalEntries", { limit: 100_000 })).filter((r) => r.id <= afterId).length;
    await source.close();
    expect((await sql<{ n: string }>(`SELECT count(*) AS n FROM journal_store.journal_entries`))[0]!.n).toBe(String(upTo));

    const resumed = await cli([...args, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/result: consistent\n$/);
  }, 120_000);

  it("Ctrl-C stops after the current batch, exits 3 and prints the command that resumes", async () => {
    await fillJsonStore(dir, { users: 4, entriesPerUser: 150 });
    const args = ["--from", `json:${dir}`, "--batch-size", "10"];
    const { child, done } = spawnBin(bin, args, { DATABASE_URL: secretUrl() });
    while ((await targetRows()) < 50) await sleep(5);
    child.kill("SIGINT");
    const r = await done;
    results.push(r);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("stopping after the current batch");
    expect(r.stderr).toContain(`interrupted after the current batch; to continue, run:\n  journal-store-backfill --from json:${dir} --batch-size 10 --resume\n`);
    const resumed = await cli([...args, "--resume"], { DATABASE_URL: secretUrl() });
    expect(resumed.code, resumed.stderr).toBe(0);
  }, 120_000);
});

async function rowCountsOfDir(d: string): Promise<Record<string, number>> {
  const json = jsonFileBackend({ dir: d, readOnly: true });
  try {
    return await rowCounts(json);
  } finally {
    await json.close();
  }
}

