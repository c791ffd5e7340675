/**
 * `npm run bench:sync`: backfill and compare from a JSON-file store into the local PostgreSQL,
 * side by side in one run with a raw pg-copy-streams COPY of the same rows into an identical
 * table (the physical limit here).
 *
 * For each size (BENCH_ROWS, default 100000; `BENCH_ROWS=100000,1000000` for both) it builds a
 * JSON store of 1,000 users and that many journal entries of about 1.3 KB, then in a database of
 * its own (created here, dropped at the end):
 * 1. raw COPY of the same rows into a table `LIKE journal_store.journal_entries INCLUDING ALL`
 *    (same columns and indexes, no foreign key), with the GIN indexes as migrated
 *    (`fastupdate = false`) and with `fastupdate = true`; then once more with the GIN indexes
 *    dropped and built after the COPY, timing those builds alone (the GIN ceiling);
 * 2. backfill, each in a child process timed end to end (opening the JSON store included) and
 *    measured for peak RSS: as before this work (single statement, `bulkMinRows: Infinity`, GIN
 *    written through), the default (bulk-load mode), and bulk-load mode with batches of
 *    BENCH_BULK_BATCH (default 10000) through the COPY path; the JSON read by a jsonFileSource
 *    (rows left on disk, as the CLI reads it), and the default once more read by a read-only
 *    jsonFileBackend (every row held in memory), side by side;
 * 3. the built CLI (dist/cli.js, built first when missing or older than src/): a default
 *    backfill and a compare, timed from spawn to exit, peak RSS measured (the RSS target is the
 *    CLI's);
 * 4. compare with nothing different (the JSON read both ways), then with 1% of the entries
 *    changed in PostgreSQL; each once more with the JSON side hashed on one thread only
 *    (`hashThreads: 0`) and with one worker thread beside it whatever the size (`hashThreads: 1,
 *    minRowsPerHashThread: 10000`; the default starts workers from 200k rows, see jsonFileSource).
 * And once, on the smallest size: applyReplicated rows/s by batch size, single statement vs
 * bulk path, which is how BULK_DEFAULTS.minRows was chosen.
 *
 * Needs DATABASE_URL (a user that may CREATE DATABASE). BENCH_BATCH sets backfill's batch size
 * (default SYNC_DEFAULTS.batchSize). Prints Markdown tables and the targets met or missed.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { jsonFileBackend } from "../src/backends/json/index.js";
import { copyChunks } from "../src/backends/postgres/copy.js";
import { INFO } from "../src/backends/postgres/mapping.js";
import { migrate, postgresBackend } from "../src/backends/postgres/index.js";
import { BULK_DEFAULTS } from "../src/backends/postgres/replicate.js";
import type { AnyRow } from "../src/model/rows.js";
import { beginBulkLoad } from "../src/backend.js";
import { SYNC_DEFAULTS } from "../src/sync/options.js";
import { JSON_SOURCE_DEFAULTS } from "../src/backends/json/options.js";
import { withClient } from "../test/support/pg-client.js";
import { USERS, benchEntry, benchUser } from "./sync-rows.js";
import { from as copyFrom } from "pg-copy-streams";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

const here = dirname(fileURLToPath(import.meta.url));
const admin = process.env.DATABASE_URL;
if (!admin) {
  console.error("bench:sync needs DATABASE_URL (a PostgreSQL user allowed to CREATE DATABASE)");
  process.exit(2);
}
const sizes = (process.env.BENCH_ROWS ?? "100000").split(",").map(Number);
if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1000)) {
  console.error("BENCH_ROWS: comma-separated row counts, each >= 1000");
  process.exit(2);
}
const batch = Number(process.env.BENCH_BATCH ?? SYNC_DEFAULTS.batchSize);
/** Backfill batch size of the COPY-path run (BENCH_BULK_BATCH, default 10000). */
const bulkBatch = Number(process.env.BENCH_BULK_BATCH ?? 10000);

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const rate = (rows: number, ms: number) => Math.round((rows / ms) * 1000);
const fmt = (n: number) => n.toLocaleString("en");
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function dbUrl(name: string): string {
  const u = new URL(admin!);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** Entries in chunks, so no step holds more than one chunk of generated rows. */
function* entryChunks(n: number, size: number): Generator<AnyRow[]> {
  for (let from = 0; from < n; from += size) {
    const rows: AnyRow[] = [];
    for (let i = from; i < Math.min(n, from + size); i++) rows.push(benchEntry(i));
    yield rows;
  }
}

async function buildJsonStore(n: number): Promise<{ dir: string; bytes: number; ms: number }> {
  const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), "journal-sync-bench-"));
  const t0 = performance.now();
  const store = jsonFileBackend({ dir, autoCompact: false });
  await store.applyReplicated("users", Array.from({ length: USERS }, (_, i) => benchUser(i)));
  for (const rows of entryChunks(n, 5000)) await store.applyReplicated("journalEntries", rows as never);
  await store.compact();
  await store.close();
  return { dir, bytes: await dirBytes(dir), ms: performance.now() - t0 };
}

