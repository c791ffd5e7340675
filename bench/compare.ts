/**
 * `npm run bench:compare`: compare() by checksums against compare() by rows, side by side in one
 * run, on 100,000 journal entries (and their 1,000 users); rows/s counts the rows of one side:
 *
 * - postgres -> postgres (two databases: both sides digest in SQL);
 * - json -> postgres (the cutover: the JSON store digests its rows in process, PostgreSQL in SQL);
 *
 * each with nothing differing, then with 1% of the entries changed on the target. Prints time,
 * rows compared per second (both sides), rows fetched, the checksum/rows speed-up, and CPU time:
 * this process's (user + system) and the PostgreSQL backends' serving the two bench databases
 * (read from /proc, so only when the server runs on this host; `?` otherwise).
 *
 * Needs DATABASE_URL (a user that may CREATE DATABASE); works in databases of its own and drops
 * them at the end (BENCH_KEEP=1 keeps them). BENCH_ENTRIES overrides the entry count.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../src/backend.js";
import { jsonFileBackend } from "../src/backends/json/index.js";
import { migrate, postgresBackend } from "../src/backends/postgres/index.js";
import { newRow } from "../src/model/entity.js";
import { entryModel } from "../src/model/entities/entries.js";
import { userModel } from "../src/model/entities/users.js";
import { uuidv7 } from "../src/model/ids.js";
import type { CollectionName, JournalEntryRow } from "../src/model/rows.js";
import { compare, type CompareReport, type CompareStrategy } from "../src/sync/index.js";
import { prng as seeded } from "../test/support/prng.js";
import { withClient } from "../test/support/pg-client.js";

const ENTRIES = Number(process.env.BENCH_ENTRIES) > 0 ? Number(process.env.BENCH_ENTRIES) : 100_000;
const USERS = Math.max(1, Math.round(ENTRIES / 100));
const COLLECTIONS: CollectionName[] = ["users", "journalEntries"];
const WORDS = ["calm", "morning", "walk", "anxious", "meeting", "family", "sleep", "coffee", "run", "grateful", "tired", "rain", "friend", "work", "music", "garden"];

const admin = process.env.DATABASE_URL;
if (!admin) {
  console.error("bench:compare needs DATABASE_URL (a PostgreSQL user allowed to CREATE DATABASE)");
  process.exit(2);
}
const suffix = `${process.pid}`;
const databases = [`bench_compare_a_${suffix}`, `bench_compare_b_${suffix}`];
const urlOf = (name: string) => {
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
};

/** The users and entries every side holds (the same rows, so compare finds nothing). */
function dataset(): { users: ReturnType<typeof userRow>[]; entries: JournalEntryRow[] } {
  const random = seeded(7);
  const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString();
  const users = Array.from({ length: USERS }, (_, i) => userRow(i, at(i)));
  const entries = Array.from({ length: ENTRIES }, (_, i) => {
    const words = Array.from({ length: 40 + Math.floor(random() * 60) }, () => WORDS[Math.floor(random() * WORDS.length)]!);
    const input = {
      userId: users[i % USERS]!.id,
      title: `Day ${i} — ${words[0]}`,
      content: words.join(" "),
      tags: [words[1]!, words[2]!],
      mood: 1 + Math.floor(random() * 10),
      entryDate: at(i).slice(0, 10),
      metadata: { source: "bench", weather: { sky: words[3], temp: Math.round(random() * 300) / 10 } },
      aiAnalysis: i % 2 === 0 ? { sentiment: random() * 2 - 1, emotions: [words[4]!], themes: [] } : null,
    };
    return newRow(entryModel, entryModel.createSchema.parse(input), uuidv7(Date.UTC(2025, 0, 1) + i * 60_000), at(USERS + i));
  });
  return { users, entries };
}

function userRow(i: number, at: string) {
  return newRow(userModel, userModel.createSchema.parse({ email: `u${i}@example.com`, displayName: `User ${i}` }), uuidv7(Date.UTC(2024, 0, 1) + i), at);
}

async function load(backend: Backend, data: ReturnType<typeof dataset>): Promise<void> {
  for (let i = 0; i < data.users.length; i += 1000) await backend.applyReplicated("users", data.users.slice(i, i + 1000));
  for (let i = 0; i < data.entries.length; i += 1000) await backend.applyReplicated("journalEntries", data.entries.slice(i, i + 1000));
}

/** Changes the title of 1% of the entries on `target` (spread evenly, as a newer version). */
async function plantDifferences(target: Backend, data: ReturnType<typeof dataset>): Promise<number> {
  const changed = data.entries.filter((_, i) => i % 100 === 37).map((e) => ({ ...e, title: `${e.title} (edited)`, version: e.version + 1 }));
  for (let i = 0; i < changed.length; i += 1000) await target.applyReplicated("journalEntries", changed.slice(i, i + 1000));
  return changed.length;
}

/** CPU ticks (user + system) of each server process serving the bench databases, or null. */
async function serverTicks(): Promise<Map<number, number> | null> {
  try {
    const pids = await withClient(admin!, async (c) => (await c.query("SELECT pid FROM pg_stat_activity WHERE datname = ANY($1)", [databases])).rows.map((r) => r.pid as number));
    const ticks = new Map<number, number>();
    for (const pid of pids) {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(pid, Number(fields[11]) + Number(fields[12])); // utime, stime (fields 14 and 15)
    }
    return ticks;
  } catch {
    return null;
  }
}

