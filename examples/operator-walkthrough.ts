/**
 * The cutover as an operator runs it, stage by stage (docs/cutover-runbook.md), as real
 * processes: the app's own files (examples/legacy-app.ts) imported with the CLI; the HTTP app
 * (examples/http-app.ts) restarted in each stage with only its environment changed, taking real
 * requests; PostgreSQL prepared, the backfill run while the app keeps taking writes, compare and
 * status; live, a roll back to shadow and forward again, rampdown, complete; then the way back:
 * PostgreSQL copied into the JSON store, and exported in the app's own layout for the previous
 * app version. Every step prints its shell command first (the variables exported, the command
 * line), then what the command printed and its exit code, so the output reads like the runbook.
 * Any step that does not end as the runbook says stops the run with exit code 1.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx examples/operator-walkthrough.ts
 *
 * DATABASE_URL names a PostgreSQL server and a user allowed to CREATE DATABASE: the run creates a
 * fresh database there and drops it at the end. Unset or unreachable, the run stops at once with
 * exit code 2 and says so (it never skips). Files go to a temporary directory (the runbook's
 * /srv/journal), removed at the end. The password in DATABASE_URL is never printed.
 *
 * The commands run in a POSIX shell (`sh -c`), in that directory, with two commands on PATH:
 * - `journal-store-backfill`: this checkout's CLI (src/cli/bin.ts) run by tsx, so nothing needs
 *   building after `npm install`. With the package installed, an operator runs the same command
 *   lines as `npx journal-store-backfill ...` (the package's bin, dist/cli.js), as the runbook does.
 * - `journal-app`: the app, examples/http-app.ts run by tsx (PORT=0: any free port).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { redactUrl } from "../src/index.js";
import { writeLegacyApp } from "./legacy-app.js";

/** The app's own files, as examples/legacy-app.ts writes them. */
const APP_FILES = ["topics.json", "entries.json", "sessions.json", "messages.json"] as const;
/** The zone of the app's naive local times: the import's and the export's `--timezone`. */
const TIMEZONE = "Europe/Paris";
/** The tables of the replicated collections (not `migration_logs`, each store's own records). */
const TABLES = ["users", "topics", "journal_entries", "chat_sessions", "messages", "psychology_content", "user_analytics"] as const;

const root = fileURLToPath(new URL("..", import.meta.url));
const started = performance.now();
const say = (line = ""): void => void process.stdout.write(`${line}\n`);
const heading = (title: string): void => say(`\n## ${title}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A value as a POSIX shell reads it back: as is when it has nothing special, else single-quoted. */
function q(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Stops the run with a message (exit code 2): the setup the walkthrough needs is missing. */
class SetupError extends Error {}

// Ctrl-C reaches the commands and the app too (they stop on their own); the run then stops at
// its next step and still drops its database and removes its directory.
let interrupted = false;
process.on("SIGINT", () => void (interrupted = true));
function stopIfInterrupted(): void {
  if (interrupted) throw new Error("interrupted");
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL server, and the run's own database on it.

const adminUrl = process.env.DATABASE_URL?.trim();
if (!adminUrl) {
  process.stderr.write(
    "operator-walkthrough: DATABASE_URL is not set. It needs a PostgreSQL server and a user allowed to CREATE DATABASE,\n" +
      "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx examples/operator-walkthrough.ts\n",
  );
  process.exit(2);
}

/** Creates a fresh database for the run on the server of `admin`; `drop()` removes it. */
async function createRunDatabase(admin: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const client = new pg.Client({ connectionString: admin });
  try {
    await client.connect();
  } catch (error) {
    throw new SetupError(`cannot reach the PostgreSQL server of DATABASE_URL ${redactUrl(admin)}: ${(error as Error).message}`);
  }
  const name = `journal_walkthrough_${process.pid}_${randomBytes(3).toString("hex")}`;
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } catch (error) {
    throw new SetupError(`cannot create a database on ${redactUrl(admin)} (the user needs CREATEDB): ${(error as Error).message}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The operator's shell: the variables exported so far, and the commands it runs.

/** The environment the commands see: this process's, without any variable of the package. */
const shell: Record<string, string | undefined> = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(JOURNAL_STORE_|ENABLE_DUAL_WRITE$|DATABASE_URL$|DB_|PORT$)/.test(name)),
);
let work = "";

