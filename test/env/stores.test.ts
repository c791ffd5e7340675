import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate } from "../../src/backends/postgres/index.js";
import { DualWriteBackend } from "../../src/dual-write/index.js";
import { createStoreFromEnv, type EnvSource } from "../../src/env.js";
import { BackendError, JournalStoreError } from "../../src/errors.js";
import type { SlowOperationEvent } from "../../src/events.js";
import type { Store } from "../../src/store/create-store.js";
import { withClient, withDatabase } from "../support/pg-client.js";
import { createTestDatabase, TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";

// createStoreFromEnv against real parts: a JSON directory per test and this file's own migrated
// PostgreSQL database, truncated per test. Each variable is checked by what it changes.

const url = useTestDatabase(async (u) => void (await migrate(u)));
let dir: string;
const open: Store[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-env-"));
  await withClient(url(), (c) => c.query(TRUNCATE_ALL));
});

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function storeFrom(env: EnvSource): Promise<Store> {
  const store = await createStoreFromEnv({ JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: url(), ...env });
  open.push(store);
  return store;
}

/** The ids in a journal_store table, read with plain SQL. */
async function pgIds(table: "users" | "journal_entries"): Promise<string[]> {
  return withClient(url(), async (c) => (await c.query<{ id: string }>(`SELECT id FROM journal_store.${table} ORDER BY id`)).rows.map((r) => r.id));
}

/** A user row as the JSON directory holds it (opened read-only after the store closed). */
async function jsonUser(id: string): Promise<unknown> {
  const backend = jsonFileBackend({ dir, readOnly: true });
  try {
    return await backend.get("users", id);
  } finally {
    await backend.close();
  }
}

async function writeSome(store: Store, n = 1) {
  const user = await store.users.create({ email: `ada${n}@example.com`, displayName: "Ada" });
  const entry = await store.entries.create({ userId: user.id, title: "Monday", content: "A calm morning.", tags: ["calm"] });
  return { user, entry };
}

async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

