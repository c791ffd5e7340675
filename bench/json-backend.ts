/**
 * `npm run bench:json`: durable single-record write latency (p50/p99), open time and heap after
 * open of the JSON-file backend at 1k, 10k, 100k and 1M journal entries (~1 KB content each),
 * side by side in one run with lowdb 7 (JSONFile adapter) doing the same writes up to 100k.
 *
 * BENCH_SIZES=1000,10000 limits the sizes; BENCH_DIR picks the scratch directory (default: the
 * OS temp dir; it needs about 3 GB free for 1M). Prints a Markdown table and the ratios.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { jsonFileBackend } from "../src/backends/json/index.js";
import type { JournalEntryRow } from "../src/model/rows.js";
import { entryRow, percentile, userRow } from "./json-rows.js";

const here = dirname(fileURLToPath(import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? "1000,10000,100000,1000000").split(",").map(Number);
const LOWDB_MAX = 100_000;
const scratch = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), "journal-bench-"));

interface Result {
  n: number;
  dataBytes: number;
  json: { p50: number; p99: number; floorP50: number; floorP99: number; openMs: number; heapAfterOpen: number };
  lowdb: { p50: number; p99: number; openMs: number; writes: number } | null;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

async function benchJson(n: number): Promise<Result["json"] & { dataBytes: number }> {
  const dir = join(scratch, `json-${n}`);
  const user = userRow();
  const loader = jsonFileBackend({ dir, autoCompact: false });
  await loader.insert("users", user);
  const batch = 2000;
  for (let from = 0; from < n; from += batch) {
    const rows: JournalEntryRow[] = [];
    for (let i = from; i < Math.min(n, from + batch); i++) rows.push(entryRow(i + 1, user.id));
    await loader.applyReplicated("journalEntries", rows);
  }
  await loader.compact();
  await loader.close();
  const dataBytes = await dirBytes(dir);
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", "--max-old-space-size=16384", "--import", "tsx", join(here, "json-measure.ts")],
    { env: { ...process.env, DIR: dir, USER_ID: user.id, WRITES: "2000" }, encoding: "utf8", maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) throw new Error(`measure child failed: ${child.stderr}`);
  await rm(dir, { recursive: true, force: true });
  return { ...JSON.parse(child.stdout.trim().split("\n").pop()!), dataBytes };
}

async function benchLowdb(n: number): Promise<NonNullable<Result["lowdb"]>> {
  const file = join(scratch, `lowdb-${n}.json`);
  const user = userRow();
  const seed = new Low(new JSONFile<{ users: unknown[]; journalEntries: JournalEntryRow[] }>(file), { users: [], journalEntries: [] });
  seed.data.users.push(user);
  for (let i = 0; i < n; i++) seed.data.journalEntries.push(entryRow(i + 1, user.id));
  await seed.write();
  seed.data.journalEntries = [];
  const t0 = performance.now();
  const db = new Low(new JSONFile<{ users: unknown[]; journalEntries: JournalEntryRow[] }>(file), { users: [], journalEntries: [] });
  await db.read();
  const openMs = performance.now() - t0;
  const writes = n >= 100_000 ? 10 : n >= 10_000 ? 50 : 200;
  const latencies: number[] = [];
  for (let i = 0; i < writes; i++) {
    const start = performance.now();
    db.data.journalEntries.push(entryRow(10_000_000 + i, user.id));
    await db.write();
    latencies.push(performance.now() - start);
  }
  await rm(file, { force: true });
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), openMs, writes };
}

const results: Result[] = [];
try {
  for (const n of sizes) {
    const json = await benchJson(n);
    const lowdb = n <= LOWDB_MAX ? await benchLowdb(n) : null;
    results.push({ n, dataBytes: json.dataBytes, json, lowdb });
    process.stderr.write(`done ${n}\n`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const ms = (v: number) => (v < 10 ? v.toFixed(3) : v.toFixed(0));
const mb = (v: number) => `${(v / 1024 / 1024).toFixed(0)} MB`;
const lines = [
  `JSON-file backend vs lowdb 7 (JSONFile), durable single-record inserts, one run (Node ${process.version}).`,
  "",
  "The disk floor is a bare pwrite + fdatasync of the same size into a preallocated file, run after each store write, so both see the same moments of the disk's tail latency.",
  "",
  "| entries | data on disk | json p50 ms | json p99 ms | disk floor p50 / p99 ms | json open ms | heap after open | lowdb p50 ms | lowdb p99 ms | lowdb open ms | lowdb p50 / json p50 |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map((r) =>
    `| ${r.n.toLocaleString("en")} | ${mb(r.dataBytes)} | ${ms(r.json.p50)} | ${ms(r.json.p99)} | ${ms(r.json.floorP50)} / ${ms(r.json.floorP99)} | ${ms(r.json.openMs)} | ${mb(r.json.heapAfterOpen)} (${(r.json.heapAfterOpen / r.dataBytes).toFixed(2)}x data) | ` +
    (r.lowdb ? `${ms(r.lowdb.p50)} | ${ms(r.lowdb.p99)} | ${ms(r.lowdb.openMs)} | ${Math.round(r.lowdb.p50 / r.json.p50)}x |` : "– | – | – | – |"),
  ),
];
const at = (n: number) => results.find((r) => r.n === n);
const small = at(1000);
const mid = at(100_000);
const big = at(1_000_000);
lines.push("", "Targets:");
if (mid) {
  lines.push(`- p50 at 100k: ${ms(mid.json.p50)} ms (target <= 0.5) ${mid.json.p50 <= 0.5 ? "met" : "MISSED"}`);
  lines.push(`- p99 at 100k: ${ms(mid.json.p99)} ms (target <= 2) ${mid.json.p99 <= 2 ? "met" : "MISSED"}; the bare disk's p99 beside it: ${ms(mid.json.floorP99)} ms (${(mid.json.p99 / mid.json.floorP99).toFixed(2)}x)`);
  if (small) lines.push(`- p50 at 100k / p50 at 1k: ${(mid.json.p50 / small.json.p50).toFixed(2)} (target <= 1.5) ${mid.json.p50 / small.json.p50 <= 1.5 ? "met" : "MISSED"}`);
  if (mid.lowdb) lines.push(`- lowdb p50 / json p50 at 100k: ${Math.round(mid.lowdb.p50 / mid.json.p50)}x (target >= 1000x) ${mid.lowdb.p50 / mid.json.p50 >= 1000 ? "met" : "MISSED"}`);
  lines.push(`- open at 100k: ${ms(mid.json.openMs)} ms (target <= 1000) ${mid.json.openMs <= 1000 ? "met" : "MISSED"}`);
}
if (big) {
  lines.push(`- open at 1M: ${ms(big.json.openMs)} ms (target <= 15000) ${big.json.openMs <= 15000 ? "met" : "MISSED"}`);
  lines.push(`- heap after opening 1M: ${(big.json.heapAfterOpen / big.dataBytes).toFixed(2)}x data (target <= 2.5x) ${big.json.heapAfterOpen / big.dataBytes <= 2.5 ? "met" : "MISSED"}`);
}
process.stdout.write(`${lines.join("\n")}\n`);
