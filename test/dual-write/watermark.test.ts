import { afterEach, describe, expect, it } from "vitest";
import type { Backend, Stored } from "../../src/backend.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { dualWriteBackend } from "../../src/dual-write/index.js";
import { reconcilePass } from "../../src/dual-write/feed.js";
import type { JournalEntryRow } from "../../src/model/rows.js";
import { entryRow, userRow } from "../postgres/rows.js";
import { expectSidesEqual, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";
import { prng } from "../support/prng.js";

/**
 * The watermark trap on the real server: a change_seq is taken when a row is written, not when its
 * transaction commits, so while a slow transaction holding 42 is open, 43 and 44 can commit and be
 * read. A consumer that moved its watermark past 42 would skip it for good. `changeHorizon()` must
 * stay below the slow row until it commits, and a change-feed consumer running in between
 * (reconcilePass, the dual-write backend's reconcile) must skip nothing.
 */

const url = useTestDatabase(async (u) => void (await migrate(u)));
const pgSide = postgresSide(url);
let open: Backend[] = [];
afterEach(async () => {
  await Promise.allSettled(open.map((b) => b.close()));
  open = [];
});

function pgBackend(): Backend {
  const b = postgresBackend({ connectionString: url(), poolSize: 6 });
  open.push(b);
  return b;
}

/** A transaction that writes `row`, reports its stored copy, and commits only when told to. */
function slowTransaction(backend: Backend, row: JournalEntryRow) {
  let commit!: () => void;
  const held = new Promise<void>((resolve) => (commit = resolve));
  let written!: (row: Stored<JournalEntryRow>) => void;
  const stored = new Promise<Stored<JournalEntryRow>>((resolve) => (written = resolve));
  const done = backend.transaction(async (tx) => {
    written(await tx.insert("journalEntries", row));
    await held;
  });
  return { stored, commit, done };
}

describe("the watermark trap (PostgreSQL, concurrent connections)", () => {
  it("changeHorizon stays below a slow transaction's row while later rows commit, then passes it", async () => {
    await pgSide.reset();
    const pg = pgBackend();
    const user = await pg.insert("users", userRow());
    const slow = slowTransaction(pg, entryRow(user.id, { title: "slow" }));
    const slowRow = await slow.stored;
    const fast = [];
    for (let i = 0; i < 3; i++) fast.push(await pg.insert("journalEntries", entryRow(user.id, { title: `fast ${i}` })));

    // The trap is real: rows above the slow one are committed and visible.
    const visible = await pg.scan("journalEntries", { changedSince: 0, limit: 100 });
    expect(visible.map((r) => r.id)).toEqual(fast.map((r) => r.id));
    expect(Math.min(...visible.map((r) => r.changeSeq))).toBeGreaterThan(slowRow.changeSeq);

    let horizon: number;
    try {
      horizon = await pg.changeHorizon();
      expect(horizon).toBeLessThan(slowRow.changeSeq);
    } finally {
      slow.commit();
      await slow.done;
    }
    expect(await pg.changeHorizon()).toBeGreaterThanOrEqual(Math.max(...fast.map((r) => r.changeSeq)));
    const feed = await pg.scan("journalEntries", { changedSince: horizon, limit: 100 });
    expect(feed.map((r) => r.id)).toEqual([slowRow.id, ...fast.map((r) => r.id)]);
  });

  it("the dual-write backend's reconcile in between skips nothing (PostgreSQL primary)", async () => {
    await pgSide.reset();
    const pg = pgBackend();
    const secondary = memoryBackend();
    const dual = dualWriteBackend({ from: secondary, to: postgresBackend({ connectionString: url(), poolSize: 3 }), stage: "live", reconcileIntervalMs: 60_000 });
    open.push(dual);
    await dual.whenReady();

    // Another writer of the same database (another app process): only the change feed carries it over.
    const user = await pg.insert("users", userRow());
    const slow = slowTransaction(pg, entryRow(user.id, { title: "slow" }));
    const slowRow = await slow.stored;
    const fast = [];
    for (let i = 0; i < 3; i++) fast.push(await pg.insert("journalEntries", entryRow(user.id, { title: `fast ${i}` })));

    try {
      // The pass stops at the horizon: the user passes, the entries above the slow one wait for it.
      const first = await dual.reconcile();
      expect(first!.horizon).toBeLessThan(slowRow.changeSeq);
      expect(first!.applied).toBe(1);
      expect(dual.stats().watermark).toBeLessThan(slowRow.changeSeq);
      expect(await secondary.get("users", user.id)).not.toBeNull();
      expect(await secondary.get("journalEntries", slowRow.id)).toBeNull();
    } finally {
      slow.commit();
      await slow.done;
    }
    const second = await dual.reconcile();
    expect(second!.applied).toBe(4);
    expect(await secondary.get("journalEntries", slowRow.id)).toMatchObject({ id: slowRow.id, title: "slow" });
    expect(dual.stats().watermark).toBeGreaterThanOrEqual(Math.max(...fast.map((r) => r.changeSeq)));
    await expectSidesEqual(pg, secondary);
  });

  it("a consumer polling reconcilePass during many overlapping slow transactions never skips a row", async () => {
    await pgSide.reset();
    const pg = pgBackend();
    const target = memoryBackend();
    open.push(target);
    const rnd = prng(7);
    const users: Stored[] = [];
    for (let i = 0; i < 3; i++) users.push(await pg.insert("users", userRow()));

    let watermark = 0;
    let writing = true;
    let passes = 0;
    let straddled = 0;
    const consumer = (async () => {
      while (writing) {
        // A horizon below a changeSeq already visible means a transaction that took an earlier
        // value is still open: the trap a naive consumer (watermark = highest seen) falls into.
        const seen = await pg.scan("journalEntries", { changedSince: watermark, limit: 10_000 });
        const horizon = await pg.changeHorizon();
        if (seen.some((r) => r.changeSeq > horizon)) straddled++;
        const result = await reconcilePass({ source: pg, target, since: watermark, batchSize: 7 });
        watermark = Math.max(watermark, result.safeWatermark);
        passes++;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();

    const writer = async (w: number) => {
      for (let i = 0; i < 25; i++) {
        const hold = Math.floor(rnd() * 15);
        await pg.transaction(async (tx) => {
          await tx.insert("journalEntries", entryRow(users[w % users.length]!.id, { title: `w${w} ${i}` }));
          if (hold > 0) await new Promise((r) => setTimeout(r, hold));
          if (rnd() < 0.3) await tx.insert("journalEntries", entryRow(users[w % users.length]!.id, { title: `w${w} ${i} b` }));
        });
      }
    };
    await Promise.all(Array.from({ length: 4 }, (_, w) => writer(w)));
    writing = false;
    await consumer;
    const last = await reconcilePass({ source: pg, target, since: watermark, batchSize: 7 });
    // The last pass only reads what changed after the consumer's watermark; equality proves no
    // row committed below it was skipped.
    expect(last.refused).toEqual([]);
    await expectSidesEqual(pg, target);
    expect(passes).toBeGreaterThan(5);
    expect(straddled, "slow transactions straddled the consumer's horizon").toBeGreaterThan(0);
  });
});
