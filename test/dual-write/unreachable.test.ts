import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { dualWriteBackend, type DualWriteBackend } from "../../src/dual-write/index.js";
import type { SecondaryWrites } from "../../src/dual-write/options.js";
import type { RepairedEvent, SecondaryErrorEvent } from "../../src/events.js";
import { BackendError } from "../../src/errors.js";
import { createStore } from "../../src/store/create-store.js";
import { expectSidesEqual, jsonSide, postgresSide } from "../support/dual.js";
import { withClient } from "../support/pg-client.js";
import { useTestDatabase } from "../support/postgres.js";
import { prng } from "../support/prng.js";
import { hostOf, startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { writeStream } from "../support/workload.js";

/**
 * PostgreSQL unreachable during a stream of writes, JSON primary, stage dual-write, both
 * secondary-write modes: (a) the secondary's own connections terminated with
 * pg_terminate_backend mid-stream, one of them while its statement waits on a lock; (b) the
 * server cut off behind a TCP proxy, then back, so the same backend sees outage and recovery.
 * Every write is acknowledged, `secondary-error` events fire, and after recovery the sides are
 * equal row for row.
 */

const url = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const pgSide = postgresSide(url);
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
  await json.dispose();
});

let open: Backend[] = [];
afterEach(async () => {
  await Promise.allSettled(open.map((b) => b.close()));
  open = [];
});

interface World {
  dual: DualWriteBackend;
  from: Backend;
  to: Backend;
  errors: SecondaryErrorEvent[];
  repaired: RepairedEvent[];
}

async function world(mode: SecondaryWrites, to: Backend, extra: { secondaryTimeoutMs?: number } = {}): Promise<World> {
  await Promise.all([json.reset(), pgSide.reset()]);
  const from = await json.open();
  const dual = dualWriteBackend({
    from,
    to,
    stage: "dual-write",
    secondaryWrites: mode,
    reconcileIntervalMs: 50,
    retryBaseMs: 20,
    retryMaxMs: 200,
    ...extra,
  });
  const w: World = { dual, from, to, errors: [], repaired: [] };
  dual.on("secondary-error", (e) => w.errors.push(e));
  dual.on("repaired", (e) => w.repaired.push(e));
  open.push(dual);
  await dual.whenReady();
  return w;
}

/** Waits until `check` holds, polling; fails naming `what` after `ms`. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const appName = () => `journal-store-dual-fault-${randomBytes(4).toString("hex")}`;

const terminate = (app: string) =>
  withClient(url(), (c) =>
    c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, [app]),
  );

/**
 * Holds a lock the secondary's writes need until one of them waits on it, then terminates the
 * secondary's connections: a write is cut off in flight, not only idle connections.
 */
async function terminateInFlight(app: string): Promise<void> {
  await withClient(url(), async (c) => {
    // LOCK TABLE takes the tables one at a time, so it can deadlock with a write in flight that
    // holds one of them and wants another (PostgreSQL then aborts one side): take them again.
    for (let attempt = 1; ; attempt++) {
      await c.query("BEGIN");
      try {
        await c.query(`LOCK TABLE "journal_store"."users", "journal_store"."journal_entries", "journal_store"."messages", "journal_store"."chat_sessions" IN EXCLUSIVE MODE`);
        break;
      } catch (error) {
        await c.query("ROLLBACK");
        if ((error as { code?: string }).code !== "40P01" || attempt >= 20) throw error;
      }
    }
    try {
      await eventually("a secondary write waiting on the lock", async () => {
        const r = await c.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app]);
        return (r.rowCount ?? 0) > 0;
      });
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [app]);
    } finally {
      await c.query("ROLLBACK");
    }
  });
}