/**
 * CPU seconds the server spent between two readings, over the processes alive at the second
 * (a connection the pool closed in between takes its ticks with it: the figure is a floor).
 */
function serverSeconds(before: Map<number, number> | null, after: Map<number, number> | null): number {
  if (!before || !after) return Number.NaN;
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks / 100; // USER_HZ
}

interface Run {
  ms: number;
  report: CompareReport;
  /** CPU seconds of this process. */
  cpu: number;
  /** CPU seconds of the PostgreSQL backends (NaN when unknown). */
  server: number;
}

async function run(source: Backend, target: Backend, strategy: CompareStrategy): Promise<Run> {
  const server0 = await serverTicks();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const report = await compare({ source, target, strategy, collections: COLLECTIONS, record: false });
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const server = serverSeconds(server0, await serverTicks());
  if (report.status !== "completed") throw new Error(`compare ${strategy}: ${report.status} ${report.error}`);
  return { ms, report, cpu: (cpu.user + cpu.system) / 1e6, server };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * Compares `source` and `target` both ways, nothing differing and then 1% differing. `reopen`, for
 * an in-process source (the JSON store), opens it afresh before the measured checksum compare: an
 * engine keeps each row's hash beside the row once computed, so a compare right after another one
 * in the same process sums kept hashes. Both figures are printed: the first compare of a freshly
 * opened store (every row hashed) and the same compare again (hashes kept).
 */
async function scenario(name: string, sides: { source: Backend; reopen?: () => Promise<Backend> }, target: Backend, data: ReturnType<typeof dataset>): Promise<string[]> {
  const lines: string[] = [];
  const rowsCompared = data.users.length + data.entries.length;
  for (const state of ["identical", "1% differing"] as const) {
    if (state === "1% differing") await plantDifferences(target, data);
    // Warm both paths once (plans, caches), then measure each.
    await run(sides.source, target, "rows");
    await run(sides.source, target, "checksum");
    const rows = await run(sides.source, target, "rows");
    if (sides.reopen) sides.source = await sides.reopen();
    const checksum = await run(sides.source, target, "checksum");
    const measured: [string, Run][] = [["rows", rows], [sides.reopen ? "checksum, store just opened" : "checksum", checksum]];
    if (sides.reopen) measured.push(["checksum again, hashes kept", await run(sides.source, target, "checksum")]);
    for (const [label, r] of measured) {
      if (JSON.stringify(rows.report.divergences) !== JSON.stringify(r.report.divergences)) throw new Error(`${name}: the strategies disagree`);
      lines.push(
        `| ${name} | ${state} | ${label} | ${(r.ms / 1000).toFixed(2)} s | ${r.cpu.toFixed(2)} s / ${Number.isNaN(r.server) ? "?" : `${r.server.toFixed(2)} s`} | ${fmt((rowsCompared / r.ms) * 1000)} | ${fmt(r.report.rowsFetched)} | ${r.report.divergences.length} | ${label === "rows" ? "" : `${(rows.ms / r.ms).toFixed(1)}x`} |`,
      );
    }
  }
  return lines;
}

async function main() {
  for (const db of databases) await withClient(admin!, (c) => c.query(`CREATE DATABASE "${db}"`));
  const dir = await mkdtemp(join(tmpdir(), "bench-compare-"));
  const opened: Backend[] = [];
  let json: Backend | undefined;
  try {
    for (const db of databases) await migrate(urlOf(db));
    const server = await withClient(admin!, async (c) => (await c.query("SHOW server_version")).rows[0].server_version as string);
    console.log(`# bench:compare — ${fmt(ENTRIES)} entries + ${fmt(USERS)} users; PostgreSQL ${server}, Node ${process.version}, ${cpus().length} CPUs\n`);
    const data = dataset();
    const a = postgresBackend({ connectionString: urlOf(databases[0]!), poolSize: 4 });
    const b = postgresBackend({ connectionString: urlOf(databases[1]!), poolSize: 4 });
    json = await jsonFileBackend({ dir });
    opened.push(a, b);
    let t = performance.now();
    await Promise.all([load(a, data), load(b, data), load(json!, data)]);
    console.log(`loaded three sides in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    for (const db of databases) await withClient(urlOf(db), (c) => c.query("VACUUM ANALYZE"));
    const lines = [
      "| sides | data | strategy | time | CPU: node / server | rows compared/s (one side) | rows fetched (both sides) | divergences | checksum vs rows |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ];
    t = performance.now();
    lines.push(...(await scenario("postgres -> postgres", { source: a }, b, data)));
    // The json -> postgres pair compares against a fresh copy of the identical data.
    await withClient(urlOf(databases[1]!), (c) => c.query(`TRUNCATE journal_store.journal_entries, journal_store.users CASCADE`));
    await load(b, data);
    const reopen = async () => {
      await json!.close();
      const fresh = jsonFileBackend({ dir });
      await fresh.ready(); // the store's loading is not part of the compare
      json = fresh;
      return fresh;
    };
    lines.push(...(await scenario("json -> postgres", { source: json!, reopen }, b, data)));
    console.log(lines.join("\n"));
  } finally {
    await Promise.allSettled([...opened, json].map((o) => o?.close()));
    await rm(dir, { recursive: true, force: true });
    if (process.env.BENCH_KEEP !== "1") {
      for (const db of databases) await withClient(admin!, (c) => c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`));
    }
  }
}

await main();
