import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { createStore } from "../../src/store/create-store.js";
import { TRUNCATE_ALL } from "../support/postgres.js";
import { withClient } from "../support/pg-client.js";
import { useTestDatabase } from "../support/postgres.js";
import { fillJsonStore, root, runCli, type CliResult, withPassword } from "./helpers.js";

// run(argv, io) in-process against a real JSON directory and a real PostgreSQL database.
const url = useTestDatabase(async (u) => void (await migrate(u)));
/** The password the test URLs carry (see withPassword). */
let SECRET = "pw-Sup3r-s3cret";
const secretUrl = () => {
  const w = withPassword(url(), SECRET);
  SECRET = w.password;
  return w.url;
};
let dir: string;
let outputs: string[];

async function cli(argv: readonly string[], env: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<CliResult> {
  const r = await runCli(argv, env, signal);
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  return withClient(url(), async (c) => (await c.query(text, values)).rows as T[]);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-cli-"));
  outputs = [];
  await sql(TRUNCATE_ALL);
});
afterEach(async () => {
  // No password in anything printed, in any run record, in any test.
  for (const o of outputs) expect(o).not.toContain(SECRET);
  const logs = await sql<{ t: string }>(`SELECT t::text FROM journal_store.migration_logs t`);
  for (const l of logs) expect(l.t).not.toContain(SECRET);
  await rm(dir, { recursive: true, force: true });
});