interface ChildResult {
  rows: number;
  openMs: number;
  totalMs: number;
  maxRss: number;
  backfillMs?: number;
  compareMs?: number;
  applied?: number;
  divergences?: number;
}

function child(env: Record<string, string>): ChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, "sync-child.ts")], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`child ${env.MODE} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildResult;
}

/** The built CLI (`npm run build`), what a user runs. */
const CLI = join(here, "..", "dist", "cli.js");

/** Builds the package unless dist/cli.js is newer than every file under src/. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest(join(here, "..", "src"))) return;
  log("building the package (dist/ is missing or older than src/)");
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: join(here, ".."), encoding: "utf8", maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
}

/**
 * `journal-store-backfill --mode <mode> --json` from json:DIR to DB_URL, the built CLI as a user
 * runs it, in a child timed from spawn to exit (Node's start included), its peak RSS reported by
 * the preloaded bench/max-rss.mjs.
 */
function cli(mode: "backfill" | "compare", dir: string, url: string): ChildResult {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(join(here, "max-rss.mjs")).href, CLI, "--mode", mode, "--json", "--batch-size", String(batch), "--from", `json:${dir}`, "--to", url], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const totalMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`CLI ${mode} exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout) as { backfill?: { collections: Record<string, { read: number }> }; compare?: { collections: Record<string, { source: number }>; divergences: unknown[] } };
  const maxRss = Number(/max-rss (\d+)/.exec(r.stderr)?.[1]);
  if (mode === "backfill") return { rows: Object.values(out.backfill!.collections).reduce((n, c) => n + c.read, 0), openMs: 0, totalMs, maxRss };
  return { rows: Object.values(out.compare!.collections).reduce((n, c) => n + c.source, 0), openMs: 0, totalMs, maxRss, divergences: out.compare!.divergences.length };
}

/** The compare children's JSON hashing, side by side: one thread only, and one worker beside it at any size. */
const ONE_THREAD = { HASH_THREADS: "0" };
const ONE_WORKER = { HASH_THREADS: "1", MIN_ROWS_PER_HASH_THREAD: "10000" };

const RESET = `TRUNCATE "journal_store"."migration_logs", "journal_store"."journal_entries", "journal_store"."users" CASCADE`;

/**
 * How a raw COPY treats the table's GIN indexes (tags and trigram): as migrated (`fastupdate`
 * off), with `fastupdate` on (their pending lists merged before the clock stops), or dropped and
 * built after the COPY by one `CREATE INDEX` each, as a restore does (the GIN ceiling: n rows
 * per the builds' time alone is the most rows/s any load that keeps these indexes can reach on
 * this host, however the rows arrive).
 */
type GinMode = "fastupdate-off" | "fastupdate-on" | "built-after";

/**
 * Raw COPY of the n entries into a fresh `LIKE ... INCLUDING ALL` table; returns the ms of the
 * whole load, of the COPY, and of building the GIN indexes after it (0 unless `built-after`).
 */
