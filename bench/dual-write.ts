/**
 * `npm run bench:dual`: the dual-write backend against each backend alone, side by side in one
 * run, through the facade (`createStore`), so it measures what an app sees.
 *
 * Part 1 — latency. One JSON-file store and one PostgreSQL database, opened once and shared by
 * every configuration, so all of them write to the same files over the same connections:
 *   - `json` and `postgres` alone (and each one's bare one-row `applyReplicated`, the floor of a
 *     secondary write);
 *   - json -> postgres (JSON primary): stage `dual-write` in sync and in async mode, and stage
 *     `shadow` at shadowSample 0 and 1;
 *   - postgres -> json (PostgreSQL primary): stage `live` in sync and in async mode at
 *     shadowSample 0, and `live` at shadowSample 1;
 *   - the same dual writes by hand, without the adapter: `entries.create` on a store over the
 *     primary, then the bare applyReplicated of the entry it returns on the secondary, awaited or
 *     chained behind the caller: the floor of a dual write on this host, where the two stores
 *     share the disk and the CPUs.
 * Operations: `entries.create` (one user that no read touches), `entries.get` of a preloaded
 * entry, `entries.list` (latest 20) of a preloaded user. Rounds alternate the configurations
 * (a burst of each per round, in a new shuffled order every round) after warm-up rounds, so host noise
 * hits all of them alike. Work a configuration leaves behind (async secondary writes, shadow
 * reads) is drained, untimed, before the next configuration runs, so it lands on its own calls
 * and never on a neighbour's. Every backend call is metered, so each call's latency splits into
 * time inside the primary, inside the secondary, and the rest (facade, adapter, event loop). The
 * background reconcile pass (every `reconcileIntervalMs`, 1 s by default) is held off here,
 * since the instances share storage; part 2 measures a pass.
 *
 * Part 2 — reconcile. BENCH_RECONCILE_ROWS changes (default 100,000: users and ~1 KB entries) on
 * a primary whose secondary is empty, `reconcile({ since: 0 })` on a dual-write backend, rows/s,
 * both directions, with the time the pass spent inside the secondary's writes (its floor).
 *
 * Needs DATABASE_URL (a user that may CREATE DATABASE); creates its own databases and a temp dir
 * and removes them at the end. BENCH_QUICK=1 shrinks everything for a smoke run; BENCH_WRITES,
 * BENCH_READS (per configuration and operation), BENCH_BURST, BENCH_RECONCILE_ROWS scale it;
 * BENCH_ONLY=latency|reconcile runs one part; BENCH_DIR picks the scratch directory.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Backend } from "../src/backend.js";
import { jsonFileBackend } from "../src/backends/json/index.js";
import { migrate, postgresBackend } from "../src/backends/postgres/index.js";
import { createStore, DUAL_WRITE_DEFAULTS, dualWriteBackend, type DualWriteBackend, type DualWriteOptions, type Store } from "../src/index.js";
import { newRow } from "../src/model/entity.js";
import { entryModel } from "../src/model/entities/entries.js";
import { userModel } from "../src/model/entities/users.js";
import { uuidv7 } from "../src/model/ids.js";
import type { AnyRow, CollectionName, JournalEntryRow, UserRow } from "../src/model/rows.js";
import { keepOpen } from "../test/support/keep-open.js";
import { withClient } from "../test/support/pg-client.js";
import { benchId, entryRow, percentile } from "./json-rows.js";
import { prng, table } from "./report.js";

const env = process.env;
const QUICK = env.BENCH_QUICK === "1";
function whole(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive whole number`);
    process.exit(2);
  }
  return n;
}
const WRITES = whole("BENCH_WRITES", QUICK ? 100 : 400);
const READS = whole("BENCH_READS", QUICK ? 400 : 2000);
const BURST = whole("BENCH_BURST", 20);
const RECONCILE_ROWS = whole("BENCH_RECONCILE_ROWS", QUICK ? 10_000 : 100_000);
const ONLY = env.BENCH_ONLY === "latency" || env.BENCH_ONLY === "reconcile" ? env.BENCH_ONLY : undefined;
/** Preloaded read data: users x entries, identical on both sides. */
const USERS = 200;
const PER_USER = 25;
/** Connections: DB_POOL_SIZE, else 4 per CPU (as bench:pg). */
const POOL = Number(env.DB_POOL_SIZE) > 0 ? Number(env.DB_POOL_SIZE) : 4 * cpus().length;
/** Rows per change-feed page and secondary batch: the dual-write default. */
const BATCH = DUAL_WRITE_DEFAULTS.batchSize;
/** Holds the background pass off during part 1 (see the header). */
const NO_BACKGROUND_PASS = 3_600_000;

