import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { createStore } from "../../src/store/create-store.js";
import { withClient } from "../support/pg-client.js";
import { usePgBouncer } from "../support/pgbouncer.js";
import { TABLES, useTestDatabase } from "../support/postgres.js";

// Several real app processes, each with its own postgresBackend, writing to one database at the
// same moment (test/postgres/fixtures/app-process.ts): appends to one session, compare-and-swap
// and blind updates of shared rows, writes racing a cascading delete, analytics refreshes. Every
// invariant of the contract must hold afterwards, directly and through PgBouncer.

const PROCESSES = 4;
const ROUNDS = 20;
const url = useTestDatabase(async (u) => void (await migrate(u)));
const pooled = usePgBouncer(url);

interface Summary {
  worker: number;
  appended: number;
  lostRaces: number;
  blindUpdates: number;
  blindGaveUp: number;
  victimWrites: number;
  refreshes: number;
  refused: Record<string, number>;
  failed: string[];
}

/** Starts the processes, releases them together once all are ready, and collects their summaries. */
async function runProcesses(env: Record<string, string>): Promise<Summary[]> {
  const script = join(import.meta.dirname, "fixtures", "app-process.ts");
  const procs = Array.from({ length: PROCESSES }, (_, worker) =>
    spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, ...env, WORKER: String(worker), ROUNDS: String(ROUNDS) },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  const results = procs.map(
    (proc) =>
      new Promise<{ lines: string[]; stderr: string; code: number | null }>((resolve) => {
        const lines: string[] = [];
        let stderr = "";
        proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        createInterface({ input: proc.stdout }).on("line", (line) => lines.push(line));
        proc.once("close", (code) => resolve({ lines, stderr, code }));
      }),
  );
  await Promise.all(
    procs.map(
      (proc) =>
        new Promise<void>((resolve, reject) => {
          const rl = createInterface({ input: proc.stdout });
          rl.on("line", (line) => line === "ready" && (rl.close(), resolve()));
          proc.once("close", (code) => reject(new Error(`app process exited with ${code} before it was ready`)));
        }),
    ),
  );
  for (const proc of procs) proc.stdin.end("go\n");
  return Promise.all(
    results.map(async (r) => {
      const { lines, stderr, code } = await r;
      expect(code, stderr).toBe(0);
      return JSON.parse(lines[lines.length - 1]!) as Summary;
    }),
  );
}

