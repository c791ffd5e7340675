import { describe, expect, it } from "vitest";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { createStore } from "../../src/store/create-store.js";
import { withClient } from "../support/pg-client.js";
import { startPgBouncer, usePgBouncer } from "../support/pgbouncer.js";
import { createTestDatabase, useTestDatabase } from "../support/postgres.js";
import { userRow } from "./rows.js";

// The PostgreSQL backend behind a real PgBouncer in transaction pooling mode (PgBouncer 1.18 in
// Debian 12): it must connect at all, keep its statement timeout without leaking it to other
// clients, run without named prepared statements, migrate, and serialise concurrent appends.

const url = useTestDatabase(async (u) => void (await migrate(u)));
const pooled = usePgBouncer(url);
const POOLED = { preparedStatements: false, transactionPooling: true } as const;

describe("through PgBouncer in transaction mode", () => {
  it("a statement_timeout startup parameter is refused by PgBouncer; transactionPooling connects", async () => {
    const direct = postgresBackend({ connectionString: pooled(), poolSize: 1 });
    try {
      await expect(direct.count("users")).rejects.toThrow(
        /pooler refused the connection: unsupported startup parameter: statement_timeout .*set transactionPooling: true/,
      );
    } finally {
      await direct.close();
    }
    const backend = postgresBackend({ connectionString: pooled(), poolSize: 1, ...POOLED });
    try {
      await expect(backend.count("users")).resolves.toBeGreaterThanOrEqual(0);
    } finally {
      await backend.close();
    }
  });

  it("keeps the statement timeout, in and outside transactions, without leaking it to other clients", async () => {
    // The row is written with the default timeout: on a loaded machine a plain insert can take
    // longer than the 100 ms the blocked updates below are cancelled after.
    const setup = postgresBackend({ connectionString: pooled(), poolSize: 1, ...POOLED });
    const user = await setup.insert("users", userRow()).finally(() => setup.close());
    const backend = postgresBackend({ connectionString: pooled(), poolSize: 2, statementTimeoutMs: 100, ...POOLED });
    try {
      await withClient(url(), async (c) => {
        await c.query("BEGIN");
        await c.query(`SELECT 1 FROM journal_store.users WHERE id = $1 FOR UPDATE`, [user.id]);
        const single = backend.update("users", { ...user, version: 2, displayName: "B" }, 1);
        const inTx = backend.transaction((tx) => tx.update("users", { ...user, version: 2, displayName: "C" }, 1));
        const outcomes = await Promise.allSettled([single, inTx]);
        await c.query("ROLLBACK");
        for (const outcome of outcomes) {
          expect(outcome).toMatchObject({ status: "rejected", reason: { code: "BACKEND", message: expect.stringContaining("statement timeout") } });
        }
      });
      const stored = await withClient(url(), async (c) => (await c.query(`SELECT version FROM journal_store.users WHERE id = $1`, [user.id])).rows[0]);
      expect(stored.version).toBe(1);
      // Another client of the same PgBouncer sees the server's default, not the backend's 100 ms.
      const seen = await withClient(pooled(), async (c) => (await c.query("SHOW statement_timeout")).rows[0].statement_timeout);
      const server = await withClient(url(), async (c) => (await c.query("SHOW statement_timeout")).rows[0].statement_timeout);
      expect(seen).toBe(server);
    } finally {
      await backend.close();
    }
  });

  it("named prepared statements break on a shared server connection; preparedStatements: false runs", async () => {
    // One server connection behind two client connections: the second client's Parse of the
    // same statement name lands where the first already prepared it.
    const single = await startPgBouncer(url(), { default_pool_size: "1" });
    try {
      const target = single.url(url());
      const user = await postgresBackend({ connectionString: target, poolSize: 1, ...POOLED }).insert("users", userRow());
      const named = postgresBackend({ connectionString: target, poolSize: 2, transactionPooling: true });
      const unnamed = postgresBackend({ connectionString: target, poolSize: 2, ...POOLED });
      try {
        const rounds = async (backend: typeof named) => {
          for (let i = 0; i < 5; i++) await Promise.all([backend.get("users", user.id), backend.get("users", user.id)]);
        };
        await expect(rounds(named)).rejects.toThrow(/SQLSTATE (42P05|26000)/);
        await expect(rounds(unnamed)).resolves.toBeUndefined();
      } finally {
        await named.close();
        await unnamed.close();
      }
    } finally {
      await single.stop();
    }
  });

  it("migrate() through PgBouncer: concurrent callers apply each migration once and leave no lock behind", async () => {
    const db = await createTestDatabase();
    try {
      const target = pooled().replace(/\/[^/?]*(\?|$)/, `/${db.name}$1`);
      const results = await Promise.all([migrate(target), migrate(target), migrate(target)]);
      const applied = results.map((r) => r.applied.length).sort();
      expect(applied[0]).toBe(0);
      expect(applied[1]).toBe(0);
      expect(applied[2]).toBeGreaterThan(0);
      await withClient(db.url, async (c) => {
        const recorded = await c.query(`SELECT count(*)::int AS n FROM journal_store_migrations.__migrations`);
        expect(recorded.rows[0].n).toBe(applied[2]);
        // pg_locks spans the server: count this database's advisory locks only (other test files'
        // writes hold their change-sequence guards meanwhile).
        const locks = await c.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        expect(locks.rows[0].n).toBe(0);
      });
    } finally {
      await db.drop();
    }
  });

  it("concurrent appends from several backends to one session get unique consecutive sequences", async () => {
    const backends = [0, 1, 2].map(() => postgresBackend({ connectionString: pooled(), poolSize: 4, ...POOLED }));
    const stores = backends.map((backend) => createStore({ backend }));
    try {
      const user = await stores[0]!.users.create({ email: `pgb-${Date.now()}@example.com`, displayName: "Ada" });
      const session = await stores[0]!.sessions.create({ userId: user.id, title: "shared" });
      await Promise.all(
        Array.from({ length: 45 }, (_, i) => stores[i % 3]!.messages.append({ sessionId: session.id, role: "user", content: `m${i}` })),
      );
      const sequences = await withClient(url(), async (c) => {
        const rows = await c.query(`SELECT sequence FROM journal_store.messages WHERE session_id = $1 ORDER BY sequence`, [session.id]);
        return rows.rows.map((r) => Number(r.sequence));
      });
      expect(sequences).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
      expect((await stores[1]!.sessions.get(session.id))?.messageCount).toBe(45);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