for (const mode of ["sync", "async"] as const) {
  describe(`secondary unreachable during a write stream (${mode})`, () => {
    it("connections terminated mid-stream: every write acknowledged, errors reported, sides equal after reconcile", async () => {
      const app = appName();
      const w = await world(mode, postgresBackend({ connectionString: url(), applicationName: app, poolSize: 4 }));
      const store = createStore({ backend: w.dual });
      let faults = Promise.resolve();
      const acked = await writeStream(store, {
        writers: 4,
        steps: 60,
        rnd: prng(mode === "sync" ? 11 : 12),
        onAck: (n) => {
          // One cut while a secondary statement waits on a lock, then idle and busy cuts.
          if (n === 40) faults = faults.then(() => terminateInFlight(app));
          if (n % 30 === 0 && n > 40) faults = faults.then(() => terminate(app).then(() => undefined));
        },
      });
      await faults;
      expect(acked).toBe(4 * 61);
      expect(w.errors.length).toBeGreaterThan(0);
      for (const e of w.errors) {
        expect(e.willRetry).toBe(true);
        expect(e.error).toBeInstanceOf(Error);
      }
      expect(w.errors.some((e) => e.operation === "replicate" && e.ids.length > 0)).toBe(true);

      await w.dual.flush();
      expect(await w.dual.lag()).toBe(0);
      await expectSidesEqual(w.from, w.to);
      expect(unhandled).toEqual([]);
    });

    it("server cut off behind a proxy, then back: writes acknowledged throughout, the backend catches up by itself", async () => {
      const proxy: TcpProxy = await startTcpProxy(hostOf(url()));
      try {
        const w = await world(mode, postgresBackend({ connectionString: proxy.url(url()), poolSize: 4 }));
        const store = createStore({ backend: w.dual });
        let outage = Promise.resolve();
        let errorsDuringOutage = 0;
        const acked = await writeStream(store, {
          writers: 3,
          steps: 70,
          rnd: prng(mode === "sync" ? 21 : 22),
          onAck: async (n) => {
            if (n === 30) outage = proxy.stop();
            if (n === 150) {
              await outage;
              errorsDuringOutage = w.errors.length;
              await proxy.start();
            }
          },
        });
        expect(acked).toBe(3 * 71);
        expect(errorsDuringOutage).toBeGreaterThan(0);
        expect(w.errors.some((e) => e.operation === "replicate")).toBe(true);
        expect(w.errors.every((e) => e.willRetry)).toBe(true);

        // The background loop retries from the change feed on its own once the server answers.
        await eventually("the secondary to catch up", async () => (await w.dual.lag()) === 0);
        expect(w.repaired.reduce((n, e) => n + e.count, 0)).toBeGreaterThan(0);
        await w.dual.flush();
        await expectSidesEqual(w.from, w.to);
        expect(unhandled.map((e) => String((e as Error)?.stack ?? e))).toEqual([]);
      } finally {
        await proxy.close();
      }
    });
  });
}

describe("a secondary that stops answering without refusing connections", () => {
  it("never holds the caller's write past secondaryTimeoutMs; the rows follow once it answers again", async () => {
    const proxy: TcpProxy = await startTcpProxy(hostOf(url()));
    try {
      const w = await world("sync", postgresBackend({ connectionString: proxy.url(url()), poolSize: 2 }), { secondaryTimeoutMs: 300 });
      const store = createStore({ backend: w.dual });
      const user = await store.users.create({ email: "blackhole@example.com", displayName: "B" });
      await w.dual.flush();
      proxy.setDelay(1_000_000_000); // every byte to the server is held: a blackhole
      const started = Date.now();
      const entry = await store.entries.create({ userId: user.id, content: "acknowledged by the primary" });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(w.errors.some((e) => e.operation === "replicate" && /longer than 300 ms/.test(e.error.message))).toBe(true);
      expect(await w.from.get("journalEntries", entry.id)).not.toBeNull();
      // The link heals (held connections are cut, new ones go through): the feed brings the row over.
      proxy.setDelay(0);
      await proxy.stop();
      await proxy.start();
      await eventually("the secondary to catch up", async () => (await w.dual.lag()) === 0);
      await w.dual.flush();
      await expectSidesEqual(w.from, w.to);
    } finally {
      await proxy.close();
    }
  });
});

describe("purge while the secondary is behind", () => {
  it("is refused while a tombstone has not reached the secondary, so the deleted row never stays live there", async () => {
    const proxy = await startTcpProxy(hostOf(url()));
    try {
      const w = await world("sync", postgresBackend({ connectionString: proxy.url(url()), poolSize: 2 }));
      const store = createStore({ backend: w.dual });
      const user = await store.users.create({ email: "purge@example.com", displayName: "p" });
      const entry = await store.entries.create({ userId: user.id, content: "to be erased" });
      await w.dual.flush();
      await proxy.stop();
      await store.entries.delete(entry.id);
      expect(w.errors.length).toBeGreaterThan(0);
      // An erasure request while the secondary is unreachable: refused, so the tombstone stays
      // in the primary's change feed instead of leaving the entry live on the secondary for good.
      const refused = await w.dual.purge({ olderThan: "2999-01-01T00:00:00.000Z" }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(BackendError);
      expect((await w.from.get("journalEntries", entry.id))?.deleted).toBe(true);

      await proxy.start();
      const result = await w.dual.purge({ olderThan: "2999-01-01T00:00:00.000Z" });
      expect(result.journalEntries).toBe(1);
      expect(await w.from.get("journalEntries", entry.id)).toBeNull();
      expect(await w.to.get("journalEntries", entry.id)).toBeNull();
      await w.dual.flush();
      await expectSidesEqual(w.from, w.to);
    } finally {
      await proxy.close();
    }
  });
});