async function scenario(target: string, pooledMode: boolean): Promise<void> {
  const store = createStore({ backend: postgresBackend({ connectionString: url(), poolSize: 2 }) });
  try {
    const owner = await store.users.create({ email: `owner-${Date.now()}-${pooledMode}@example.com`, displayName: "Owner" });
    const session = await store.sessions.create({ userId: owner.id, title: "shared" });
    const casEntry = await store.entries.create({ userId: owner.id, title: "cas", content: "x", metadata: { count: 0 } });
    const blindEntry = await store.entries.create({ userId: owner.id, title: "blind", content: "x" });
    const victim = await store.users.create({ email: `victim-${Date.now()}-${pooledMode}@example.com`, displayName: "Victim" });
    const victimSession = await store.sessions.create({ userId: victim.id, title: "doomed" });
    const analyticsUser = await store.users.create({ email: `stats-${Date.now()}-${pooledMode}@example.com`, displayName: "Stats" });

    const summaries = await runProcesses({
      APP_DATABASE_URL: target,
      APP_POOLED: pooledMode ? "1" : "0",
      SESSION_ID: session.id,
      CAS_ENTRY_ID: casEntry.id,
      BLIND_ENTRY_ID: blindEntry.id,
      VICTIM_ID: victim.id,
      VICTIM_SESSION_ID: victimSession.id,
      ANALYTICS_USER_ID: analyticsUser.id,
    });
    for (const s of summaries) expect(s.failed, `process ${s.worker}`).toEqual([]);
    const total = PROCESSES * ROUNDS;

    // Appends: unique, consecutive sequences; the session counts every one.
    await withClient(url(), async (c) => {
      const seq = await c.query(`SELECT sequence FROM journal_store.messages WHERE session_id = $1 ORDER BY sequence`, [session.id]);
      expect(seq.rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    });
    expect((await store.sessions.get(session.id))?.messageCount).toBe(total);

    // Compare-and-swap: no increment lost; blind updates: every acknowledged one landed as its
    // own version (one that exhausted its retries says so with a ConflictError).
    const cas = await store.entries.get(casEntry.id);
    expect(cas?.metadata).toEqual({ count: total });
    expect(cas?.version).toBe(1 + total);
    const blind = summaries.reduce((n, s) => n + s.blindUpdates, 0);
    expect(blind + summaries.reduce((n, s) => n + s.blindGaveUp, 0)).toBe(total);
    expect((await store.entries.get(blindEntry.id))?.version).toBe(1 + blind);

    // The cascade: the victim and everything it owned are tombstones, whichever process wrote it.
    expect(await store.users.get(victim.id)).toBeNull();
    const attempts = PROCESSES * ROUNDS - 1;
    expect(summaries.reduce((n, s) => n + s.victimWrites + (s.refused.NOT_FOUND ?? 0) + (s.refused.CONFLICT ?? 0), 0)).toBe(attempts);
    await withClient(url(), async (c) => {
      for (const table of ["journal_entries", "chat_sessions", "messages", "user_analytics"]) {
        const live = await c.query(`SELECT count(*)::int AS n FROM journal_store.${table} WHERE user_id = $1 AND deleted = false`, [victim.id]);
        expect(live.rows[0].n, table).toBe(0);
      }
      const seq = await c.query(`SELECT sequence FROM journal_store.messages WHERE session_id = $1 ORDER BY sequence`, [victimSession.id]);
      expect(seq.rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: seq.rows.length }, (_, i) => i + 1));
      // No live row anywhere whose owner is missing or a tombstone.
      const orphans = await c.query(`
        SELECT count(*)::int AS n FROM journal_store.messages m JOIN journal_store.chat_sessions s ON s.id = m.session_id WHERE m.deleted = false AND s.deleted = true
        UNION ALL SELECT count(*)::int FROM journal_store.chat_sessions s JOIN journal_store.users u ON u.id = s.user_id WHERE s.deleted = false AND u.deleted = true
        UNION ALL SELECT count(*)::int FROM journal_store.journal_entries e JOIN journal_store.users u ON u.id = e.user_id WHERE e.deleted = false AND u.deleted = true
        UNION ALL SELECT count(*)::int FROM journal_store.user_analytics a JOIN journal_store.users u ON u.id = a.user_id WHERE a.deleted = false AND u.deleted = true`);
      expect(orphans.rows.map((r) => r.n)).toEqual([0, 0, 0, 0]);
      // change_seq: one value per write, never handed out twice across processes.
      const union = TABLES.map((t) => `SELECT change_seq FROM journal_store.${t}`).join(" UNION ALL ");
      const dupes = await c.query(`SELECT count(*)::int AS n FROM (SELECT change_seq FROM (${union}) x GROUP BY change_seq HAVING count(*) > 1) d`);
      expect(dupes.rows[0].n).toBe(0);
    });

    // Analytics: every concurrent refresh succeeded; one more refresh changes nothing, and the
    // month's figures count every entry the processes wrote.
    expect(summaries.reduce((n, s) => n + s.refreshes, 0)).toBe(PROCESSES * (ROUNDS / 5));
    const before = await withClient(url(), async (c) =>
      (await c.query(`SELECT id, version FROM journal_store.user_analytics WHERE user_id = $1 AND deleted = false ORDER BY id`, [analyticsUser.id])).rows,
    );
    const after = await store.analytics.refresh(analyticsUser.id);
    const month = after.find((a) => a.period === "month" && a.periodStart === "2026-02-01");
    expect(month?.entryCount).toBe(PROCESSES * (ROUNDS / 5));
    expect(after.map((a) => ({ id: a.id, version: a.version })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(before);
  } finally {
    await store.close();
  }
}

describe(`${PROCESSES} app processes on one database`, () => {
  it("directly: every invariant holds", async () => {
    await scenario(url(), false);
  }, 60_000);

  it("through PgBouncer in transaction mode: every invariant holds", async () => {
    await scenario(pooled(), true);
  }, 60_000);
});