/** `export NAME=value ...` in the operator's shell, printed (DATABASE_URL with its password redacted). */
function exportVars(vars: Record<string, string>, comment?: string): void {
  const shown = Object.entries(vars).map(([name, value]) => `${name}=${q(name === "DATABASE_URL" ? redactUrl(value) : value)}`);
  say(`$ export ${shown.join(" ")}${comment ? `   # ${comment}` : ""}`);
  Object.assign(shell, vars);
}

/** `unset NAME ...` in the operator's shell, printed. */
function unsetVars(...names: string[]): void {
  say(`$ unset ${names.join(" ")}`);
  for (const name of names) delete shell[name];
}

/** Prints each line of `stream` indented, as it arrives; resolves with the text once it ends. */
function relay(stream: Readable, prefix: string): Promise<string> {
  let text = "";
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on("line", (line) => {
    text += `${line}\n`;
    say(`${prefix}${line}`);
  });
  return new Promise((resolve) => lines.once("close", () => resolve(text)));
}

/** Runs `command` in the operator's shell, printed first; it must exit with `expected`. */
async function sh(command: string, expected: number, comment?: string): Promise<string> {
  stopIfInterrupted();
  say(`$ ${command}${comment ? `   # ${comment}` : ""}`);
  const child = spawn("sh", ["-c", command], { cwd: work, env: shell, stdio: ["ignore", "pipe", "pipe"] });
  const [stdout, , code] = await Promise.all([
    relay(child.stdout, "  "),
    relay(child.stderr, "  "),
    new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c))),
  ]);
  say(`  -> exit code ${code}${code === expected ? "" : `, expected ${expected}`}`);
  if (code !== expected) throw new Error(`\`${command}\` exited with ${code}; the runbook expects ${expected}`);
  return stdout;
}

// ---------------------------------------------------------------------------------------------
// The app: started with the shell's variables, stopped with SIGTERM, talked to over HTTP.

/** The running app, if any. */
interface RunningApp {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}
let app = null as RunningApp | null;

async function startApp(stage: string): Promise<void> {
  stopIfInterrupted();
  say(`$ PORT=0 journal-app &   # (re)start the app`);
  const child = spawn(join(work, "bin", "journal-app"), [], { cwd: work, env: { ...shell, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  void relay(child.stderr!, "  app: ");
  const port = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      say(`  app: ${line}`);
      const m = /^listening on (\d+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`the app exited with code ${code} before listening (its output is above)`)));
  });
  app = { child, base: `http://127.0.0.1:${port}`, exited };
  const health = await call("GET", "/health");
  if (health.stage !== stage) throw new Error(`the app runs in stage ${health.stage}, expected ${stage}`);
}

async function stopApp(): Promise<void> {
  if (!app) return;
  const { child, exited } = app;
  app = null;
  say(`$ kill -TERM ${child.pid}   # stop the app: it finishes its requests, drains and closes the store`);
  child.kill("SIGTERM");
  const code = await exited;
  if (code !== 0) throw new Error(`the app exited with code ${code} on SIGTERM`);
}

async function restartApp(stage: string): Promise<void> {
  await stopApp();
  await startApp(stage);
}

