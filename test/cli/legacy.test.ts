import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate } from "../../src/backends/postgres/index.js";
import type { ExportOutcome } from "../../src/cli/commands/export.js";
import type { ImportOutcome } from "../../src/cli/commands/import.js";
import { APP_FILES } from "../../src/cli/legacy-flags.js";
import { LEGACY_METADATA_KEY } from "../../src/legacy/mapping.js";
import { generateAppData } from "../legacy/app-data.js";
import { expectExportedAsRead } from "../legacy/helpers.js";
import { withClient } from "../support/pg-client.js";
import { TABLES, TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { runCli, type CliResult, withPassword } from "./helpers.js";

// `import` and `export` through run(argv, io), in-process, against generated app directories, a
// real JSON-file store and a real PostgreSQL database.
const url = useTestDatabase(async (u) => void (await migrate(u)));
/** The password the test URLs carry (see withPassword). */
let SECRET = "pw-L3gacy-s3cret";
const secretUrl = () => {
  const w = withPassword(url(), SECRET);
  SECRET = w.password;
  return w.url;
};
const ZONE = "Europe/Paris";
/** Small enough that no message is an orphan (the generator orphans message 13). */
const SMALL = { topics: 4, entries: 20, sessions: 3, messages: 12 };
const TABLE_OF = { topics: "topics", journalEntries: "journal_entries", chatSessions: "chat_sessions", messages: "messages" } as const;
let dir: string;
let outputs: string[];

async function cli(argv: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const r = await runCli(argv, env);
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  return withClient(url(), async (c) => (await c.query(text, values)).rows as T[]);
}

/** Rows in every journal_store table (tombstones and run records included). */
async function rowsInDatabase(): Promise<number> {
  const [row] = await sql<{ n: string }>(`SELECT ${TABLES.map((t) => `(SELECT count(*) FROM journal_store.${t})`).join(" + ")} AS n`);
  return Number(row!.n);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-cli-legacy-"));
  outputs = [];
  await sql(TRUNCATE_ALL);
});
afterEach(async () => {
  // No password in anything printed or written (report files are pushed to outputs), in any test.
  for (const o of outputs) expect(o).not.toContain(SECRET);
  await rm(dir, { recursive: true, force: true });
});