async function rawCopy(url: string, n: number, gin: GinMode): Promise<{ ms: number; copyMs: number; indexMs: number }> {
  const info = INFO.journalEntries;
  const fields = info.columns.map((c) => ({ field: c.field, kind: c.kind }));
  const columns = info.columns.map((c) => `"${(c.ident as unknown as { value: string }).value}"`).join(", ");
  return withClient(url, async (c) => {
    await c.query(`DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (LIKE journal_store.journal_entries INCLUDING ALL)`);
    const indexes = await c.query<{ name: string; def: string }>(`SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am a ON a.oid = x.relam WHERE i.indrelid = 'bench_raw'::regclass AND a.amname = 'gin'`);
    for (const { name } of indexes.rows) {
      await c.query(gin === "built-after" ? `DROP INDEX ${name}` : `ALTER INDEX ${name} SET (fastupdate = ${gin === "fastupdate-on"})`);
    }
    await c.query("CHECKPOINT");
    let seq = 0;
    const t0 = performance.now();
    const lines = function* () {
      for (const rows of entryChunks(n, 5000)) {
        for (const chunk of copyChunks(rows as unknown as Record<string, unknown>[], fields)!) yield chunk.replace(/\n/g, () => `\t${++seq}\n`);
      }
    };
    await pipeline(Readable.from(lines()), c.query(copyFrom(`COPY bench_raw (${columns}, "change_seq") FROM STDIN`)));
    const t1 = performance.now();
    if (gin === "built-after") for (const { def } of indexes.rows) await c.query(def);
    if (gin === "fastupdate-on") for (const { name } of indexes.rows) await c.query(`SELECT gin_clean_pending_list('${name}'::regclass)`);
    const t2 = performance.now();
    const count = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM bench_raw");
    if (count.rows[0]!.n !== n) throw new Error(`raw COPY stored ${count.rows[0]!.n} rows, not ${n}`);
    await c.query("DROP TABLE bench_raw");
    return { ms: t2 - t0, copyMs: t1 - t0, indexMs: gin === "built-after" ? t2 - t1 : 0 };
  });
}

interface SweepPoint {
  collection: "journalEntries" | "users";
  size: number;
  statement: number;
  bulk: number;
}

/** Rows `n` of the sweep: entries (after USERS users), or users numbered past the first USERS. */
function* sweepChunks(collection: SweepPoint["collection"], n: number, size: number): Generator<AnyRow[]> {
  if (collection === "journalEntries") return yield* entryChunks(n, size);
  for (let from = 0; from < n; from += size) {
    const rows: AnyRow[] = [];
    for (let i = from; i < Math.min(n, from + size); i++) rows.push(benchUser(USERS + i));
    yield rows;
  }
}

/**
 * applyReplicated rows/s for each batch size, single statement vs bulk path, into one table in
 * bulk-load mode (as backfill runs): journal entries (two GIN indexes) and users (none). The
 * two paths alternate batch by batch, so load on the host hits both alike.
 */
async function thresholds(url: string): Promise<SweepPoint[]> {
  const out: SweepPoint[] = [];
  const total = Number(process.env.BENCH_SWEEP_ROWS ?? 20_000);
  const users = Array.from({ length: USERS }, (_, i) => benchUser(i));
  for (const collection of ["journalEntries", "users"] as const) {
    for (const size of [250, 500, 1000, 2000, 5000, 10000]) {
      const result: SweepPoint = { collection, size, statement: 0, bulk: 0 };
      await withClient(url, (c) => c.query(RESET));
      const backends = {
        statement: postgresBackend({ connectionString: url, poolSize: 2, bulkMinRows: Number.POSITIVE_INFINITY }),
        bulk: postgresBackend({ connectionString: url, poolSize: 2, bulkMinRows: 1 }),
      };
      await backends.bulk.applyReplicated("users", users);
      const load = await beginBulkLoad(backends.bulk, [collection]);
      const ms = { statement: 0, bulk: 0 };
      let k = 0;
      for (const rows of sweepChunks(collection, 2 * total, size)) {
        const path = k++ % 2 === 0 ? "statement" : "bulk";
        const t0 = performance.now();
        await backends[path].applyReplicated(collection, rows as never);
        ms[path] += performance.now() - t0;
      }
      await load.end();
      for (const path of ["statement", "bulk"] as const) {
        await backends[path].close();
        result[path] = rate(total, ms[path]);
      }
      log(`sweep ${collection} ${size}: statement ${result.statement} rows/s, bulk ${result.bulk} rows/s`);
      out.push(result);
    }
  }
  return out;
}

