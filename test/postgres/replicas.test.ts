import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresBackend, type PostgresBackendOptions, migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { withClient, withDatabase } from "../support/pg-client.js";
import { type ReplicatedCluster, startReplicatedCluster } from "../support/replication.js";
import { userRow } from "./rows.js";

// Read replicas against a real primary and a real streaming replica (initdb + pg_basebackup -R,
// started by this file on free ports). Lag is made real and deterministic by pausing WAL replay
// on the replica (pg_wal_replay_pause), and the replica is really stopped and started again.

let cluster: ReplicatedCluster;
let primary: string;
let replica: string;
let label: string;
const open: PostgresBackend[] = [];

/** Polls `check` until it returns true (or fails after 20 s). */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the replica has replayed everything the primary has written so far. */
async function caughtUp(): Promise<void> {
  const target = await withClient(primary, async (c) => (await c.query("SELECT pg_current_wal_lsn()::text AS l")).rows[0].l as string);
  await until(
    () => withClient(replica, async (c) => (await c.query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok", [target])).rows[0].ok as boolean),
    "the replica to catch up",
  );
}

const replay = (action: "pause" | "resume") => withClient(replica, (c) => c.query(`SELECT pg_wal_replay_${action}()`));

function backend(options: Partial<PostgresBackendOptions> = {}): PostgresBackend {
  const b = postgresBackend({ connectionString: primary, replicas: [replica], poolSize: 2, replicaMaxLagMs: 600_000, ...options });
  open.push(b);
  return b;
}

beforeAll(async () => {
  cluster = await startReplicatedCluster();
  await withClient(cluster.primaryUrl, (c) => c.query("CREATE DATABASE journal"));
  primary = withDatabase(cluster.primaryUrl, "journal");
  replica = withDatabase(cluster.replicaUrl, "journal");
  await migrate(primary);
  label = `${new URL(replica).hostname}:${new URL(replica).port}/journal`;
  await until(async () => {
    try {
      return await withClient(replica, async (c) => (await c.query("SELECT to_regclass('journal_store.users') IS NOT NULL AS ok")).rows[0].ok as boolean);
    } catch {
      return false;
    }
  }, "the replica to have the schema");
}, 90_000);

afterAll(async () => {
  await Promise.all(open.map((b) => b.close()));
  await cluster?.stop();
}, 60_000);

describe("read replicas", () => {
  it("reads outside a transaction go to the replica; writes and transaction reads to the primary", async () => {
    const b = backend();
    const elsewhere = backend();
    await caughtUp();
    await replay("pause");
    try {
      // Written by another backend while replay is paused: this backend has no write to wait
      // for, so its read goes to the replica and (stale) misses the row; inside a transaction
      // the primary answers and finds it.
      const row = await elsewhere.insert("users", userRow());
      expect(await b.get("users", row.id)).toBeNull();
      expect(await b.count("users", [{ field: "id", op: "eq", value: row.id }])).toBe(0);
      expect(await b.transaction((tx) => tx.get("users", row.id))).toMatchObject({ id: row.id });
      const stats = b.stats();
      expect(stats.reads[label]).toBe(2);
      expect(stats.reads.primary).toBe(0);
      expect(stats.fallbacks).toBe(0);
      expect(JSON.stringify(stats)).not.toMatch(/postgres@/);
    } finally {
      await replay("resume");
    }
  });

  it("read-your-writes: after a write, the replica serves reads only once it has replayed it", async () => {
    const b = backend();
    await caughtUp();
    await replay("pause");
    let row;
    try {
      row = await b.insert("users", userRow());
      // The replica has not replayed the write: the primary answers, every time.
      for (let i = 0; i < 3; i++) expect(await b.get("users", row.id)).toMatchObject({ id: row.id, version: 1 });
      const updated = await b.update("users", { ...row, version: 2, displayName: "Changed" }, 1);
      expect((await b.getMany("users", [row.id]))[0]).toMatchObject({ displayName: "Changed", version: updated.version });
      const stats = b.stats();
      expect(stats.reads.primary).toBe(4);
      expect(stats.reads[label]).toBe(0);
      expect(stats.behind[label]).toBe(4);
      expect(stats.fallbacks).toBe(4);
    } finally {
      await replay("resume");
    }
    await caughtUp();
    // Replayed: the replica serves the read, and it sees the write.
    expect(await b.get("users", row.id)).toMatchObject({ displayName: "Changed", version: 2 });
    expect(b.stats().reads[label]).toBe(1);
  });

  it("a replica lagging past replicaMaxLagMs is skipped until it catches up", async () => {
    const b = backend({ replicaMaxLagMs: 300, replicaCheckMs: 50 });
    const elsewhere = backend();
    await caughtUp();
    await until(() => b.stats().replicas[0]!.healthy && b.stats().replicas[0]!.lagMs <= 300, "the first check");
    await replay("pause");
    try {
      const row = await elsewhere.insert("users", userRow());
      await until(() => b.stats().replicas[0]!.lagMs > 300, "the lag to pass the bound");
      // Skipped: the primary answers, so even another process's fresh write is seen.
      expect(await b.get("users", row.id)).toMatchObject({ id: row.id });
      expect(b.stats().skipped[label]).toBeGreaterThanOrEqual(1);
      expect(b.stats().reads.primary).toBe(1);
    } finally {
      await replay("resume");
    }
    await until(() => b.stats().replicas[0]!.lagMs <= 300, "the replica to catch up");
    const before = b.stats().reads[label]!;
    await b.count("users");
    expect(b.stats().reads[label]).toBe(before + 1);
  });

  it("a stopped replica: reads fall back to the primary and none fails; started again, it is used again", async () => {
    const b = backend({ replicaCheckMs: 100 });
    const row = await b.insert("users", userRow());
    await caughtUp();
    await cluster.stopReplica();
    try {
      for (let i = 0; i < 5; i++) expect(await b.get("users", row.id)).toMatchObject({ id: row.id });
      const stats = b.stats();
      expect(stats.reads.primary).toBe(5);
      expect(stats.reads[label]).toBe(0);
      expect(stats.skipped[label]).toBeGreaterThanOrEqual(5);
      expect(stats.replicas[0]!.healthy).toBe(false);
    } finally {
      await cluster.startReplica();
    }
    await until(() => b.stats().replicas[0]!.healthy, "the replica to be found healthy again");
    await caughtUp();
    expect(await b.get("users", row.id)).toMatchObject({ id: row.id });
    expect(b.stats().reads[label]).toBe(1);
  });
});