describe("usage", () => {
  it("--help, help status and --version", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: journal-store-backfill \[options\]/);
    for (const flag of ["--from", "--to", "--collections", "--batch-size", "--mode", "--resume", "--migrate", "--dry-run", "--report", "--json", "--since", "--version"]) expect(help.stdout).toContain(flag);
    expect((await cli(["help", "status"])).stdout).toMatch(/^Usage: journal-store-backfill status/);
    expect((await cli(["status", "--help"])).stdout).toMatch(/^Usage: journal-store-backfill status/);
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };
    expect(await cli(["--version"])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  const bad: [string[], Record<string, string>, RegExp][] = [
    [["--bogus"], {}, /--bogus: Unknown option '--bogus'/],
    [["--mode"], {}, /--mode: Option '--mode <value>' argument missing/],
    [["stray"], {}, /unknown command "stray" \(commands: status, import, export; see --help\)/],
    [["--json=yes"], {}, /--json: Option '--json' does not take an argument/],
    [["--mode", "everything"], {}, /--mode: must be one of backfill, compare, repair, all/],
    [["--batch-size", "0"], {}, /--batch-size: must be a whole number of 1 or more/],
    [["--batch-size", "1e3"], {}, /--batch-size: must be a whole number/],
    [["--since", "yesterday"], {}, /--since: must be an ISO 8601 date or timestamp/],
    [["--collections", "users,nope"], {}, /--collections: unknown or local collection: nope/],
    [["--collections", "migrationLogs"], {}, /--collections: unknown or local collection: migrationLogs/],
    [["--mode", "compare", "--resume"], {}, /--resume: applies to --mode backfill or all/],
    [["--to", "postgres://x@localhost/db"], {}, /--from: missing: give --from json:DIR .* or set JOURNAL_STORE_JSON_DIR/],
    [["--from", "json:."], {}, /--to: missing: give --to .* or set DATABASE_URL/],
    [["--from", "ftp://files/x", "--to", "postgres://x@localhost/db"], {}, /--from: must be a postgres:\/\/ or postgresql:\/\/ URL, or json:DIR/],
    [["--from", "json:"], { DATABASE_URL: "postgres://x@localhost/db" }, /--from: json: needs a directory/],
    [["--from", "json:/nonexistent-journal-dir"], { DATABASE_URL: "postgres://x@localhost/db" }, /--from: \/nonexistent-journal-dir does not exist/],
    [["--from", "json:."], { DATABASE_URL: "mysql://u:pw-Sup3r-s3cret@h/db" }, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [["--from", "json:."], { DATABASE_URL: `postgres://u:${SECRET}@localhost:99999/db` }, /DATABASE_URL: is not a valid URL/],
    [["--from", "json:.", "--to", `postgresql://u:${SECRET}@[::1/db`], {}, /--to: is not a valid URL/],
    [["--from", "json:.", "--to", "json:."], {}, /--to: names the same store as --from/],
  ];
  for (const [argv, env, message] of bad) {
    it(`exit 2 naming the flag or variable: ${argv.join(" ")} ${Object.keys(env).join(" ")}`, async () => {
      const r = await cli(argv, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^journal-store-backfill: /);
      expect(r.stdout).toBe("");
    });
  }
});

describe("stores that cannot be used", () => {
  it("an unreachable server: exit 3, says where it could not connect, names --to, no password", async () => {
    await fillJsonStore(dir, { users: 1, entriesPerUser: 1 });
    const r = await cli(["--from", `json:${dir}`, "--to", `postgres://app:${SECRET}@127.0.0.1:1/journal`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("cannot open --to postgres://app:***@127.0.0.1:1/journal: could not connect to 127.0.0.1:1 (ECONNREFUSED)");
  });

  it("a damaged JSON source fails the run as an open of --from (exit 3), whatever was already started, and copies nothing", async () => {
    await fillJsonStore(dir, { users: 2, entriesPerUser: 3 });
    const compacting = jsonFileBackend({ dir });
    await compacting.compact();
    await compacting.close();
    // The journal entries' snapshot loses its trailer: the directory is checked as it is indexed,
    // which now runs while the target opens and PostgreSQL starts its digests.
    const snapshot = (await readdir(dir)).find((f) => /^snapshot-.*-journalEntries\.jsonl$/.test(f))!;
    const text = await readFile(join(dir, snapshot), "utf8");
    await writeFile(join(dir, snapshot), text.slice(0, text.lastIndexOf("\n", text.length - 2) + 1));
    for (const mode of ["compare", "all"]) {
      const r = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", mode]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`cannot open --from json:${dir}: `);
      expect(r.stderr).toContain(`${snapshot}: is cut short (no trailer)`);
      expect(r.stdout).toBe("");
    }
    expect(await sql(`SELECT id FROM journal_store.users UNION ALL SELECT id FROM journal_store.journal_entries`)).toEqual([]);
  });

  it("an unmigrated database says to run with --migrate, and --migrate fixes it", async () => {
    await fillJsonStore(dir, { users: 1, entriesPerUser: 2 });
    await sql(`DROP SCHEMA journal_store CASCADE; DROP SCHEMA IF EXISTS journal_store_migrations CASCADE`);
    try {
      const r = await cli(["--from", `json:${dir}`, "--to", secretUrl()]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/run again with --migrate/);
      const fixed = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--migrate"]);
      expect(fixed.stderr).toMatch(/migrations applied to postgres:\/\/postgres:\*\*\*@/);
      expect(fixed.code).toBe(0);
    } finally {
      await migrate(url());
    }
  });

  it("a JSON target held by a running app: exit 2, says writing goes through the app; reading it needs no lock", async () => {
    await fillJsonStore(dir, { users: 1, entriesPerUser: 2 });
    const app = jsonFileBackend({ dir });
    await app.ready();
    try {
      const r = await cli(["--from", secretUrl(), "--to", `json:${dir}`, "--mode", "backfill"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--to: json:${dir} is locked by process ${process.pid} on `));
      expect(r.stderr).toMatch(/Writing into it goes through that app: its dual-write backend replicates from the change feed \(reconcile\(\)\)/);
      // As the source, the same directory is read without a lock while the app holds it.
      const copy = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "all"]);
      expect(copy.code).toBe(0);
      // And compare into it works too, read-only, without recording there.
      const check = await cli(["--from", secretUrl(), "--to", `json:${dir}`, "--mode", "compare"]);
      expect(check.code).toBe(0);
      // A row that differs is found there (exit 1).
      const [user] = await app.scan("users", { limit: 1 });
      await withClient(url(), (c) => c.query("UPDATE journal_store.users SET display_name = 'changed' WHERE id = $1", [user!.id]));
      const changed = await cli(["--from", secretUrl(), "--to", `json:${dir}`, "--mode", "compare", "--json"]);
      expect(changed.code).toBe(1);
      expect((JSON.parse(changed.stdout) as { compare: { divergences: { id: string; fields: string[] }[] } }).compare.divergences).toEqual([
        expect.objectContaining({ id: user!.id, fields: expect.arrayContaining(["displayName"]) }),
      ]);
    } finally {
      await app.close();
    }
  });
});

describe("backfill, compare, repair", () => {
  it("all copies and verifies; planted divergences exit 1 and are listed; repair exits 0; status follows", async () => {
    await fillJsonStore(dir, { users: 3, entriesPerUser: 8 });
    const first = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--batch-size", "7"]);
    expect(first.stderr).toBe(first.stderr.replace(/failed/g, ""));
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^all json:.* -> postgres:\/\/postgres:\*\*\*@/);
    expect(first.stdout).toMatch(/journalEntries +\d+ +\d+ +0 +0 +\d+ +\d+ +0 +0/);
    expect(first.stdout).toMatch(/result: consistent\n$/);
    expect(first.stderr).toMatch(/backfill journalEntries: \d+\/\d+ rows \(\d+ rows\/s/);

    // Plant: a missing entry, an extra content row, a changed field at the same version.
    const [missing] = await sql<{ id: string }>(`SELECT id FROM journal_store.journal_entries WHERE NOT deleted ORDER BY id LIMIT 1`);
    await sql(`DELETE FROM journal_store.journal_entries WHERE id = $1`, [missing!.id]);
    const pg = postgresBackend({ connectionString: url(), poolSize: 1 });
    // Written a minute ago: a divergence older than the check (one the app wrote on the target
    // after the CLI read its source would not be judged; see the live-app test).
    const extra = await createStore({ backend: pg, clock: () => new Date(Date.now() - 60_000) }).content.create({ title: "only here", content: "x", category: "c", evidenceLevel: "strong" });
    await pg.close();
    const [changed] = await sql<{ id: string }>(`SELECT id FROM journal_store.users ORDER BY id LIMIT 1`);
    await sql(`UPDATE journal_store.users SET display_name = 'planted' WHERE id = $1`, [changed!.id]);

    const reportFile = join(dir, "..", `report-${process.pid}.json`);
    const found = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "compare", "--report", reportFile]);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(`missing journalEntries ${missing!.id}`);
    expect(found.stdout).toContain(`extra psychologyContent ${extra.id}`);
    expect(found.stdout).toContain(`different users ${changed!.id} at displayName`);
    expect(found.stdout).not.toContain("planted");
    expect(found.stdout).toMatch(/result: divergences\n$/);
    const report = JSON.parse(await readFile(reportFile, "utf8")) as { exitCode: number; to: string; compare: { divergences: { id: string }[] } };
    await rm(reportFile);
    outputs.push(JSON.stringify(report));
    expect(report.exitCode).toBe(1);
    expect(report.to).toMatch(/^postgres:\/\/postgres:\*\*\*@/);
    expect(report.compare.divergences.map((d) => d.id).sort()).toEqual([missing!.id, extra.id, changed!.id].sort());

    const status = await cli(["status", "--to", secretUrl()]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/latest compare per collection/);
    expect(status.stdout).toMatch(/users +\S+ +completed +1/);

    // Without --force the same-version change stays (the target's row is not older): exit 1, with the reason.
    const guarded = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "repair", "--json"]);
    expect(guarded.code).toBe(1);
    const outcome = JSON.parse(guarded.stdout) as { verdict: string; repair: { repaired: number; unresolved: { id: string; reason: string }[] }; recheck: { divergences: unknown[] } };
    expect(outcome.verdict).toBe("divergences");
    expect(outcome.repair.repaired).toBe(2);
    expect(outcome.repair.unresolved).toEqual([{ collection: "users", id: changed!.id, reason: expect.stringContaining("same version") }]);
    expect(outcome.recheck.divergences).toHaveLength(1);

    const forced = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "repair", "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/repair: completed, 1 repaired, 0 unresolved/);
    expect((await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "compare"])).code).toBe(0);
    const after = await cli(["status", "--json"], { DATABASE_URL: secretUrl(), JOURNAL_STORE_JSON_DIR: dir });
    expect(after.code).toBe(0);
    const { stores } = JSON.parse(after.stdout) as { stores: { store: string; runs: { operation: string }[]; compares: { divergencesFound: number }[] }[] };
    expect(stores.map((s) => s.store)).toEqual([`json:${dir}`, expect.stringMatching(/^postgres:\/\/postgres:\*\*\*@/)]);
    expect(stores[1]!.compares).toHaveLength(7);
    expect(stores[1]!.runs.map((r) => r.operation)).toContain("repair");
  });

  it("--dry-run writes nothing, not even run records", async () => {
    await fillJsonStore(dir, { users: 2, entriesPerUser: 3 });
    const r = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^dry run: all /);
    expect(await sql(`SELECT id FROM journal_store.users UNION ALL SELECT id FROM journal_store.migration_logs`)).toEqual([]);
  });

  it("--since copies only rows updated at or after it", async () => {
    await fillJsonStore(dir, { users: 2, entriesPerUser: 3 });
    expect((await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "backfill"])).code).toBe(0);
    const since = new Date(Date.now() + 5).toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const json = jsonFileBackend({ dir });
    const store = createStore({ backend: json });
    const user = (await store.users.list({ limit: 1 })).items[0]!;
    await store.users.update(user.id, { displayName: "renamed" });
    await json.close();
    const r = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "backfill", "--since", since, "--json"]);
    expect(r.code).toBe(0);
    const outcome = JSON.parse(r.stdout) as { backfill: { collections: Record<string, { read: number; applied: number; stale: number }> } };
    expect(outcome.backfill.collections.users).toEqual({ read: 2, applied: 1, stale: 0, conflicts: 0, missingOwner: 0 });
    expect(Object.values(outcome.backfill.collections).reduce((n, c) => n + c.applied + c.stale, 0)).toBe(1);
    expect((await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--mode", "compare"])).code).toBe(0);
  });

  it("an abort stops after the current batch, exits 3 and prints the command that resumes (password redacted)", async () => {
    await fillJsonStore(dir, { users: 2, entriesPerUser: 30 });
    const controller = new AbortController();
    let stderr = "";
    const { run } = await import("../../src/cli/run.js");
    const code = await run(["--from", `json:${dir}`, "--to", secretUrl(), "--batch-size", "5", "--mode", "all"], {
      stdout: { write: () => true },
      stderr: {
        write: (t: string) => {
          stderr += t;
          if (/backfill journalEntries: 1\d\//.test(t)) controller.abort();
          return true;
        },
      },
      env: {},
      signal: controller.signal,
      progressIntervalMs: 0,
    });
    outputs.push(stderr);
    expect(code).toBe(3);
    expect(stderr).toMatch(/interrupted after the current batch; to continue, run:\n {2}journal-store-backfill --from json:\S+ --to 'postgres:\/\/postgres:\*\*\*@\S+' --batch-size 5 --mode all --resume\n/);
    const resumed = await cli(["--from", `json:${dir}`, "--to", secretUrl(), "--batch-size", "5", "--mode", "all", "--resume", "--json"]);
    expect(resumed.code).toBe(0);
    const outcome = JSON.parse(resumed.stdout) as { backfill: { collections: Record<string, { read: number }> } };
    expect(outcome.backfill.collections.users).toMatchObject({ read: 0 }); // finished before the abort: skipped
  });
});