interface SizeResult {
  n: number;
  jsonBytes: number;
  rawOff: number;
  rawOn: number;
  gin: { copyMs: number; indexMs: number };
  cliBackfill: ChildResult;
  cliCompare: ChildResult;
  statement: ChildResult;
  bulk: ChildResult;
  bulkLoad: ChildResult;
  bulkLoadHeld: ChildResult;
  compareEqual: ChildResult;
  compareEqualHeld: ChildResult;
  compareEqualOne: ChildResult;
  compareEqualWorker: ChildResult;
  compareDiff: ChildResult;
  compareDiffOne: ChildResult;
  compareDiffWorker: ChildResult;
  changed: number;
}

async function benchSize(n: number, url: string): Promise<SizeResult> {
  log(`${fmt(n)}: building the JSON store`);
  const json = await buildJsonStore(n);
  log(`${fmt(n)}: JSON store ${mb(json.bytes)} in ${(json.ms / 1000).toFixed(1)} s`);
  try {
    const rawOff = (await rawCopy(url, n, "fastupdate-off")).ms;
    log(`raw COPY (fastupdate off): ${fmt(rate(n, rawOff))} rows/s`);
    const rawOn = (await rawCopy(url, n, "fastupdate-on")).ms;
    log(`raw COPY (fastupdate on): ${fmt(rate(n, rawOn))} rows/s`);
    const gin = await rawCopy(url, n, "built-after");
    log(`raw COPY without GIN indexes ${fmt(rate(n, gin.copyMs))} rows/s, then CREATE INDEX of the GIN indexes ${fmt(rate(n, gin.indexMs))} rows/s (${fmt(rate(n, gin.copyMs + gin.indexMs))} rows/s together)`);
    const run = async (env: Record<string, string>) => {
      await withClient(url, async (c) => {
        await c.query(RESET);
        await c.query("CHECKPOINT");
      });
      const r = child({ MODE: "backfill", DIR: json.dir, DB_URL: url, BATCH: String(batch), ...env });
      log(`backfill ${JSON.stringify(env)}: ${fmt(rate(r.rows, r.totalMs))} rows/s end to end`);
      return r;
    };
    // Before this work: the single statement, GIN written through. Then bulk-load mode alone
    // (the default), then with batches large enough for the COPY path.
    const statement = await run({ BULK_MIN_ROWS: "off", BULK_LOAD: "0" });
    const bulkLoad = await run({ BULK_LOAD: "1" });
    const bulk = await run({ BULK_LOAD: "1", BATCH: String(bulkBatch), BULK_MIN_ROWS: "1" });
    const bulkLoadHeld = await run({ BULK_LOAD: "1", SOURCE: "backend" });
    // The built CLI, as a user runs it: default backfill, then compare of what it wrote.
    await withClient(url, async (c) => {
      await c.query(RESET);
      await c.query("CHECKPOINT");
    });
    const cliBackfill = cli("backfill", json.dir, url);
    log(`CLI backfill: ${fmt(rate(cliBackfill.rows, cliBackfill.totalMs))} rows/s from spawn to exit, peak RSS ${mb(cliBackfill.maxRss)}`);
    await withClient(url, (c) => c.query("VACUUM ANALYZE journal_store.journal_entries"));
    const cliCompare = cli("compare", json.dir, url);
    if (cliCompare.divergences !== 0) throw new Error(`CLI compare found ${cliCompare.divergences} divergences after backfill`);
    log(`CLI compare (equal): ${fmt(rate(cliCompare.rows, cliCompare.totalMs))} rows/s from spawn to exit, peak RSS ${mb(cliCompare.maxRss)}`);
    const compareEqual = child({ MODE: "compare", DIR: json.dir, DB_URL: url, BATCH: String(batch) });
    if (compareEqual.divergences !== 0) throw new Error(`compare found ${compareEqual.divergences} divergences after backfill`);
    log(`compare (equal): ${fmt(rate(compareEqual.rows, compareEqual.totalMs))} rows/s end to end`);
    const compareEqualHeld = child({ MODE: "compare", DIR: json.dir, DB_URL: url, BATCH: String(batch), SOURCE: "backend" });
    if (compareEqualHeld.divergences !== 0) throw new Error(`compare found ${compareEqualHeld.divergences} divergences after backfill`);
    log(`compare (equal, JSON held in memory): ${fmt(rate(compareEqualHeld.rows, compareEqualHeld.totalMs))} rows/s end to end`);
    const compareEqualOne = child({ MODE: "compare", DIR: json.dir, DB_URL: url, BATCH: String(batch), ...ONE_THREAD });
    if (compareEqualOne.divergences !== 0) throw new Error(`compare found ${compareEqualOne.divergences} divergences after backfill`);
    log(`compare (equal, hashed on one thread): ${fmt(rate(compareEqualOne.rows, compareEqualOne.totalMs))} rows/s end to end`);
    const compareEqualWorker = child({ MODE: "compare", DIR: json.dir, DB_URL: url, BATCH: String(batch), ...ONE_WORKER });
    if (compareEqualWorker.divergences !== 0) throw new Error(`compare found ${compareEqualWorker.divergences} divergences after backfill`);
    log(`compare (equal, one worker thread beside): ${fmt(rate(compareEqualWorker.rows, compareEqualWorker.totalMs))} rows/s end to end`);
    const changed = await withClient(url, async (c) => {
      const r = await c.query(
        `WITH t AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM journal_store.journal_entries)
         UPDATE journal_store.journal_entries e SET title = e.title || ' (changed)' FROM t WHERE t.id = e.id AND t.rn % 100 = 0`,
      );
      return r.rowCount ?? 0;
    });
    const compareDiff = child({ MODE: "compare", DIR: json.dir, DB_URL: url, BATCH: String(batch) });
    if (compareDiff.divergences !== changed) throw new Error(`compare found ${compareDiff.divergences} divergences, ${changed} planted`);
    log(`compare (1% differ): ${fmt(rate(compareDiff.rows, compareDiff.totalMs))} rows/s end to end`);
    const compareDiffOne = child({ MODE: "compare", DIR: json.dir, DB_URL: url, BATCH: String(batch), ...ONE_THREAD });
    if (compareDiffOne.divergences !== changed) throw new Error(`compare found ${compareDiffOne.divergences} divergences, ${changed} planted`);
    log(`compare (1% differ, hashed on one thread): ${fmt(rate(compareDiffOne.rows, compareDiffOne.totalMs))} rows/s end to end`);
    const compareDiffWorker = child({ MODE: "compare", DIR: json.dir, DB_URL: url, BATCH: String(batch), ...ONE_WORKER });
    if (compareDiffWorker.divergences !== changed) throw new Error(`compare found ${compareDiffWorker.divergences} divergences, ${changed} planted`);
    log(`compare (1% differ, one worker thread beside): ${fmt(rate(compareDiffWorker.rows, compareDiffWorker.totalMs))} rows/s end to end`);
    return {
      ...{ n, jsonBytes: json.bytes, rawOff, rawOn, gin, cliBackfill, cliCompare, statement, bulk, bulkLoad, bulkLoadHeld },
      ...{ compareEqual, compareEqualHeld, compareEqualOne, compareEqualWorker, compareDiff, compareDiffOne, compareDiffWorker, changed },
    };
  } finally {
    await rm(json.dir, { recursive: true, force: true });
  }
}