async function call(method: string, path: string, body?: unknown): Promise<any> {
  stopIfInterrupted();
  if (!app) throw new Error("the app is not running");
  const res = await fetch(app.base + path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Every id written over HTTP, by collection: what must survive every stage, and the export. */
const written = { users: [] as string[], journalEntries: [] as string[], chatSessions: [] as string[], messages: [] as string[] };
let userId = "";
let sessionId = "";

/** One write over HTTP; `show` receives its line (printed at once, or later for a concurrent writer). */
async function post(path: string, body: Record<string, unknown>, into: string[], label: string, show: (line: string) => void = say): Promise<void> {
  const row = await call("POST", path, body);
  into.push(row.id as string);
  show(`> POST ${path} ${label} -> 201 ${row.id}`);
}

/** A few writes of the kind the app makes: entries and a chat message. */
async function writeSome(stage: string): Promise<void> {
  for (let i = 1; i <= 3; i++) await post("/entries", { userId, title: `${stage} ${i}`, content: `Written in stage ${stage}.`, tags: [stage] }, written.journalEntries, `"${stage} ${i}"`);
  await post(`/sessions/${sessionId}/messages`, { role: "user", content: `Hello from stage ${stage}.` }, written.messages, `"hello from ${stage}"`);
}

async function allEntries(user: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor = ""; ; ) {
    const page = await call("GET", `/entries?userId=${user}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    ids.push(...page.items.map((e: { id: string }) => e.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
}

/** Reads back through the app everything written over HTTP so far (and the imported entries). */
async function checkNothingLost(owner: string, legacyEntries: number): Promise<void> {
  const mine = new Set(await allEntries(userId));
  const lost = written.journalEntries.filter((id) => !mine.has(id));
  if (lost.length > 0 || mine.size !== written.journalEntries.length) throw new Error(`entries written over HTTP: ${lost.length} lost, ${mine.size - written.journalEntries.length + lost.length} unexpected`);
  const messages = (await call("GET", `/sessions/${sessionId}/messages`)).items as { id: string; sequence: number }[];
  const inOrder = messages.every((m, i) => m.sequence === i + 1);
  if (messages.length !== written.messages.length || !inOrder) throw new Error(`messages: ${messages.length} read back, ${written.messages.length} written`);
  const imported = (await allEntries(owner)).length;
  if (imported !== legacyEntries) throw new Error(`imported entries: ${imported} read back, ${legacyEntries} imported`);
  say(`> GET /entries, GET /sessions/${sessionId}/messages -> every write so far is there: entries ${mine.size}, messages ${messages.length} (over HTTP), imported entries ${imported}`);
}

// ---------------------------------------------------------------------------------------------
// The walkthrough.

async function keysOf(dir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const file of APP_FILES) out[file] = Object.keys(JSON.parse(await readFile(join(dir, file), "utf8")) as Record<string, unknown>);
  return out;
}

function sameSet(what: string, actual: string[], expected: string[]): void {
  const a = new Set(actual);
  const e = new Set(expected);
  const missing = expected.filter((id) => !a.has(id));
  const extra = actual.filter((id) => !e.has(id));
  if (missing.length || extra.length || a.size !== actual.length) throw new Error(`${what}: ${missing.length} missing (${missing.slice(0, 3).join(", ")}), ${extra.length} unexpected (${extra.slice(0, 3).join(", ")})`);
}

async function walkthrough(databaseUrl: string): Promise<void> {
  const appData = join(work, "app-data");
  const binDir = join(work, "bin");
  await mkdir(binDir);
  const loader = import.meta.resolve("tsx");
  const shim = (script: string, comment: string) => `#!/bin/sh\n# ${comment}\nexec ${q(process.execPath)} --import ${q(loader)} ${q(join(root, script))} "$@"\n`;
  await writeFile(join(binDir, "journal-store-backfill"), shim("src/cli/bin.ts", "this checkout's CLI; with the package installed: npx journal-store-backfill"));
  await writeFile(join(binDir, "journal-app"), shim("examples/http-app.ts", "the app on createStoreFromEnv()"));
  await Promise.all(["journal-store-backfill", "journal-app"].map((name) => chmod(join(binDir, name), 0o755)));
  shell.PATH = `${binDir}:${process.env.PATH ?? ""}`;

  heading("Setting up");
  say(`working directory (the runbook's /srv/journal): ${work}`);
  say(`journal-store-backfill: src/cli/bin.ts run by tsx (installed: npx journal-store-backfill); journal-app: examples/http-app.ts run by tsx`);
  const sizes = await writeLegacyApp(appData);
  const legacy = await keysOf(appData);
  const legacyCount = Object.values(legacy).reduce((n, keys) => n + keys.length, 0);
  say(`the app's own files (examples/legacy-app.ts) in ${appData}: ${APP_FILES.map((f) => `${f} ${sizes[f]}`).join(", ")}`);
  say(`$ cd ${q(work)}`);
  exportVars({ JOURNAL_STORE_JSON_DIR: join(work, "store") });
  exportVars({ DATABASE_URL: databaseUrl }, "a fresh database for this run");

  heading("Stage 0 - the app's own files come in (before the package)");
  await sh(`journal-store-backfill import --from ${q(appData)} --to "json:$JOURNAL_STORE_JSON_DIR" --timezone ${TIMEZONE} --report import.json`, 0);
  const imported = JSON.parse(await readFile(join(work, "import.json"), "utf8")) as { report: { userId: string; totals: { read: number; imported: number } } };
  const { totals, userId: owner } = imported.report;
  if (totals.read !== legacyCount || totals.imported !== legacyCount) throw new Error(`import.json: ${totals.imported} of ${totals.read} imported, ${legacyCount} written`);
  say(`import.json: ${totals.imported} of ${totals.read} records imported, owned by ${owner}`);

  heading("Stage off - the app on the package, JSON files only");
  unsetVars("ENABLE_DUAL_WRITE", "JOURNAL_STORE_STAGE");
  await startApp("off");
  say(`> GET /health -> 200 {"stage":"off"}`);
  await post("/users", { email: "operator@example.com", displayName: "Operator" }, written.users, `"operator@example.com"`);
  userId = written.users[0]!;
  await post("/sessions", { userId, title: "Cutover day" }, written.chatSessions, `"Cutover day"`);
  sessionId = written.chatSessions[0]!;
  await writeSome("off");
  await checkNothingLost(owner, legacy["entries.json"]!.length);

  heading("Prepare PostgreSQL");
  await sh("journal-store-backfill --mode compare --migrate", 1, "applies the migrations, then compares; copies nothing (exit 1: the rows listed are what the backfill will copy)");

  heading("Stage dual-write - PostgreSQL receives every new write");
  exportVars({ ENABLE_DUAL_WRITE: "true" });
  await restartApp("dual-write");
  await checkNothingLost(owner, legacy["entries.json"]!.length);
  await writeSome("dual-write");
  // The backfill runs while the app keeps taking writes; they are shown once it has finished.
  const during: string[] = [];
  let writing = true;
  const writer = (async () => {
    for (let i = 1; writing; i++) {
      await post("/entries", { userId, title: `during backfill ${i}`, content: "Written while the backfill ran." }, written.journalEntries, `"during backfill ${i}"`, (line) => during.push(line));
      await sleep(25);
    }
  })();
  try {
    await sh("journal-store-backfill --mode backfill --report backfill.json", 0, "while the app keeps writing");
  } finally {
    writing = false;
    await writer;
  }
  say(`meanwhile, the app took ${during.length} writes:`);
  for (const line of during) say(line);
  if (during.length === 0) throw new Error("no write reached the app while the backfill ran");
  const backfillReport = JSON.parse(await readFile(join(work, "backfill.json"), "utf8")) as { verdict: string; exitCode: number };
  say(`backfill.json: verdict ${backfillReport.verdict}, exit code ${backfillReport.exitCode}`);
  // The compare reads the directory as it was when it opened it: run it while no write is in flight.
  await sh("journal-store-backfill --mode compare", 0, "the app running, no write in flight");
  await sh("journal-store-backfill status", 0, "a zero latest compare for every collection");
  await checkNothingLost(owner, legacy["entries.json"]!.length);

  heading("Stage shadow - reads compared on PostgreSQL");
  unsetVars("ENABLE_DUAL_WRITE");
  exportVars({ JOURNAL_STORE_STAGE: "shadow", JOURNAL_STORE_SHADOW_SAMPLE: "1" });
  await restartApp("shadow");
  await checkNothingLost(owner, legacy["entries.json"]!.length);
  await writeSome("shadow");
  // The restart into live is gated on at least 100 shadow comparisons (the app records them): the
  // app's users read their journals for a while.
  for (let i = 0; i < 120; i++) await call("GET", `/entries?userId=${i % 2 === 0 ? userId : owner}&limit=20`);
  say("> GET /entries x 120 (the app's own reads; every one is compared on PostgreSQL)");
  await sh("journal-store-backfill --mode compare", 0, "a fresh compare");
  await sh("journal-store-backfill status", 0);

  heading("Stage live - PostgreSQL serves");
  exportVars({ JOURNAL_STORE_STAGE: "live" });
  await restartApp("live");
  await checkNothingLost(owner, legacy["entries.json"]!.length);
  await writeSome("live");

  heading("Roll back one stage (live -> shadow), and forward again");
  exportVars({ JOURNAL_STORE_STAGE: "shadow" }, "the rollback of live");
  await restartApp("shadow");
  await checkNothingLost(owner, legacy["entries.json"]!.length); // what live wrote is there
  await writeSome("shadow-again");
  exportVars({ JOURNAL_STORE_STAGE: "live" });
  await restartApp("live");
  await checkNothingLost(owner, legacy["entries.json"]!.length); // what shadow wrote in between is there
  await writeSome("live-again");

  heading("Stage rampdown - JSON still written, nothing compared");
  exportVars({ JOURNAL_STORE_STAGE: "rampdown" });
  await restartApp("rampdown");
  await checkNothingLost(owner, legacy["entries.json"]!.length);
  await writeSome("rampdown");

  heading("Stage complete - PostgreSQL only");
  exportVars({ JOURNAL_STORE_STAGE: "complete" });
  await restartApp("complete");
  await checkNothingLost(owner, legacy["entries.json"]!.length);
  await writeSome("complete");
  await stopApp();

  heading("Roll back from complete: PostgreSQL into the JSON store, the app stopped");
  await sh(`journal-store-backfill --from "$DATABASE_URL" --to "json:$JOURNAL_STORE_JSON_DIR" --mode all`, 0);
  exportVars({ JOURNAL_STORE_STAGE: "shadow" }, "JSON primary again");
  await startApp("shadow");
  await checkNothingLost(owner, legacy["entries.json"]!.length); // what complete wrote is in the JSON store
  await stopApp();

  heading("All the way back to the previous app version: export in the app's own layout");
  const rollback = join(work, "app-data.rollback");
  await sh(`journal-store-backfill export --from "$DATABASE_URL" --to ${q(rollback)} --timezone ${TIMEZONE}`, 0);

  heading("Result");
  const rows = await postgresIds(databaseUrl);
  const httpRows = [...written.users, ...written.journalEntries, ...written.chatSessions, ...written.messages];
  sameSet("rows on PostgreSQL", rows, [...Object.values(legacy).flat(), owner, ...httpRows]);
  const exported = await keysOf(rollback);
  const httpRecords = [...written.journalEntries, ...written.chatSessions, ...written.messages];
  sameSet("records exported", Object.values(exported).flat(), [...Object.values(legacy).flat(), ...httpRecords]);
  sameSet("entries.json exported", exported["entries.json"]!, [...legacy["entries.json"]!, ...written.journalEntries]);
  sameSet("messages.json exported", exported["messages.json"]!, [...legacy["messages.json"]!, ...written.messages]);
  say(`PostgreSQL rows ${rows.length} = legacy records ${legacyCount} + import owner 1 + HTTP writes ${httpRows.length}`);
  say(`exported records ${Object.values(exported).flat().length} = legacy records ${legacyCount} + HTTP writes ${httpRecords.length} (users have no file in the app's layout)`);
  say(`HTTP writes: ${Object.entries(written).map(([c, ids]) => `${c} ${ids.length}`).join(", ")}`);
}

/** The ids of every live row of the replicated tables, read with a plain client. */
async function postgresIds(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const union = TABLES.map((t) => `SELECT id::text FROM journal_store.${t} WHERE NOT deleted`).join(" UNION ALL ");
    return (await client.query<{ id: string }>(union)).rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

let database: Awaited<ReturnType<typeof createRunDatabase>> | null = null;
let failed = false;
try {
  database = await createRunDatabase(adminUrl);
  work = await mkdtemp(join(tmpdir(), "journal-walkthrough-"));
  say(`created database ${database.name} on ${redactUrl(adminUrl)}`);
  await walkthrough(database.url);
} catch (error) {
  failed = true;
  process.exitCode = interrupted ? 130 : error instanceof SetupError ? 2 : 1;
  process.stderr.write(`operator-walkthrough: ${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  if (app) app.child.kill("SIGTERM");
  await app?.exited;
  if (database) {
    await database.drop();
    say(`dropped database ${database.name}`);
  }
  if (work) await rm(work, { recursive: true, force: true });
}
if (!failed) say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s: every step ended as the runbook says`);