describe("import", () => {
  it("interrupted (its signal aborted): exit 3, says how to finish; the same command again finishes it", async () => {
    const data = await generateAppData(join(dir, "app"), 22, SMALL);
    const store = join(dir, "store");
    const argv = ["import", "--from", data.dir, "--to", `json:${store}`, "--timezone", ZONE];
    const controller = new AbortController();
    controller.abort();
    const stopped = await runCli(argv, {}, controller.signal);
    outputs.push(stopped.stdout, stopped.stderr);
    expect(stopped.code, stopped.stderr).toBe(3);
    expect(stopped.stdout).toMatch(/result: interrupted after 0 of \d+ records; run the same command again to finish/);
    const again = await cli(argv);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/result: every record imported \(\d+ read\)/);
    const backend = jsonFileBackend({ dir: store, readOnly: true });
    expect(await backend.count("journalEntries")).toBe(SMALL.entries);
    await backend.close();
  });

  it("into a JSON store: exit 0, the summary per file, the rows are there; a re-run writes nothing", async () => {
    const data = await generateAppData(join(dir, "app"), 21, SMALL);
    expect(data.orphanMessages).toEqual([]);
    const store = join(dir, "store");
    const r = await cli(["import", "--from", data.dir, "--to", `json:${store}`, "--timezone", ZONE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(new RegExp(`^import ${data.dir} -> json:${store}\nuser [0-9a-f-]{36} \\(created\\), timezone ${ZONE}\n`));
    expect(r.stdout).toMatch(/^file +collection +read +imported +unchanged +not imported +dangling$/m);
    expect(r.stdout).toMatch(/^topics\.json +topics +4 +4 +0 +0 +0$/m);
    expect(r.stdout).toMatch(new RegExp(`^entries\\.json +journalEntries +20 +20 +0 +0 +${data.danglingTopicEntries.length}$`, "m"));
    expect(r.stdout).toMatch(/^sessions\.json +chatSessions +3 +3 +0 +0 +0$/m);
    expect(r.stdout).toMatch(/^messages\.json +messages +12 +12 +0 +0 +0$/m);
    expect(r.stdout).toMatch(/result: every record imported \(39 read\)\n$/);

    const json = jsonFileBackend({ dir: store, readOnly: true });
    try {
      expect(await json.count("users")).toBe(1);
      expect(await json.count("topics")).toBe(SMALL.topics);
      expect(await json.count("journalEntries")).toBe(SMALL.entries);
      expect(await json.count("chatSessions")).toBe(SMALL.sessions);
      expect(await json.count("messages")).toBe(SMALL.messages);
    } finally {
      await json.close();
    }

    const again = await cli(["import", "--from", data.dir, "--to", `json:${store}`, "--timezone", ZONE]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^user [0-9a-f-]{36}, timezone/m);
    expect(again.stdout).toMatch(/^entries\.json +journalEntries +20 +0 +20 +0/m);
  });

  it("into PostgreSQL with --json and --report: the report matches the rows, the record not imported makes exit 1; export gives the files back field by field", async () => {
    const data = await generateAppData(join(dir, "app"), 22);
    expect(data.orphanMessages).toHaveLength(1);
    const reportFile = join(dir, "import-report.json");
    const r = await cli(["import", "--from", data.dir, "--to", secretUrl(), "--timezone", ZONE, "--json", "--report", reportFile]);
    expect(r.code, r.stderr).toBe(1);
    const outcome = JSON.parse(r.stdout) as ImportOutcome;
    const written = await readFile(reportFile, "utf8");
    outputs.push(written);
    expect(JSON.parse(written)).toEqual(outcome);
    expect(outcome).toMatchObject({ command: "import", dryRun: false, from: data.dir, to: expect.stringMatching(/^postgres:\/\/postgres:\*\*\*@/), exitCode: 1 });
    const { report } = outcome;
    expect(report.totals).toEqual({ read: 111, imported: 110, unchanged: 0, skipped: 1 });
    for (const f of report.files) {
      const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM journal_store.${TABLE_OF[f.collection]} WHERE NOT deleted`);
      expect(Number(row!.n), f.file).toBe(f.imported);
    }
    expect(await sql(`SELECT id FROM journal_store.users`)).toEqual([{ id: report.userId }]);
    const messages = report.files.find((f) => f.file === "messages.json")!;
    expect(messages.skipped).toEqual([{ key: data.orphanMessages[0], reason: expect.stringMatching(/session_id names no record of sessions\.json/) }]);
    expect(report.files.find((f) => f.file === "entries.json")!.fields).toMatchObject({ title: "title", entry_type: `metadata["${LEGACY_METADATA_KEY}"].extra` });

    // The plain summary of a re-run: everything unchanged, the record not imported listed with its reason.
    const again = await cli(["import", "--from", data.dir, "--timezone", ZONE], { DATABASE_URL: secretUrl() });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^messages\.json +messages +40 +0 +39 +1 +0$/m);
    expect(again.stdout).toContain(`  not imported messages.json ${data.orphanMessages[0]}: session_id names no record of sessions.json`);
    expect(again.stdout).toMatch(/result: 1 of 111 records not imported\n$/);

    const out = join(dir, "out");
    const exportReport = join(dir, "export-report.json");
    const e = await cli(["export", "--to", out, "--timezone", ZONE, "--report", exportReport], { DATABASE_URL: secretUrl() });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(new RegExp(`^export postgres://postgres:\\*\\*\\*@\\S+ -> ${out}\n`));
    expect(e.stdout).toMatch(/^entries\.json +journalEntries +60 +\d+$/m);
    expect(e.stdout).toMatch(/^messages\.json +messages +39 +\d+$/m);
    expect(e.stdout).toMatch(/result: 4 files written\n$/);
    outputs.push(await readFile(exportReport, "utf8"));
    expect(await expectExportedAsRead(data.dir, out, APP_FILES, { "messages.json": data.orphanMessages })).toBe(110);

    // The directory now holds the app's files: a second export is refused unless --force.
    const refused = await cli(["export", "--from", secretUrl(), "--to", out, "--timezone", ZONE]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`journal-store-backfill: --to: ${out} already holds ${APP_FILES.join(", ")}: export into a new directory and swap it in, or pass --force to replace them\n`);
    const forced = await cli(["export", "--from", secretUrl(), "--to", out, "--timezone", ZONE, "--force", "--json"]);
    expect(forced.code).toBe(0);
    const exported = JSON.parse(forced.stdout) as ExportOutcome;
    expect(exported).toMatchObject({ command: "export", to: out, replaced: [...APP_FILES], exitCode: 0 });
    expect(exported.report.files.map((f) => f.records)).toEqual([6, 60, 5, 39]);
    expect(await expectExportedAsRead(data.dir, out, APP_FILES, { "messages.json": data.orphanMessages })).toBe(110);
  });

  it("a corrupt file: exit 3 naming the file and position, nothing imported", async () => {
    const data = await generateAppData(join(dir, "app"), 23, SMALL);
    const lines = (await readFile(join(data.dir, "entries.json"), "utf8")).split("\n");
    lines[4] = lines[4]!.replace(/,$/, ""); // a missing comma on line 5
    await writeFile(join(data.dir, "entries.json"), lines.join("\n"));
    const r = await cli(["import", "--from", data.dir, "--to", secretUrl(), "--timezone", ZONE]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^journal-store-backfill: entries\.json: is not valid JSON at line 6, column 5 \(offset \d+\)\n$/);
    expect(r.stdout).toBe("");
    expect(await rowsInDatabase()).toBe(0);
  });

  it("--dry-run writes nothing and does not open --to; it reports what the import would do", async () => {
    const data = await generateAppData(join(dir, "app"), 24);
    const r = await cli(["import", "--from", data.dir, "--to", secretUrl(), "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^dry run: import ${data.dir} -> an in-memory store\n`));
    expect(r.stdout).toMatch(/^entries\.json +journalEntries +60 +60 +0 +0/m);
    expect(r.stdout).toMatch(/result: 1 of 111 records not imported \(dry run\)\n$/);
    expect(await rowsInDatabase()).toBe(0);

    // An unreachable --to is never opened; a --user stands in as the owner of the converted rows.
    const user = "01900000-0000-7000-8000-00000000beef";
    const down = await cli(["import", "--from", data.dir, "--to", `postgres://app:${SECRET}@127.0.0.1:1/journal`, "--dry-run", "--user", user, "--json"]);
    expect(down.code, down.stderr).toBe(1);
    const outcome = JSON.parse(down.stdout) as ImportOutcome;
    expect(outcome).toMatchObject({ dryRun: true, to: "postgres://app:***@127.0.0.1:1/journal", report: { userId: user, totals: { read: 111, imported: 110, skipped: 1 } } });
  });

  it("a JSON target held by a running app: exit 2 with what to do instead; export reads it without the lock", async () => {
    const data = await generateAppData(join(dir, "app"), 25, SMALL);
    const store = join(dir, "store");
    expect((await cli(["import", "--from", data.dir, "--to", `json:${store}`])).code).toBe(0);
    const app = jsonFileBackend({ dir: store });
    await app.ready();
    try {
      const r = await cli(["import", "--from", data.dir, "--to", `json:${store}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^journal-store-backfill: --to: json:${store} is locked by process ${process.pid} on `));
      expect(r.stderr).toContain("Importing into it goes through that app: importLegacy({ dir, into: <the app's store> }) runs inside it.");
      const out = join(dir, "out");
      const e = await cli(["export", "--from", `json:${store}`, "--to", out]);
      expect(e.code, e.stderr).toBe(0);
      expect(await expectExportedAsRead(data.dir, out, APP_FILES)).toBe(39);
    } finally {
      await app.close();
    }
  });
});

describe("usage", () => {
  it("the top-level help lists import and export; each has its own help", async () => {
    const top = await cli(["--help"]);
    expect(top.stdout).toMatch(/^Other commands \(journal-store-backfill COMMAND --help for each\):\n {2}status +\S.*\n {2}import +the app's own JSON files into a store \(importLegacy\)\n {2}export +a store back out as the app's own JSON files \(exportLegacy\)\n/m);
    for (const command of ["import", "export"]) {
      const own = await cli([command, "--help"]);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: journal-store-backfill ${command} `));
      expect((await cli(["help", command])).stdout).toBe(own.stdout);
    }
    const flags = { import: ["--from", "--to", "--timezone", "--user", "--migrate", "--dry-run", "--json", "--report"], export: ["--from", "--to", "--timezone", "--force", "--json", "--report"] };
    for (const [command, list] of Object.entries(flags)) {
      const help = (await cli([command, "--help"])).stdout;
      for (const flag of list) expect(help, `${command} ${flag}`).toMatch(new RegExp(`^ {2}${flag} `, "m"));
    }
  });

  it("a bad --timezone exits 2 naming it, before any store is opened", async () => {
    const data = await generateAppData(join(dir, "app"), 26, SMALL);
    const down = `postgres://app:${SECRET}@127.0.0.1:1/journal`;
    for (const argv of [
      ["import", "--from", data.dir, "--to", down, "--timezone", "Mars/Olympus"],
      ["export", "--from", down, "--to", join(dir, "out"), "--timezone", "Mars/Olympus"],
    ]) {
      const r = await cli(argv);
      expect(r).toEqual({ code: 2, stdout: "", stderr: "journal-store-backfill: --timezone: must be an IANA time zone such as Europe/Paris\n" });
    }
  });

  it("bad flags, directories and users exit 2 naming the flag, and write nothing", async () => {
    const data = await generateAppData(join(dir, "app"), 27, SMALL);
    const empty = join(dir, "empty");
    await mkdir(empty);
    const store = join(dir, "store");
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["import", "--bogus"], {}, /--bogus: Unknown option '--bogus'/],
      [["import"], {}, /--from: missing: give the app's data directory/],
      [["import", "--from", `json:${data.dir}`], {}, /--from: names a store; give the app's own data directory as a plain path/],
      [["import", "--from", data.dir], {}, /--to: missing: give --to postgres:\/\/user@host\/db \(or json:DIR\), or set DATABASE_URL/],
      [["import", "--from", join(dir, "nope")], { DATABASE_URL: secretUrl() }, new RegExp(`--from: ${dir}/nope does not exist`)],
      [["import", "--from", empty, "--to", `json:${store}`], {}, /--from: .* holds none of the app's files \(topics\.json, entries\.json, sessions\.json, messages\.json\)/],
      [["import", "--from", data.dir, "--to", `json:${data.dir}`], {}, /--to: names the app's directory given to --from/],
      [["import", "--from", data.dir, "--to", "mysql://u@h/db"], {}, /--to: must be a postgres:\/\/ or postgresql:\/\/ URL, or json:DIR/],
      [["import", "--from", data.dir, "--to", secretUrl(), "--user", "not-a-uuid"], {}, /--user: must be a lowercase UUID/],
      [["import", "--from", data.dir, "--to", secretUrl(), "--user", "01900000-0000-7000-8000-00000000dead"], {}, /--user: names no live user/],
      [["export"], {}, /--to: missing: give the app's data directory/],
      [["export", "--to", join(dir, "out")], {}, /--from: missing: give --from postgres:\/\/user@host\/db \(or json:DIR\), or set DATABASE_URL/],
      [["export", "--to", `json:${store}`], { DATABASE_URL: secretUrl() }, /--to: names a store/],
      [["export", "--from", `json:${store}`, "--to", store], {}, /--to: names the store directory given to --from/],
      [["export", "--from", `json:${join(dir, "nope")}`, "--to", join(dir, "out")], {}, /--from: .*\/nope does not exist/],
    ];
    for (const [argv, env, message] of cases) {
      const r = await cli(argv, env);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr, argv.join(" ")).toMatch(message);
      expect(r.stderr).toMatch(/^journal-store-backfill: /);
      expect(r.stdout).toBe("");
    }
    expect(await rowsInDatabase()).toBe(0);
  });

  it("an unreachable server: exit 3, names the flag or variable, never the password", async () => {
    const data = await generateAppData(join(dir, "app"), 28, SMALL);
    const down = `postgres://app:${SECRET}@127.0.0.1:1/journal`;
    const imported = await cli(["import", "--from", data.dir, "--to", down]);
    expect(imported.code).toBe(3);
    expect(imported.stderr).toContain("cannot open --to postgres://app:***@127.0.0.1:1/journal: could not connect to 127.0.0.1:1 (ECONNREFUSED)");
    const exported = await cli(["export", "--to", join(dir, "out")], { DATABASE_URL: down });
    expect(exported.code).toBe(3);
    expect(exported.stderr).toContain("cannot open DATABASE_URL postgres://app:***@127.0.0.1:1/journal");
  });
});
