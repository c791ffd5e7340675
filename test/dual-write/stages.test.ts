import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate } from "../../src/backends/postgres/index.js";
import { dualWriteBackend, type DualWriteBackend } from "../../src/dual-write/index.js";
import { latestStage } from "../../src/dual-write/records.js";
import type { StageChangedEvent } from "../../src/events.js";
import { createStore, type Store } from "../../src/store/create-store.js";
import { expectSidesEqual, jsonSide, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";

// Stage moves on a real JSON directory and a real PostgreSQL database: under a concurrent writer,
// across a restart in another stage, and the moves that are refused.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const pgSide = postgresSide(url);
let from: Backend;
let to: Backend;

beforeEach(async () => {
  await Promise.all([json.reset(), pgSide.reset()]);
});
afterEach(async () => {
  await Promise.allSettled([from?.close(), to?.close()]);
});

async function open(stage: Parameters<typeof dualWriteBackend>[0]["stage"], extra: Partial<Parameters<typeof dualWriteBackend>[0]> = {}): Promise<{ backend: DualWriteBackend; store: Store }> {
  from = await json.open();
  to = await pgSide.open();
  const backend = dualWriteBackend({ from, to, stage, reconcileIntervalMs: 50, ...extra });
  await backend.whenReady();
  return { backend, store: createStore({ backend }) };
}

/** Writes continuously until stopped; returns every acknowledged entry id and its last acknowledged version. */
function writer(store: Store, userId: string) {
  const acked = new Map<string, number>();
  const deleted = new Set<string>();
  let stop = false;
  let n = 0;
  const done = (async () => {
    while (!stop) {
      const i = n++;
      const entry = await store.entries.create({ userId, title: `t${i}`, content: `entry ${i}`, tags: [`t${i % 5}`] });
      acked.set(entry.id, entry.version);
      if (i % 3 === 0) {
        const updated = await store.entries.update(entry.id, { mood: (i % 10) + 1 });
        acked.set(entry.id, updated.version);
      }
      if (i % 7 === 0) {
        await store.entries.delete(entry.id);
        deleted.add(entry.id);
      }
    }
  })();
  return {
    acked,
    deleted,
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe("stage moves", () => {
  for (const secondaryWrites of ["sync", "async"] as const) {
    it(`dual-write -> shadow -> live -> shadow under a concurrent writer loses nothing (${secondaryWrites})`, async () => {
      const { backend, store } = await open("dual-write", { secondaryWrites, shadowSample: 1 });
      const events: StageChangedEvent[] = [];
      backend.on("stage-changed", (e) => events.push(e));
      const user = await store.users.create({ email: "mover@example.com", displayName: "Mover" });
      const w = writer(store, user.id);
      for (const stage of ["shadow", "live", "shadow"] as const) {
        await new Promise((r) => setTimeout(r, 150));
        // These tests are about the mechanics of a move; the cutover gate has its own (cutover-gate.test.ts).
        await backend.setStage(stage, { force: true });
        expect(backend.stage).toBe(stage);
      }
      await new Promise((r) => setTimeout(r, 150));
      await w.stop();
      await backend.flush();
      expect(events.map((e) => [e.from, e.to, e.reconciled])).toEqual([
        ["dual-write", "shadow", false],
        ["shadow", "live", true],
        ["live", "shadow", true],
      ]);
      expect(w.acked.size).toBeGreaterThan(10);
      // Every acknowledged write is on both sides at (at least) its acknowledged version; deletes stay deleted.
      for (const side of [from, to]) {
        for (const [id, version] of w.acked) {
          const row = await side.get("journalEntries", id);
          expect(row, id).not.toBeNull();
          expect(row!.version).toBeGreaterThanOrEqual(version);
          expect(row!.deleted).toBe(w.deleted.has(id));
        }
      }
      await expectSidesEqual(from, to);
      await backend.close();
    });
  }

  it("a process started in a stage whose primary differs from the last recorded one reconciles from the old primary first", async () => {
    // A process in `shadow` (JSON primary) writes; its secondary writes are lost (async, killed before they ran).
    let { backend, store } = await open("shadow", { secondaryWrites: "async" });
    const user = await store.users.create({ email: "restart@example.com", displayName: "R" });
    await backend.flush();
    // Rows the secondary never received: written to the JSON side directly, as if the process died
    // between the primary and the secondary write.
    const lost = createStore({ backend: from });
    const missed = [];
    for (let i = 0; i < 5; i++) missed.push(await lost.entries.create({ userId: user.id, content: `missed ${i}` }));
    await backend.close();

    ({ backend, store } = await open("live", { forceCutover: true })); // the start gate is tested on its own
    // Before serving, the new process brought the old primary's changes over.
    for (const e of missed) expect((await to.get("journalEntries", e.id))?.version).toBe(1);
    expect((await latestStage(to))?.stage).toBe("live");
    expect((await store.entries.list({ userId: user.id, limit: 100 })).items).toHaveLength(5);
    await expectSidesEqual(from, to);
    await backend.close();
  });

  it("starts and serves writes while the secondary is down, and refuses to start when the last primary is the one down", async () => {
    // A history: dual-write, then live (PostgreSQL primary), recorded on both sides at the move.
    let { backend } = await open("dual-write");
    await backend.setStage("shadow");
    await backend.setStage("live", { force: true }); // the gate is tested on its own
    expect((await latestStage(from))).toMatchObject({ stage: "live", primary: "to" });
    await backend.close();

    const { postgresBackend } = await import("../../src/backends/postgres/index.js");
    const down = () => postgresBackend({ connectionString: "postgres://postgres@127.0.0.1:1/nowhere", poolSize: 1 });
    from = await json.open();
    // Back to shadow (JSON primary) while PostgreSQL, the last primary, is unreachable: refused, clearly.
    backend = dualWriteBackend({ from, to: down(), stage: "shadow" });
    await expect(backend.whenReady()).rejects.toThrow(/cannot start in shadow: the last recorded primary \(to, stage live\) is unreachable/);
    await backend.close();

    // A fresh pair in dual-write (JSON primary): the secondary being down does not stop the app.
    await Promise.all([json.reset(), pgSide.reset()]);
    from = await json.open();
    const errors: unknown[] = [];
    backend = dualWriteBackend({ from, to: down(), stage: "dual-write", retryBaseMs: 20, reconcileIntervalMs: 50 });
    backend.on("secondary-error", (e) => errors.push(e));
    const store = createStore({ backend });
    const user = await store.users.create({ email: "down@example.com", displayName: "D" });
    await store.entries.create({ userId: user.id, content: "acknowledged while PostgreSQL is down" });
    expect(errors.length).toBeGreaterThan(0);
    expect(await from.get("users", user.id)).not.toBeNull();
    await backend.close();
  });

  it("refuses a move that changes the primary unless both stages write both sides, naming the stages", async () => {
    const { backend } = await open("off");
    await expect(backend.setStage("live")).rejects.toThrow(/cannot move from off to live/);
    expect(backend.stage).toBe("off");
    await expect(backend.setStage("nonsense" as never)).rejects.toMatchObject({ code: "VALIDATION" });
    await backend.close();
  });

  it("records every stage it ran in on the primary", async () => {
    const { backend } = await open("dual-write");
    await backend.setStage("shadow");
    expect((await latestStage(from))?.stage).toBe("shadow");
    await backend.setStage("live", { force: true });
    expect((await latestStage(to))).toMatchObject({ stage: "live", primary: "to" });
    await backend.close();
  });

  it("rejects bad options naming each one", async () => {
    from = await json.open();
    to = await pgSide.open();
    expect(() => dualWriteBackend({ from, to, stage: "shadow", shadowSample: 2, secondaryWrites: "later" as never })).toThrow(/shadowSample.*secondaryWrites|secondaryWrites.*shadowSample/);
    expect(() => dualWriteBackend({ from, to: from, stage: "shadow" })).toThrow(/to: must be another backend/);
    expect(() => dualWriteBackend({ from, to, stage: "shadow", bulkLoadAbove: -1 })).toThrow(/bulkLoadAbove: must be a whole number, 0 or more/);
    expect(() => dualWriteBackend({ from, to, stage: "shadow", bulkLoadAbove: 1.5 })).toThrow(/bulkLoadAbove/);
  });
});