const admin = env.DATABASE_URL;
if (!admin) {
  console.error("bench:dual needs DATABASE_URL (a PostgreSQL user allowed to CREATE DATABASE)");
  process.exit(2);
}
const runId = randomBytes(4).toString("hex");
const databases: string[] = [];
const urlOf = (name: string) => {
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
};

/** A fresh, migrated database of this run (dropped at the end). */
async function freshDatabase(role: string): Promise<string> {
  const name = `journal_store_bench_dual_${runId}_${role}`;
  await withClient(admin!, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  databases.push(name);
  await migrate(urlOf(name));
  return urlOf(name);
}

const ms = (v: number) => (v < 10 ? v.toFixed(3) : v.toFixed(1));
const x = (v: number) => `${v.toFixed(2)}x`;

// ---------------------------------------------------------------------------------------------
// data

const T0 = Date.UTC(2026, 0, 1);

function userRow(n: number, kind: number): UserRow {
  return newRow(userModel, { email: `bench-${kind}-${n}@example.com`, displayName: `Bench ${n}` }, benchId(n, kind), new Date(T0).toISOString());
}

/** Applies `rows` in batches of `size` and fails unless every row was applied. */
async function applyAll(backend: Backend, collection: CollectionName, rows: readonly AnyRow[], size: number): Promise<void> {
  for (let i = 0; i < rows.length; i += size) {
    const outcomes = await backend.applyReplicated(collection, rows.slice(i, i + size) as never[]);
    const refused = outcomes.find((o) => o.outcome !== "applied");
    if (refused) throw new Error(`load: ${collection} ${refused.id} was ${refused.outcome}`);
  }
}

/** The rows of part 2: `total` changes, one user per 100 entries. */
function reconcileRows(total: number): { users: UserRow[]; entries: JournalEntryRow[] } {
  const users = Array.from({ length: Math.max(1, Math.floor(total / 100)) }, (_, u) => userRow(u + 1, 3));
  const entries = Array.from({ length: total - users.length }, (_, i) => entryRow(i + 1, users[i % users.length]!.id));
  return { users, entries };
}

// ---------------------------------------------------------------------------------------------
// part 1: latency

/** `create` goes through the facade; `apply` is a backend's bare one-row `applyReplicated` (the floor of a secondary write). */
type OpName = "create" | "apply" | "get" | "list";
type SideName = "json" | "postgres";

/**
 * Milliseconds spent inside each backend's calls, by whichever caller: read before and after a
 * measured call, the difference is the time that call spent in a backend, and the rest of its
 * latency is the facade's and the dual-write path's own.
 */
const inside: Record<SideName, number> = { json: 0, postgres: 0 };

/** A view of a shared backend that adds the time of every call to `inside[side]` (and never closes it). */
function metered(backend: Backend, side: SideName): Backend {
  const shared = keepOpen(backend);
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(shared, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function" || prop === "close") return value;
      let wrapper = wrappers.get(prop);
      if (!wrapper) {
        wrapper = (...args: unknown[]) => {
          const t0 = performance.now();
          return (value as (...a: unknown[]) => Promise<unknown>)(...args).finally(() => {
            inside[side] += performance.now() - t0;
          });
        };
        wrappers.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}

/** Per-call samples of one operation: total latency, time inside the primary and the secondary. */
interface Samples {
  total: number[];
  primary: number[];
  secondary: number[];
  /** total minus the backend time the caller waited for (see {@link Config.waitsFor}). */
  own: number[];
}

/** One measured configuration: a store, and the dual-write backend under it if any. */
interface Config {
  name: string;
  store: Store;
  /** The side a call runs on first (the only side of a backend alone). */
  primary: SideName;
  secondary: SideName | null;
  /** True when a write returns only after the secondary too (sync mode). */
  syncWrites: boolean;
  dual?: DualWriteBackend;
  /** Reads that start a shadow read (so the drain knows how many to wait for). */
  shadows: boolean;
  ops: OpName[];
  samples: Record<OpName, Samples>;
  /** Shadow reads started so far. */
  shadowed: number;
  /**
   * A dual write by hand, without the adapter (the floor of a dual write on this host): create
   * through the facade on the primary, then the bare applyReplicated of the returned entry on the
   * secondary, awaited (`sync`) or chained behind the caller (`async`).
   */
  byHand?: "sync" | "async";
  /** The by-hand async chain. */
  chain: Promise<unknown>;
}

/** Waits, untimed, until the work a configuration left behind (async writes, shadow reads) is done. */
async function drain(c: Config): Promise<void> {
  await c.chain;
  if (!c.dual) return;
  const deadline = performance.now() + 30_000;
  for (;;) {
    const s = c.dual.stats();
    if (s.pending === 0 && s.shadow.compared + s.shadow.failed >= c.shadowed) return;
    if (performance.now() > deadline) throw new Error(`${c.name}: background work did not drain in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** p50 and p99 of one series, ms. */
interface Figure {
  p50: number;
  p99: number;
  n: number;
}

interface LatencyResult {
  /** configuration -> operation -> total latency. */
  figures: Record<string, Partial<Record<OpName, Figure>>>;
  /**
   * configuration -> operation -> p50 of the per-call split: time inside the primary, inside the
   * secondary (sync writes only), and the rest (facade, dual-write path, event loop).
   */
  split: Record<string, Partial<Record<OpName, { primary: number; secondary: number; own: number }>>>;
  /** Shadow reads compared and consistent, per shadowing configuration. */
  shadow: Record<string, { compared: number; consistent: number; failed: number }>;
}

async function latency(dir: string): Promise<LatencyResult> {
  const url = await freshDatabase("latency");
  const pool = new pg.Pool({ connectionString: url, max: POOL, application_name: "journal-store-bench-dual", idleTimeoutMillis: 60_000 });
  pool.on("error", () => {});
  const json = jsonFileBackend({ dir: join(dir, "latency") });
  const postgres = postgresBackend({ pool });
  const sides: Record<SideName, Backend> = { json: metered(json, "json"), postgres: metered(postgres, "postgres") };

  // Read data and the writer, identical on both sides, before any dual-write backend exists (its
  // watermark starts at the primary's horizon, so these are not replicated again).
  const users = Array.from({ length: USERS + 1 }, (_, u) => userRow(u + 1, 1));
  const writer = users.pop()!;
  const entries = users.flatMap((u, i) => Array.from({ length: PER_USER }, (_, k) => entryRow(i * PER_USER + k + 1, u.id)));
  for (const side of [json, postgres]) {
    await applyAll(side, "users", [...users, writer], 1000);
    await applyAll(side, "journalEntries", entries, 1000);
  }
  await withClient(url, (c) => c.query("VACUUM (ANALYZE)"));

  const configs: Config[] = [];
  const empty = (): Samples => ({ total: [], primary: [], secondary: [], own: [] });
  const add = async (name: string, ops: OpName[], options?: Omit<DualWriteOptions, "from" | "to">, byHand?: "sync" | "async"): Promise<void> => {
    let backend: Backend;
    let dual: DualWriteBackend | undefined;
    let primary: SideName = name.startsWith("postgres") || name.startsWith("pg") ? "postgres" : "json";
    let secondary: SideName | null = byHand ? (primary === "json" ? "postgres" : "json") : null;
    if (options) {
      // forceCutover: each configuration opens on the same stores in turn; the cutover gate is not what is measured.
      dual = dualWriteBackend({ from: sides.json, to: sides.postgres, reconcileIntervalMs: NO_BACKGROUND_PASS, forceCutover: true, ...options });
      await dual.whenReady();
      backend = dual;
      primary = options.stage === "live" ? "postgres" : "json";
      secondary = primary === "json" ? "postgres" : "json";
    } else backend = sides[primary];
    configs.push({
      name,
      store: createStore({ backend }),
      primary,
      secondary,
      syncWrites: byHand ? byHand === "sync" : !!options && options.secondaryWrites !== "async",
      dual,
      shadows: !!options && options.stage !== "dual-write" && (options.shadowSample ?? 0) > 0,
      ops,
      samples: { create: empty(), apply: empty(), get: empty(), list: empty() },
      shadowed: 0,
      byHand,
      chain: Promise.resolve(),
    });
  };
  await add("json", ["create", "apply", "get", "list"]);
  await add("postgres", ["create", "apply", "get", "list"]);
  // Opened in cutover order: the json-primary ones first, then the postgres-primary ones (whose
  // opening reconciles from the json side, as a process entering `live` does).
  await add("json->pg dual-write sync", ["create", "get", "list"], { stage: "dual-write", secondaryWrites: "sync" });
  await add("json->pg dual-write async", ["create"], { stage: "dual-write", secondaryWrites: "async" });
  await add("json->pg shadow sample 0", ["get", "list"], { stage: "shadow", shadowSample: 0 });
  await add("json->pg shadow sample 1", ["get", "list"], { stage: "shadow", shadowSample: 1 });
  await add("pg->json live sync", ["create", "get", "list"], { stage: "live", secondaryWrites: "sync", shadowSample: 0 });
  await add("pg->json live async", ["create"], { stage: "live", secondaryWrites: "async", shadowSample: 0 });
  await add("pg->json live sample 1", ["get", "list"], { stage: "live", shadowSample: 1 });
  await add("json->pg by hand, sync", ["create"], undefined, "sync");
  await add("json->pg by hand, async", ["create"], undefined, "async");
  await add("pg->json by hand, sync", ["create"], undefined, "sync");
  await add("pg->json by hand, async", ["create"], undefined, "async");

  const rnd = prng(42);
  const entryIds = entries.map((e) => e.id);
  const userIds = users.map((u) => u.id);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let n = 0;
  const content = "A calm morning walk before work, coffee on the porch, then a long meeting that went better than expected. ".repeat(4);
  const input = () => ({ userId: writer.id, title: "Bench", content: `${content}${n++}`, tags: ["work"], mood: 5 });
  const bare = () => newRow(entryModel, input(), uuidv7(), new Date().toISOString());
  const byHand = async (c: Config): Promise<void> => {
    const entry = await c.store.entries.create(input());
    const secondary = () => sides[c.secondary!].applyReplicated("journalEntries", [entry]);
    if (c.byHand === "sync") await secondary();
    else c.chain = c.chain.then(secondary);
  };
  const run = (c: Config, op: OpName): Promise<unknown> => {
    if (op === "create") return c.byHand ? byHand(c) : c.store.entries.create(input());
    // The row the facade would build for the same input, applied as a secondary receives it.
    if (op === "apply") return sides[c.primary].applyReplicated("journalEntries", [bare()]);
    if (c.shadows) c.shadowed++;
    if (op === "get") return c.store.entries.get(pick(entryIds));
    return c.store.entries.list({ userId: pick(userIds), limit: 20 });
  };

  const blocks = configs.flatMap((c) => c.ops.map((op) => ({ c, op })));
  const rounds = Math.ceil(WRITES / BURST);
  const readBurst = Math.max(1, Math.ceil(READS / rounds));
  const warmup = Math.max(3, Math.ceil(rounds / 10));
  const order = prng(7);
  for (let r = 0; r < warmup + rounds; r++) {
    // A new order every round (seeded shuffle), so no block always follows the same neighbour:
    // a read burst right after a write burst runs slower, and a fixed order would bias it.
    for (let i = blocks.length - 1; i > 0; i--) {
      const k = Math.floor(order() * (i + 1));
      [blocks[i], blocks[k]] = [blocks[k]!, blocks[i]!];
    }
    for (const { c, op } of blocks) {
      const count = op === "create" || op === "apply" ? BURST : readBurst;
      const s = c.samples[op];
      for (let i = 0; i < count; i++) {
        const p0 = inside[c.primary];
        const s0 = c.secondary ? inside[c.secondary] : 0;
        const t0 = performance.now();
        await run(c, op);
        const total = performance.now() - t0;
        if (r < warmup) continue;
        const primary = inside[c.primary] - p0;
        // Only a sync write waits for the secondary; other secondary time (async writes, shadow
        // reads) runs beside the caller.
        const secondary = c.secondary && op === "create" && c.syncWrites ? inside[c.secondary] - s0 : 0;
        s.total.push(total);
        s.primary.push(primary);
        s.secondary.push(secondary);
        s.own.push(total - primary - secondary);
      }
      await drain(c);
    }
  }

  const result: LatencyResult = { figures: {}, split: {}, shadow: {} };
  for (const c of configs) {
    const figure = (v: number[]): Figure => ({ p50: percentile(v, 0.5), p99: percentile(v, 0.99), n: v.length });
    result.figures[c.name] = Object.fromEntries(c.ops.map((op) => [op, figure(c.samples[op].total)]));
    result.split[c.name] = Object.fromEntries(
      c.ops.map((op) => {
        const s = c.samples[op];
        return [op, { primary: percentile(s.primary, 0.5), secondary: percentile(s.secondary, 0.5), own: percentile(s.own, 0.5) }];
      }),
    );
    if (c.dual && c.shadows) {
      const s = c.dual.stats();
      result.shadow[c.name] = { compared: s.shadow.compared, consistent: s.shadow.consistent, failed: s.shadow.failed };
    }
  }
  for (const c of configs) await c.store.close();
  await json.close();
  await postgres.close();
  await pool.end();
  return result;
}

// ---------------------------------------------------------------------------------------------
// part 2: reconcile

interface ReconcileResult {
  rows: number;
  seconds: number;
  rate: number;
  /** Seconds of the pass spent inside the secondary's `applyReplicated`, and inside the primary's feed reads. */
  inSecondary: number;
  inPrimary: number;
}

/**
 * Times `reconcile({ since: 0 })` on a dual-write pair whose secondary is empty, splitting the
 * pass into time inside each side (the secondary's writes are the floor a pass cannot beat).
 */
async function timedReconcile(json: Backend, postgres: Backend, stage: "dual-write" | "live", expected: number, bulkLoadAbove?: number): Promise<ReconcileResult> {
  const dual = dualWriteBackend({ from: metered(json, "json"), to: metered(postgres, "postgres"), stage, reconcileIntervalMs: NO_BACKGROUND_PASS, batchSize: BATCH, bulkLoadAbove, forceCutover: true });
  await dual.whenReady();
  const primary: SideName = stage === "live" ? "postgres" : "json";
  const secondary: SideName = primary === "json" ? "postgres" : "json";
  const before = { ...inside };
  const t0 = performance.now();
  const pass = await dual.reconcile({ since: 0 });
  const seconds = (performance.now() - t0) / 1000;
  if (!pass || pass.applied !== expected) throw new Error(`reconcile applied ${pass?.applied} rows, expected ${expected}`);
  const inPrimary = (inside[primary] - before[primary]) / 1000;
  const inSecondary = (inside[secondary] - before[secondary]) / 1000;
  await dual.close();
  await Promise.all([json.close(), postgres.close()]);
  return { rows: pass.applied, seconds, rate: pass.applied / seconds, inSecondary, inPrimary };
}

/** The directions timed; the one without a bulk load is the same pass one row at a time into GIN, beside it. */
type ReconcileRun = "json->pg" | "json->pg, no bulk load" | "pg->json";

async function reconcile(dir: string): Promise<Record<ReconcileRun, ReconcileResult>> {
  const data = reconcileRows(RECONCILE_ROWS);
  const total = data.users.length + data.entries.length;
  const url = await freshDatabase("reconcile");
  const pgSide = () => postgresBackend({ connectionString: url, poolSize: POOL, applicationName: "journal-store-bench-dual" });

  // json -> pg: the rows on the JSON primary (loaded untimed), PostgreSQL empty.
  const source = jsonFileBackend({ dir: join(dir, "reconcile-json-primary"), autoCompact: false });
  await applyAll(source, "users", data.users, 2000);
  await applyAll(source, "journalEntries", data.entries, 2000);
  // The same pass into a second empty database with bulkLoadAbove 0 (GIN fastupdate stays off).
  const plainUrl = await freshDatabase("reconcile_plain");
  const plain = await timedReconcile(keepOpen(source), postgresBackend({ connectionString: plainUrl, poolSize: POOL, applicationName: "journal-store-bench-dual" }), "dual-write", total, 0);
  const toPg = await timedReconcile(source, pgSide(), "dual-write", total);
  // pg -> json: the PostgreSQL side now holds the rows; a new, empty JSON secondary.
  const toJson = await timedReconcile(jsonFileBackend({ dir: join(dir, "reconcile-json-secondary"), autoCompact: false }), pgSide(), "live", total);
  return { "json->pg": toPg, "json->pg, no bulk load": plain, "pg->json": toJson };
}

// ---------------------------------------------------------------------------------------------
// report

interface Target {
  target: string;
  measured: string;
  ratio: number;
  limit: string;
  met: boolean;
}

function targets(lat: LatencyResult | null, rec: Awaited<ReturnType<typeof reconcile>> | null): Target[] {
  const out: Target[] = [];
  if (lat) {
    const f = (config: string, op: OpName) => lat.figures[config]![op]!.p50;
    const directions = [
      { label: "json->pg", primary: "json", secondary: "postgres", sync: "json->pg dual-write sync", async: "json->pg dual-write async", reads: "json->pg dual-write sync", readStage: "dual-write", s0: "json->pg shadow sample 0", s1: "json->pg shadow sample 1", shadowStage: "shadow" },
      { label: "pg->json", primary: "postgres", secondary: "json", sync: "pg->json live sync", async: "pg->json live async", reads: "pg->json live sync", readStage: "live at sample 0", s0: "pg->json live sync", s1: "pg->json live sample 1", shadowStage: "live" },
    ];
    for (const d of directions) {
      const sum = f(d.primary, "create") + f(d.secondary, "create");
      const sync = f(d.sync, "create");
      out.push({ target: `${d.label} sync write p50 <= 1.1x (${d.primary} + ${d.secondary} alone)`, measured: `${ms(sync)} vs ${ms(sum)} ms`, ratio: sync / sum, limit: "<= 1.10x", met: sync / sum <= 1.1 });
      const async = f(d.async, "create");
      const alone = f(d.primary, "create");
      out.push({ target: `${d.label} async write p50 <= 1.15x ${d.primary} alone`, measured: `${ms(async)} vs ${ms(alone)} ms`, ratio: async / alone, limit: "<= 1.15x", met: async / alone <= 1.15 });
      for (const op of ["get", "list"] as const) {
        const dw = f(d.reads, op);
        const p = f(d.primary, op);
        out.push({ target: `${d.label} ${op} p50 in ${d.readStage} <= 1.05x ${d.primary} alone`, measured: `${ms(dw)} vs ${ms(p)} ms`, ratio: dw / p, limit: "<= 1.05x", met: dw / p <= 1.05 });
      }
      for (const op of ["get", "list"] as const) {
        const s1 = f(d.s1, op);
        const s0 = f(d.s0, op);
        out.push({ target: `${d.label} ${op} p50 in ${d.shadowStage}, sample 1 vs 0: <= +30%`, measured: `${ms(s1)} vs ${ms(s0)} ms`, ratio: s1 / s0, limit: "<= 1.30x", met: s1 / s0 <= 1.3 });
      }
    }
  }
  if (rec) {
    for (const [label, r] of Object.entries(rec)) {
      if (label.includes("no bulk load")) continue; // the comparison row, not a configuration a target is set for
      out.push({ target: `${label} reconcile of ${r.rows.toLocaleString("en")} changes >= 20,000 rows/s`, measured: `${r.rate.toFixed(0)} rows/s`, ratio: r.rate / 20_000, limit: ">= 1.00x of 20k/s", met: r.rate >= 20_000 });
    }
  }
  return out;
}

/** The tables of part 1. */
function latencyReport(lat: LatencyResult): string {
  const names = Object.keys(lat.figures);
  const cell = (name: string, op: OpName) => {
    const v = lat.figures[name]![op];
    return v ? `${ms(v.p50)} / ${ms(v.p99)}` : "–";
  };
  const f = (config: string, op: OpName) => lat.figures[config]![op]!.p50;
  const own = (config: string, op: OpName) => lat.split[config]![op]!.own;
  const lines = [
    "### Latency through the facade (serial; p50 / p99 ms)",
    "",
    table(
      ["configuration", "entries.create", "bare applyReplicated of 1 entry", "entries.get", "entries.list (20)"],
      names.map((name) => [name, cell(name, "create"), cell(name, "apply"), cell(name, "get"), cell(name, "list")]),
    ),
    "",
    "### Where the time goes (p50 of each call's split, ms)",
    "",
    "Each call's time inside the primary's and (for a sync write) the secondary's backend calls, and the rest: the facade, the dual-write path and the event loop. The dual-write path's own cost is its rest minus the rest of the primary alone.",
    "",
    table(
      ["configuration", "operation", "total", "in primary", "in secondary", "rest", "rest - rest of primary alone"],
      names.flatMap((name) =>
        (["create", "get", "list"] as const)
          .filter((op) => lat.split[name]![op])
          .map((op) => {
            const s = lat.split[name]![op]!;
            const primary = name.startsWith("pg->json") || name === "postgres" ? "postgres" : "json";
            return [name, op, ms(f(name, op)), ms(s.primary), ms(s.secondary), ms(s.own), name === primary ? "–" : ms(s.own - own(primary, op))];
          }),
      ),
    ),
    "",
    "Dual writes against the same writes by hand (create through the facade on the primary, then the bare applyReplicated of the returned entry on the secondary; no adapter), p50 ms:",
    "",
    table(
      ["direction", "mode", "dual write", "by hand", "dual write / by hand", "primary create + secondary applyReplicated alone", "dual write / that sum"],
      [
        ["json->pg", "sync", "json->pg dual-write sync", "json->pg by hand, sync", "json", "postgres"],
        ["json->pg", "async", "json->pg dual-write async", "json->pg by hand, async", "json", null],
        ["pg->json", "sync", "pg->json live sync", "pg->json by hand, sync", "postgres", "json"],
        ["pg->json", "async", "pg->json live async", "pg->json by hand, async", "postgres", null],
      ].map(([label, mode, config, hand, p, sec]) => {
        const floor = f(p!, "create") + (sec ? f(sec, "apply") : 0);
        return [label!, mode!, ms(f(config!, "create")), ms(f(hand!, "create")), x(f(config!, "create") / f(hand!, "create")), ms(floor), x(f(config!, "create") / floor)];
      }),
    ),
  ];
  for (const [name, s] of Object.entries(lat.shadow)) lines.push("", `${name}: ${s.compared} shadow reads compared, ${s.consistent} consistent, ${s.failed} failed`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(env.BENCH_DIR ?? tmpdir(), "journal-bench-dual-"));
  try {
    const server = await withClient(admin!, async (c) => (await c.query("SHOW server_version")).rows[0].server_version as string);
    console.log(
      `# bench:dual — PostgreSQL ${server}, Node ${process.version}, ${cpus().length} CPUs, pool ${POOL}; ` +
        `${WRITES} writes and ${READS} gets and lists per configuration, bursts of ${BURST}${QUICK ? " (BENCH_QUICK)" : ""}\n`,
    );
    const started = performance.now();
    const lat = ONLY === "reconcile" ? null : await latency(dir);
    const rec = ONLY === "latency" ? null : await reconcile(dir);
    if (lat) console.log(latencyReport(lat));
    if (rec) {
      console.log(`\n### Reconcile from the change feed into an empty secondary (one pass, batches of ${BATCH})\n`);
      console.log(
        table(
          ["direction", "changes", "seconds", "rows/s", "s inside the secondary's applyReplicated", "s inside the primary's feed reads (overlapped)", "rows/s the secondary's writes alone allow"],
          Object.entries(rec).map(([label, r]) => [
            label,
            r.rows.toLocaleString("en"),
            r.seconds.toFixed(2),
            r.rate.toFixed(0),
            r.inSecondary.toFixed(2),
            r.inPrimary.toFixed(2),
            (r.rows / r.inSecondary).toFixed(0),
          ]),
        ),
      );
      console.log(`\njson->pg with the bulk load (GIN fastupdate on for the pass) vs without: ${x(rec["json->pg"].rate / rec["json->pg, no bulk load"].rate)} the rows/s.`);
    }
    const t = targets(lat, rec);
    console.log("\n### Targets\n");
    console.log(table(["target", "measured", "ratio", "limit", "result"], t.map((r) => [r.target, r.measured, x(r.ratio), r.limit, r.met ? "met" : "MISSED"])));
    console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    console.log("```json");
    console.log(JSON.stringify({ node: process.version, postgres: server, cpus: cpus().length, pool: POOL, writes: WRITES, reads: READS, burst: BURST, latency: lat, reconcile: rec, targets: t }, null, 2));
    console.log("```");
  } finally {
    await rm(dir, { recursive: true, force: true });
    for (const name of databases) await withClient(admin!, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
