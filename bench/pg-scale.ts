/**
 * `npm run bench:pg-scale`: what the scale-out options cost, side by side in one run.
 *
 * 1. Replica routing: reads (get by id, a user's latest 20 entries) through a backend with
 *    `replicas` (the replica caught up, so every read goes to it) against a plain backend on the
 *    primary. Both servers run on this host; the router's own cost is the difference.
 * 2. Prepared statements off: the same reads and a single-row insert on the primary with
 *    `preparedStatements: false` against the default (named prepared statements).
 *
 * Serial calls, interleaved so drift hits every variant alike; p50 and p99 in ms and the ratio
 * of p50s. Starts its own primary and streaming replica (test/support/replication.ts) and removes
 * them at the end. BENCH_QUICK=1 shrinks the sizes for a smoke run.
 */
import { migrate, postgresBackend } from "../src/backends/postgres/index.js";
import type { Backend } from "../src/backend.js";
import { newRow } from "../src/model/entity.js";
import { entryModel } from "../src/model/entities/entries.js";
import { userModel } from "../src/model/entities/users.js";
import { uuidv7 } from "../src/model/ids.js";
import { withClient, withDatabase } from "../test/support/pg-client.js";
import { startReplicatedCluster } from "../test/support/replication.js";

const QUICK = process.env.BENCH_QUICK === "1";
const CALLS = QUICK ? 300 : 3000;
const USERS = QUICK ? 50 : 200;
const PER_USER = 50;
const T0 = "2026-01-05T09:00:00.000Z";

const now = () => Number(process.hrtime.bigint()) / 1e6;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
let seed = 1;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

type Op = (b: Backend) => Promise<unknown>;

/** p50/p99 of `op` on each backend, calls interleaved, after a warm-up. */
async function sideBySide(backends: Record<string, Backend>, op: Op): Promise<Record<string, { p50: number; p99: number }>> {
  const names = Object.keys(backends);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < CALLS + 100; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      const t = now();
      await op(backends[name]!);
      if (i >= 100) times[name]!.push(now() - t);
    }
  }
  return Object.fromEntries(
    names.map((n) => {
      const sorted = times[n]!.sort((a, b) => a - b);
      return [n, { p50: pct(sorted, 50), p99: pct(sorted, 99) }];
    }),
  );
}

function report(title: string, base: string, other: string, rows: [string, Record<string, { p50: number; p99: number }>][]): string {
  const head = `| operation | ${base} p50 | ${other} p50 | ${other}/${base} p50 | ${base} p99 | ${other} p99 |`;
  const lines = rows.map(([op, r]) => {
    const a = r[base]!;
    const b = r[other]!;
    return `| ${op} | ${a.p50.toFixed(3)} | ${b.p50.toFixed(3)} | ${(b.p50 / a.p50).toFixed(2)}x | ${a.p99.toFixed(3)} | ${b.p99.toFixed(3)} |`;
  });
  return [`### ${title}`, "", head, "| --- | --- | --- | --- | --- | --- |", ...lines].join("\n");
}

async function main(): Promise<void> {
  const cluster = await startReplicatedCluster();
  const opened: Backend[] = [];
  try {
    await withClient(cluster.primaryUrl, (c) => c.query("CREATE DATABASE bench"));
    const primary = withDatabase(cluster.primaryUrl, "bench");
    const replica = withDatabase(cluster.replicaUrl, "bench");
    await migrate(primary);
    const open = (b: Backend) => (opened.push(b), b);
    const plain = open(postgresBackend({ connectionString: primary, poolSize: 2 }));
    const users: string[] = [];
    const entries: string[] = [];
    for (let u = 0; u < USERS; u++) {
      const user = newRow(userModel, { email: `bench${u}@example.com`, displayName: `B${u}` }, uuidv7(), T0);
      await plain.insert("users", user);
      users.push(user.id);
      const rows = Array.from({ length: PER_USER }, (_, i) =>
        newRow(entryModel, { userId: user.id, title: `t${i}`, content: "calm morning walk", entryDate: "2026-01-05" }, uuidv7(), T0),
      );
      await plain.applyReplicated("journalEntries", rows);
      entries.push(...rows.map((r) => r.id));
    }
    await withClient(primary, (c) => c.query("ANALYZE"));
    const target = await withClient(primary, async (c) => (await c.query("SELECT pg_current_wal_lsn()::text AS l")).rows[0].l as string);
    for (;;) {
      const ok = await withClient(replica, async (c) => (await c.query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok", [target])).rows[0].ok);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const anyEntry = () => entries[Math.floor(rnd() * entries.length)]!;
    const anyUser = () => users[Math.floor(rnd() * users.length)]!;
    const get: Op = (b) => b.get("journalEntries", anyEntry());
    const list: Op = (b) =>
      b.query("journalEntries", { where: [{ field: "userId", op: "eq", value: anyUser() }], orderBy: { field: "entryDate", direction: "desc" }, limit: 20 });
    let n = 0;
    const insert: Op = (b) =>
      b.insert("journalEntries", newRow(entryModel, { userId: anyUser(), title: `n${n++}`, content: "x", entryDate: "2026-01-06" }, uuidv7(), T0));

    const routed = open(postgresBackend({ connectionString: primary, replicas: [replica], poolSize: 2 }));
    const routing = { primary: plain, routed };
    const routingRows: [string, Record<string, { p50: number; p99: number }>][] = [
      ["get by id", await sideBySide(routing, get)],
      ["latest 20 of a user", await sideBySide(routing, list)],
    ];
    const stats = (routed as ReturnType<typeof postgresBackend>).stats();

    const unnamed = open(postgresBackend({ connectionString: primary, poolSize: 2, preparedStatements: false }));
    const prepared = { prepared: plain, unnamed };
    const preparedRows: [string, Record<string, { p50: number; p99: number }>][] = [
      ["get by id", await sideBySide(prepared, get)],
      ["latest 20 of a user", await sideBySide(prepared, list)],
      ["insert one entry", await sideBySide(prepared, insert)],
    ];

    console.log(`${CALLS} serial calls per variant, interleaved; ms per call.\n`);
    console.log(report("Replica routing (replica caught up) vs the plain backend on the primary", "primary", "routed", routingRows));
    console.log(`\nrouted reads: ${JSON.stringify(stats.reads)}, fallbacks ${stats.fallbacks}\n`);
    console.log(report("preparedStatements: false vs named prepared statements (primary)", "prepared", "unnamed", preparedRows));
  } finally {
    await Promise.all(opened.map((b) => b.close()));
    await cluster.stop();
  }
}

await main();