describe("round trips per stage", () => {
  it("off (nothing set but the directory): a plain JSON-file store, PostgreSQL untouched", async () => {
    const store = await storeFrom({ DATABASE_URL: undefined });
    expect(store.backend.name).toBe("json");
    expect(store.backend).not.toBeInstanceOf(DualWriteBackend);
    const { user, entry } = await writeSome(store);
    await closeAll();

    const again = await storeFrom({ DATABASE_URL: undefined });
    expect(await again.users.get(user.id)).toEqual(user);
    expect((await again.entries.search({ userId: user.id, text: "calm" })).items.map((e) => e.id)).toEqual([entry.id]);
    expect(await pgIds("users")).toEqual([]);
  });

  it("ENABLE_DUAL_WRITE=true: a dual-write store, JSON primary, every write also in PostgreSQL", async () => {
    const store = await storeFrom({ ENABLE_DUAL_WRITE: "true" });
    expect(store.backend).toBeInstanceOf(DualWriteBackend);
    expect((store.backend as DualWriteBackend).stage).toBe("dual-write");
    const { user, entry } = await writeSome(store);
    expect(await pgIds("users")).toEqual([user.id]);
    expect(await pgIds("journal_entries")).toEqual([entry.id]);
    await closeAll();
    expect(await jsonUser(user.id)).toMatchObject({ id: user.id, version: 1, email: "ada1@example.com" });
  });

  for (const stage of ["shadow", "live", "rampdown"] as const) {
    it(`JOURNAL_STORE_STAGE=${stage}: a dual-write store in that stage, both sides written`, async () => {
      const store = await storeFrom({ JOURNAL_STORE_STAGE: stage });
      const backend = store.backend as DualWriteBackend;
      expect(backend).toBeInstanceOf(DualWriteBackend);
      expect(backend.stage).toBe(stage);
      const { user } = await writeSome(store);
      await backend.flush();
      expect(await pgIds("users")).toEqual([user.id]);
      await closeAll();
      expect(await jsonUser(user.id)).toMatchObject({ id: user.id, version: 1 });
    });
  }

  it("complete: a plain PostgreSQL store; the JSON directory is never touched", async () => {
    const unused = join(dir, "never-created");
    const store = await storeFrom({ JOURNAL_STORE_STAGE: "complete", JOURNAL_STORE_JSON_DIR: unused });
    expect(store.backend.name).toBe("postgres");
    expect(store.backend).not.toBeInstanceOf(DualWriteBackend);
    const { user, entry } = await writeSome(store);
    expect(await pgIds("users")).toEqual([user.id]);
    expect(await pgIds("journal_entries")).toEqual([entry.id]);
    await closeAll();
    const again = await storeFrom({ JOURNAL_STORE_STAGE: "complete" });
    expect(await again.users.get(user.id)).toEqual(user);
    await expect(stat(unused)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("fails at startup, not on the first request", () => {
  it("a database that does not exist: rejects with a BackendError and releases the JSON directory", async () => {
    const missing = withDatabase(url(), "journal_store_env_no_such_db");
    await expect(createStoreFromEnv({ ENABLE_DUAL_WRITE: "1", JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: missing })).rejects.toBeInstanceOf(BackendError);
    // the JSON side was opened and closed again: its writer lock is free
    const store = await storeFrom({});
    await writeSome(store);
  });

  it("a database without the schema (migrate not run): rejects", async () => {
    const bare = await createTestDatabase("journal_store_env_bare");
    try {
      await expect(createStoreFromEnv({ JOURNAL_STORE_STAGE: "complete", DATABASE_URL: bare.url })).rejects.toBeInstanceOf(JournalStoreError);
    } finally {
      await bare.drop();
    }
  });

  it("a JSON directory another process holds: rejects before recording any stage on PostgreSQL", async () => {
    const holder = jsonFileBackend({ dir });
    await holder.changeHorizon(); // the running app's writer lock
    try {
      for (const stage of ["dual-write", "live"]) {
        await expect(createStoreFromEnv({ JOURNAL_STORE_STAGE: stage, JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: url() })).rejects.toThrow(/locked by process/);
      }
      // A start that never served leaves no stage behind (a later start would take it for the last one).
      expect(await withClient(url(), async (c) => (await c.query(`SELECT count(*)::int AS n FROM journal_store.migration_logs`)).rows[0].n)).toBe(0);
    } finally {
      await holder.close();
    }
  });

  it("a JSON directory that is a file: rejects", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "not a directory");
    await expect(createStoreFromEnv({ JOURNAL_STORE_JSON_DIR: file })).rejects.toBeInstanceOf(JournalStoreError);
  });
});

describe("each setting reaches the backend", () => {
  /** Connections this database's pools hold (the backend's default application_name). */
  const connections = () =>
    withClient(url(), async (c) =>
      Number((await c.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'journal-store'`)).rows[0].n),
    );

  const burst = async (store: Store) => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.users.create({ email: `burst${i}@example.com`, displayName: "B" })));
  };

  it("DB_POOL_SIZE bounds the connections (and unset, the default 20 lets a burst open more)", async () => {
    const small = await storeFrom({ JOURNAL_STORE_STAGE: "complete", DB_POOL_SIZE: "2" });
    await burst(small);
    expect(await connections()).toBeLessThanOrEqual(2);
    await closeAll();
    await withClient(url(), (c) => c.query(TRUNCATE_ALL));

    const wide = await storeFrom({ JOURNAL_STORE_STAGE: "complete" });
    await burst(wide);
    expect(await connections()).toBeGreaterThan(2);
  });

  /** Holds an exclusive lock on journal_store.users until `release()`. */
  async function lockUsers(): Promise<{ release(): Promise<void>; waiting(): Promise<void> }> {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    await client.query("BEGIN");
    await client.query("LOCK TABLE journal_store.users IN ACCESS EXCLUSIVE MODE");
    return {
      async release() {
        await client.query("COMMIT");
        await client.end();
      },
      /** Resolves once another session waits on a lock in this database. */
      async waiting() {
        for (let i = 0; i < 500; i++) {
          const { rows } = await client.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`);
          if (rows.length > 0) return;
          await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error("no session ever waited on the lock");
      },
    };
  }

  it("DB_STATEMENT_TIMEOUT_MS: a statement blocked longer fails with BackendError (SQLSTATE 57014)", async () => {
    const store = await storeFrom({ JOURNAL_STORE_STAGE: "complete", DB_STATEMENT_TIMEOUT_MS: "200" });
    const lock = await lockUsers();
    try {
      const error = await store.users.create({ email: "late@example.com", displayName: "L" }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).cause).toMatchObject({ code: "57014" });
    } finally {
      await lock.release();
    }
    expect(await pgIds("users")).toEqual([]);
  });

  it("JOURNAL_STORE_SECONDARY_WRITES=async: a write returns while PostgreSQL is blocked, and arrives after", async () => {
    const store = await storeFrom({ ENABLE_DUAL_WRITE: "true", JOURNAL_STORE_SECONDARY_WRITES: "async" });
    const lock = await lockUsers();
    let id: string;
    try {
      id = (await store.users.create({ email: "async@example.com", displayName: "A" })).id;
    } finally {
      await lock.release();
    }
    await (store.backend as DualWriteBackend).flush();
    expect(await pgIds("users")).toEqual([id]);
  });

  it("JOURNAL_STORE_SECONDARY_WRITES=sync (and unset): a write waits for PostgreSQL", async () => {
    for (const mode of ["sync", undefined]) {
      const store = await storeFrom({ ENABLE_DUAL_WRITE: "true", JOURNAL_STORE_SECONDARY_WRITES: mode });
      const lock = await lockUsers();
      let settled = false;
      const write = store.users.create({ email: `sync-${mode}@example.com`, displayName: "S" }).finally(() => (settled = true));
      try {
        await lock.waiting();
        await new Promise((r) => setTimeout(r, 50));
        expect(settled, String(mode)).toBe(false);
      } finally {
        await lock.release();
      }
      const user = await write;
      expect(await pgIds("users")).toContain(user.id);
      await closeAll();
    }
  });

  it("DB_PERFORMANCE_TARGET_MS sets the slow-operation threshold", async () => {
    for (const [target, expectEvent] of [["20", true], ["600000", false]] as const) {
      const store = await storeFrom({ JOURNAL_STORE_STAGE: "live", DB_PERFORMANCE_TARGET_MS: target });
      const events: SlowOperationEvent[] = [];
      (store.backend as DualWriteBackend).on("slow-operation", (e) => events.push(e));
      const lock = await lockUsers();
      const write = store.users.create({ email: `slow${target}@example.com`, displayName: "S" });
      try {
        await lock.waiting();
        await new Promise((r) => setTimeout(r, 100)); // the primary's insert is now >= 100 ms old
      } finally {
        await lock.release();
      }
      await write;
      const slow = events.filter((e) => e.side === "to");
      if (expectEvent) {
        expect(slow.length, target).toBeGreaterThan(0);
        expect(slow.every((e) => e.thresholdMs === 20 && e.durationMs >= 100)).toBe(true);
      } else {
        expect(slow, target).toEqual([]);
      }
      await closeAll();
      await rm(dir, { recursive: true, force: true });
      dir = await mkdtemp(join(tmpdir(), "journal-env-"));
      await withClient(url(), (c) => c.query(TRUNCATE_ALL));
    }
  });

  it("JOURNAL_STORE_SHADOW_SAMPLE: 1 compares every read in the shadow stage, 0 (the default) none", async () => {
    const compared = async (sample: string | undefined): Promise<number> => {
      const store = await storeFrom({ JOURNAL_STORE_STAGE: "shadow", JOURNAL_STORE_SHADOW_SAMPLE: sample });
      const backend = store.backend as DualWriteBackend;
      const { user } = await writeSome(store, Number(sample ?? 9));
      await backend.flush();
      for (let i = 0; i < 5; i++) await store.users.get(user.id);
      for (let i = 0; i < 200 && backend.stats().shadow.compared < 5; i++) await new Promise((r) => setTimeout(r, 10));
      const n = backend.stats().shadow.compared;
      expect(backend.stats().shadow.consistent).toBe(n);
      await closeAll();
      return n;
    };
    expect(await compared("1")).toBeGreaterThanOrEqual(5);
    expect(await compared("0")).toBe(0);
    expect(await compared(undefined)).toBe(0);
  });
});

it("the JSON directory holds the store's files after a round trip", async () => {
  const store = await storeFrom({});
  await writeSome(store);
  await closeAll();
  expect((await readdir(dir)).length).toBeGreaterThan(0);
});