const dbName = `journal_store_bench_${randomBytes(4).toString("hex")}`;
const url = dbUrl(dbName);
await withClient(admin, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(dbName)}`));
const results: SizeResult[] = [];
let sweep: Awaited<ReturnType<typeof thresholds>> = [];
try {
  await migrate(url);
  if (process.env.BENCH_ONLY !== "sizes") sweep = await thresholds(url);
  if (process.env.BENCH_ONLY !== "sweep") ensureBuilt();
  if (process.env.BENCH_ONLY !== "sweep") for (const n of sizes) results.push(await benchSize(n, url));
} finally {
  await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(dbName)} WITH (FORCE)`));
}

const e2e = (r: ChildResult) => rate(r.rows, r.totalMs);
const lines: string[] = [
  `Sync benchmark: JSON-file store -> local PostgreSQL, one run (Node ${process.version}, backfill batch size ${fmt(batch)}, bulk path from ${fmt(BULK_DEFAULTS.minRows)} rows).`,
  "",
  "Rows/s are journal entries plus 1,000 users, end to end: the child process opens (reads) the JSON store, then runs the operation. Raw COPY streams the same entries into a table LIKE journal_entries INCLUDING ALL.",
  "",
  `| entries | JSON data | raw COPY (GIN fastupdate off / on) | backfill before (statement, GIN written through) | backfill default (bulk-load mode, batches of ${fmt(batch)}) | backfill, bulk-load mode + COPY path (batches of ${fmt(bulkBatch)}) | default / best raw COPY | peak RSS of default backfill | compare, equal | compare, 1% differ |`,
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map((r) => {
    const best = Math.max(rate(r.n, r.rawOff), rate(r.n, r.rawOn));
    return `| ${fmt(r.n)} | ${mb(r.jsonBytes)} | ${fmt(rate(r.n, r.rawOff))} / ${fmt(rate(r.n, r.rawOn))} | ${fmt(e2e(r.statement))} | ${fmt(e2e(r.bulkLoad))} | ${fmt(e2e(r.bulk))} | ${(e2e(r.bulkLoad) / best).toFixed(2)}x | ${mb(r.bulkLoad.maxRss)} (${(r.bulkLoad.maxRss / r.jsonBytes).toFixed(2)}x data) | ${fmt(e2e(r.compareEqual))} | ${fmt(e2e(r.compareDiff))} (${fmt(r.changed)} found) |`;
  }),
  "",
  "The JSON read two ways, side by side (library children on the built package, default options): a jsonFileSource leaves the rows on disk and reads a page at a time (the rows/s and RSS above); a read-only jsonFileBackend holds every row in memory.",
  "",
  "| entries | JSON data | backfill rows/s, source / backend | its peak RSS, source / backend | compare (equal) rows/s, source / backend | its peak RSS, source / backend |",
  "| ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map(
    (r) =>
      `| ${fmt(r.n)} | ${mb(r.jsonBytes)} | ${fmt(e2e(r.bulkLoad))} / ${fmt(e2e(r.bulkLoadHeld))} | ${mb(r.bulkLoad.maxRss)} / ${mb(r.bulkLoadHeld.maxRss)} | ${fmt(e2e(r.compareEqual))} / ${fmt(e2e(r.compareEqualHeld))} | ${mb(r.compareEqual.maxRss)} / ${mb(r.compareEqualHeld.maxRss)} |`,
  ),
  "",
  `The JSON side's hashing (compare's checksums) on one thread only (\`hashThreads: 0\`) and with one worker thread beside it (\`hashThreads: 1, minRowsPerHashThread: 10000\`), side by side; the default (the tables above) starts ${JSON_SOURCE_DEFAULTS.hashThreads} worker(s) on this host once each thread gets ${fmt(JSON_SOURCE_DEFAULTS.minRowsPerHashThread)} rows:`,
  "",
  "| entries | compare (equal) rows/s, one thread / one worker beside | ratio | its peak RSS, one thread / one worker beside | compare (1% differ) rows/s, one thread / one worker beside | ratio |",
  "| ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map(
    (r) =>
      `| ${fmt(r.n)} | ${fmt(e2e(r.compareEqualOne))} / ${fmt(e2e(r.compareEqualWorker))} | ${(e2e(r.compareEqualWorker) / e2e(r.compareEqualOne)).toFixed(2)}x | ${mb(r.compareEqualOne.maxRss)} / ${mb(r.compareEqualWorker.maxRss)} | ${fmt(e2e(r.compareDiffOne))} / ${fmt(e2e(r.compareDiffWorker))} | ${(e2e(r.compareDiffWorker) / e2e(r.compareDiffOne)).toFixed(2)}x |`,
  ),
  "",
  "Time split (ms): JSON open / operation, per child.",
  "",
  "| entries | backfill before | backfill default | backfill COPY path | backfill default, JSON held | compare equal | compare equal, JSON held | compare 1% |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map((r) => {
    const s = (c: ChildResult) => `${c.openMs.toFixed(0)} / ${(c.backfillMs ?? c.compareMs ?? 0).toFixed(0)}`;
    return `| ${fmt(r.n)} | ${s(r.statement)} | ${s(r.bulkLoad)} | ${s(r.bulk)} | ${s(r.bulkLoadHeld)} | ${s(r.compareEqual)} | ${s(r.compareEqualHeld)} | ${s(r.compareDiff)} |`;
  }),
];
lines.push(
  "",
  "The built CLI (`node dist/cli.js --mode backfill|compare --json`, default options), timed from spawn to exit (Node's start included), peak RSS of the process:",
  "",
  "| entries | JSON data | CLI backfill rows/s | its peak RSS | CLI compare (equal) rows/s | its peak RSS |",
  "| ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map(
    (r) =>
      `| ${fmt(r.n)} | ${mb(r.jsonBytes)} | ${fmt(e2e(r.cliBackfill))} | ${mb(r.cliBackfill.maxRss)} (${(r.cliBackfill.maxRss / r.jsonBytes).toFixed(2)}x data) | ${fmt(e2e(r.cliCompare))} | ${mb(r.cliCompare.maxRss)} (${(r.cliCompare.maxRss / r.jsonBytes).toFixed(2)}x data) |`,
  ),
);
lines.push(
  "",
  "The GIN indexes' ceiling: the same raw COPY with the tags and trigram GIN indexes dropped, then each built by one CREATE INDEX (as a restore does). The builds' rows/s alone bound every load that keeps those indexes on this host.",
  "",
  "| entries | COPY without GIN rows/s | CREATE INDEX of the GIN indexes, rows/s | both, rows/s | best backfill / GIN builds alone |",
  "| ---: | ---: | ---: | ---: | ---: |",
  ...results.map((r) => {
    const b = Math.max(e2e(r.bulkLoad), e2e(r.bulk));
    return `| ${fmt(r.n)} | ${fmt(rate(r.n, r.gin.copyMs))} | ${fmt(rate(r.n, r.gin.indexMs))} | ${fmt(rate(r.n, r.gin.copyMs + r.gin.indexMs))} | ${(b / rate(r.n, r.gin.indexMs)).toFixed(2)}x |`;
  }),
);
if (sweep.length > 0) {
  lines.push(
    "",
    `applyReplicated of ${fmt(Number(process.env.BENCH_SWEEP_ROWS ?? 20_000))} rows per path into one table in bulk-load mode, by batch size (the paths alternate batch by batch):`,
    "",
    "| collection | batch | single statement rows/s | bulk path rows/s | bulk / statement |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...sweep.map((s) => `| ${s.collection} | ${fmt(s.size)} | ${fmt(s.statement)} | ${fmt(s.bulk)} | ${(s.bulk / s.statement).toFixed(2)}x |`),
  );
}
lines.push("", "Targets:");
for (const r of results) {
  const best = Math.max(rate(r.n, r.rawOff), rate(r.n, r.rawOn));
  const met = (ok: boolean) => (ok ? "met" : "MISSED");
  const b = Math.max(e2e(r.bulkLoad), e2e(r.bulk));
  lines.push(`- ${fmt(r.n)}: backfill (faster of default and COPY path) ${fmt(b)} rows/s, ${(b / e2e(r.statement)).toFixed(2)}x before (target >= 40,000) ${met(b >= 40_000)}; ${(b / best).toFixed(2)}x raw COPY (target >= 0.4x) ${met(b / best >= 0.4)}`);
  lines.push(`- ${fmt(r.n)}: compare, equal: ${fmt(e2e(r.compareEqual))} rows/s (target >= 100,000) ${met(e2e(r.compareEqual) >= 100_000)}; 1% differ: ${fmt(e2e(r.compareDiff))} rows/s (target >= 30,000) ${met(e2e(r.compareDiff) >= 30_000)}`);
  const peak = Math.max(r.cliBackfill.maxRss, r.cliCompare.maxRss) / r.jsonBytes;
  lines.push(`- ${fmt(r.n)}: CLI peak RSS (backfill, compare) ${peak.toFixed(2)}x JSON data (target <= 2x) ${met(peak <= 2)}`);
}
process.stdout.write(`${lines.join("\n")}\n`);
