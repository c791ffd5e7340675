import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_APP_SIZE } from "../../examples/legacy-app.js";
import { withPassword } from "../cli/helpers.js";
import { withClient } from "../support/pg-client.js";
import { adminUrl } from "../support/postgres.js";

// examples/operator-walkthrough.ts as a real process, as CI (or an operator) runs it: it must exit
// 0, run every command of the runbook's sh blocks in the runbook's order, and end with PostgreSQL
// and the export holding every imported record and every write made over HTTP.
const root = join(import.meta.dirname, "../..");
const MADE_UP_PASSWORD = "pw-Walk-s3cret";
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "journal-walkthrough-test-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the example with only PATH, TMPDIR and the given DATABASE_URL in its environment. */
function walkthrough(databaseUrl: string | undefined): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", TMPDIR: scratch };
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, ["--import", "tsx", "examples/operator-walkthrough.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** The walkthrough's directories left in its TMPDIR (tsx keeps its own cache there too). */
async function walkthroughDirs(): Promise<string[]> {
  return (await readdir(scratch)).filter((name) => name.startsWith("journal-walkthrough-"));
}

/** Every command line of the runbook's sh blocks, as an operator pastes it (`npx` and comments dropped). */
async function runbookCommands(): Promise<string[]> {
  const text = await readFile(join(root, "docs/cutover-runbook.md"), "utf8");
  const commands: string[] = [];
  for (const [, block] of text.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)) {
    for (const raw of block!.split("\n")) {
      const line = raw.trim().replace(/\s+# .*$/, "").replace(/^npx /, "");
      if (line && !line.startsWith("#")) commands.push(line);
    }
  }
  return commands;
}

it("runs the runbook stage by stage, and PostgreSQL and the export end with every record", async () => {
  const { url, password } = withPassword(await adminUrl(), MADE_UP_PASSWORD);
  const started = performance.now();
  const run = await walkthrough(url);
  const seconds = (performance.now() - started) / 1000;
  expect(run.code, run.stdout.slice(-3000) + run.stderr).toBe(0);
  expect(run.stderr).toBe("");
  expect(run.stdout).not.toContain(password);
  expect(run.stdout).toMatch(/done in [\d.]+ s: every step ended as the runbook says\n$/);
  expect(seconds).toBeLessThan(120);

  // The commands, as printed: `$ command` (a comment after three spaces is not part of it). The
  // walkthrough's directory stands for the runbook's /srv/journal.
  const work = /^working directory \(the runbook's \/srv\/journal\): (\S+)$/m.exec(run.stdout)![1]!;
  const printed = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("$ "))
    .map((line) => line.slice(2).replace(/ {3}# .*$/, "").replaceAll(work, "/srv/journal"));
  // Every command of the runbook, in the runbook's order; DATABASE_URL is the run's own database.
  let at = -1;
  for (const command of await runbookCommands()) {
    if (command.startsWith("export DATABASE_URL=")) continue;
    const found = printed.indexOf(command, at + 1);
    expect(found, `the runbook's \`${command}\` is not run after \`${printed[at]}\``).toBeGreaterThan(at);
    at = found;
  }
  expect(printed.filter((c) => c === "journal-store-backfill status")).toHaveLength(2);
  expect(printed.filter((c) => c === "PORT=0 journal-app &")).toHaveLength(9);
  expect(printed.filter((c) => /^kill -TERM \d+$/.test(c))).toHaveLength(9);
  const database = /^created database (\S+) on /m.exec(run.stdout)![1]!;
  expect(printed.filter((c) => c.startsWith("export DATABASE_URL="))).toEqual([`export DATABASE_URL='postgres://postgres:***@${new URL(url).host}/${database}'`]);
  // The app, restarted in each stage (and once more in shadow after the way back from complete).
  expect([...run.stdout.matchAll(/^ {2}app: listening on \d+ \(stage (\S+)\)$/gm)].map((m) => m[1])).toEqual([
    "off",
    "dual-write",
    "shadow",
    "live",
    "shadow",
    "live",
    "rampdown",
    "complete",
    "shadow",
  ]);
  // Exit codes as the runbook gives them: 1 only for the compare before the backfill.
  expect([...run.stdout.matchAll(/^ {2}-> exit code (\d+)$/gm)].map((m) => m[1])).toEqual(["0", "1", "0", "0", "0", "0", "0", "0", "0"]);
  // Writes made while the backfill ran.
  expect(Number(/^meanwhile, the app took (\d+) writes:$/m.exec(run.stdout)![1])).toBeGreaterThan(0);

  // The counts it prints agree with the writes it shows and with the dataset it imported.
  const posts = [...run.stdout.matchAll(/^> POST (\S+) .* -> 201 [0-9a-f-]{36}$/gm)].map((m) => m[1]!);
  const users = posts.filter((p) => p === "/users").length;
  const entries = posts.filter((p) => p === "/entries").length;
  const legacy = DEMO_APP_SIZE.topics + DEMO_APP_SIZE.entries + DEMO_APP_SIZE.sessions + DEMO_APP_SIZE.messages;
  const rows = /^PostgreSQL rows (\d+) = legacy records (\d+) \+ import owner 1 \+ HTTP writes (\d+)$/m.exec(run.stdout)!;
  expect(rows.slice(1).map(Number)).toEqual([legacy + 1 + posts.length, legacy, posts.length]);
  const exported = /^exported records (\d+) = legacy records (\d+) \+ HTTP writes (\d+) /m.exec(run.stdout)!;
  expect(exported.slice(1).map(Number)).toEqual([legacy + posts.length - users, legacy, posts.length - users]);
  // The export command's own table: every imported entry and every entry written over HTTP.
  expect(run.stdout).toMatch(new RegExp(`^ {2}entries\\.json +journalEntries +${DEMO_APP_SIZE.entries + entries} +\\d+$`, "m"));

  // It cleaned up: its database is dropped, its directory removed.
  expect(run.stdout).toContain(`\ndropped database ${database}\n`);
  const left = await withClient(url, (c) => c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [database]));
  expect(left.rows).toEqual([]);
  expect(await walkthroughDirs()).toEqual([]);
  console.log(`operator walkthrough: ${seconds.toFixed(1)} s`);
}, 180_000);

it("stops at once, exit 2, when DATABASE_URL is unset or its server unreachable, without the password", async () => {
  const unset = await walkthrough(undefined);
  expect(unset.code).toBe(2);
  expect(unset.stderr).toMatch(/^operator-walkthrough: DATABASE_URL is not set\./);
  const down = await walkthrough(`postgres://postgres:${MADE_UP_PASSWORD}@127.0.0.1:1/postgres`);
  expect(down.code).toBe(2);
  expect(down.stderr).toMatch(/^operator-walkthrough: cannot reach the PostgreSQL server of DATABASE_URL postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres: /);
  expect(down.stdout + down.stderr).not.toContain(MADE_UP_PASSWORD);
  expect(await walkthroughDirs()).toEqual([]);
}, 60_000);
