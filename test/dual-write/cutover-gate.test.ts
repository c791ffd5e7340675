import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate } from "../../src/backends/postgres/index.js";
import { cutoverFailures } from "../../src/dual-write/cutover-gate.js";
import { dualWriteBackend, type DualWriteBackend } from "../../src/dual-write/index.js";
import { STAGE_RUN_ID } from "../../src/dual-write/records.js";
import { ShadowWindow } from "../../src/dual-write/stats.js";
import { CutoverRefusedError } from "../../src/errors.js";
import type { StageChangedEvent } from "../../src/events.js";
import { REPLICATED_COLLECTIONS } from "../../src/model/collections.js";
import type { MigrationLogRow } from "../../src/model/rows.js";
import { createStore } from "../../src/store/create-store.js";
import { backfill, compare, repair } from "../../src/sync/index.js";
import { generateDataset } from "../support/dataset.js";
import { jsonSide, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";
import { sqlOn } from "../support/pg-client.js";

// The gated cutover between a real JSON directory (from) and a real PostgreSQL database (to).
const url = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const pgSide = postgresSide(url);
let from: Backend;
let to: Backend;
let backend: DualWriteBackend;
let events: StageChangedEvent[];

const sql = (text: string, values: unknown[] = []) => sqlOn(url(), text, values);

/** Fills the JSON side, copies it to PostgreSQL, and opens dual write in `shadow` over both. */
async function setUp(options: Partial<Parameters<typeof dualWriteBackend>[0]> = {}) {
  from = await json.open();
  to = await pgSide.open();
  await generateDataset(createStore({ backend: from }), { users: 2, entriesPerUser: 5 });
  await backfill({ source: from, target: to });
  backend = dualWriteBackend({ from, to, stage: "shadow", shadowSample: 1, reconcileIntervalMs: 60_000, cutoverMinShadowReads: 10, ...options });
  events = [];
  backend.on("stage-changed", (e) => events.push(e));
  await backend.whenReady();
}

/** Makes `n` shadow reads of users (which agree on both sides) and waits until they are compared. */
async function shadowReads(n: number): Promise<void> {
  const users = (await from.scan("users", { limit: 100 })).map((u) => u.id);
  const before = backend.stats().shadow.compared;
  for (let i = 0; i < n; i++) await backend.get("users", users[i % users.length]!);
  for (let i = 0; i < 400 && backend.stats().shadow.compared + backend.stats().shadow.failed < before + n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(backend.stats().shadow.compared).toBe(before + n);
}

async function refusal(promise: Promise<unknown>): Promise<CutoverRefusedError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(CutoverRefusedError);
  return error as CutoverRefusedError;
}

beforeEach(async () => {
  await Promise.all([json.reset(), pgSide.reset()]);
});
afterEach(async () => {
  await backend?.close();
});

describe("the gated cutover", () => {
  it("refuses live while the latest compare found divergences, naming the collection; allows it after repair", async () => {
    await setUp();
    const entry = (await from.scan("journalEntries", { limit: 100 })).find((r) => !r.deleted)!;
    await sql(`UPDATE journal_store.journal_entries SET title = 'planted' WHERE id = $1`, [entry.id]);
    const found = await compare({ source: from, target: to, settle: backend });
    expect(found.divergences.map((d) => d.id)).toEqual([entry.id]);
    await shadowReads(12);

    const refused = await refusal(backend.setStage("live"));
    expect(refused.code).toBe("CUTOVER_REFUSED");
    expect(refused.stage).toBe("live");
    expect(refused.failed.map((f) => f.condition)).toEqual(["compare"]);
    expect(refused.failed[0]!.message).toContain("journalEntries (1)");
    expect(refused.message).not.toContain("planted");
    expect(backend.stage).toBe("shadow");
    expect(events).toEqual([]);

    const fixed = await repair({ source: from, target: to, settle: backend, force: true });
    expect(fixed.unresolved).toEqual([]);
    await backend.setStage("live");
    expect(backend.stage).toBe("live");
    expect(events).toEqual([{ from: "shadow", to: "live", reconciled: true }]);
    // Recorded on the new primary, not as forced.
    const stages = await to.query("migrationLogs", { where: [{ field: "runId", op: "eq", value: STAGE_RUN_ID }], orderBy: { field: "startedAt", direction: "desc" }, limit: 1 });
    expect(stages.rows[0]!.checkpoint).toEqual({ stage: "live", primary: "to" });
  });

  it("names every failing condition: no compare recorded, too few shadow reads", async () => {
    await setUp();
    const refused = await refusal(backend.setStage("live"));
    expect(refused.failed.map((f) => f.condition)).toEqual(["compare", "shadow"]);
    expect(refused.failed[0]!.message).toMatch(/no compare recorded for users, topics, journalEntries/);
    expect(refused.failed[1]!.message).toMatch(/only 0 shadow comparison\(s\) in the window, 10 required/);
    expect(await backend.cutoverFailures()).toEqual(refused.failed);
  });

  it("a failed or aborted latest compare counts as not compared, even after a clean one", async () => {
    await setUp();
    await compare({ source: from, target: to });
    const controller = new AbortController();
    controller.abort();
    await compare({ source: from, target: to, signal: controller.signal, collections: ["users"] });
    await shadowReads(10);
    const refused = await refusal(backend.setStage("live"));
    expect(refused.failed).toEqual([{ condition: "compare", message: "latest compare did not complete for users" }]);
  });

  it("force moves anyway, and the stage record keeps what was overridden", async () => {
    await setUp();
    await backend.setStage("live", { force: true });
    expect(backend.stage).toBe("live");
    expect(events).toEqual([{ from: "shadow", to: "live", reconciled: true, forced: true }]);
    const stages = await to.query("migrationLogs", { where: [{ field: "runId", op: "eq", value: STAGE_RUN_ID }], orderBy: { field: "startedAt", direction: "desc" }, limit: 1 });
    const checkpoint = stages.rows[0]!.checkpoint as Record<string, unknown>;
    expect(checkpoint).toMatchObject({ stage: "live", primary: "to", forced: true });
    expect(checkpoint.overridden).toMatch(/^compare: no compare recorded .*; shadow: only 0 shadow/);
  });

  it("gates complete too; moves that are not to live or complete are never gated", async () => {
    await setUp();
    await backend.setStage("dual-write");
    await backend.setStage("shadow");
    await backend.setStage("live", { force: true });
    await backend.setStage("rampdown");
    const refused = await refusal(backend.setStage("complete"));
    expect(refused.stage).toBe("complete");
    expect(backend.stage).toBe("rampdown");
  });

  it("refuses bad gate options, naming them", () => {
    expect(() => dualWriteBackend({ from: memoryLike(), to: memoryLike(), stage: "off", cutoverShadowThreshold: 2 })).toThrow(/cutoverShadowThreshold: must be a number from 0 to 1/);
    expect(() => dualWriteBackend({ from: memoryLike(), to: memoryLike(), stage: "off", shadowWindow: 10, cutoverMinShadowReads: 11 })).toThrow(/cutoverMinShadowReads/);
  });
});

function memoryLike(): Backend {
  return { transaction: () => undefined, changeHorizon: () => undefined } as unknown as Backend;
}

describe("cutover conditions", () => {
  const thresholds = { shadowThreshold: 0.999, minShadowReads: 100 };
  const clean = new Map(
    REPLICATED_COLLECTIONS.map((c) => [c, { collection: c, status: "completed", divergencesFound: 0 } as MigrationLogRow]),
  );
  const window = (compared: number, consistent: number) => ({ size: 1000, compared, consistent, consistencyRate: compared ? consistent / compared : 1 });

  it("all hold: nothing fails", () => {
    expect(cutoverFailures({ compares: clean, lag: 0, window: window(1000, 999) }, thresholds)).toEqual([]);
  });

  it("pending replication and low shadow consistency each fail with figures", () => {
    expect(cutoverFailures({ compares: clean, lag: 3, window: window(1000, 990) }, thresholds)).toEqual([
      { condition: "pending", message: "3 primary change(s) not yet on the secondary after a flush" },
      { condition: "shadow", message: "shadow consistency 0.9900 over the last 1000 comparisons is below 0.999" },
    ]);
  });

  it("the window keeps the last N comparisons only", () => {
    const w = new ShadowWindow(4);
    for (const ok of [false, false, true, true, true, true]) w.record(ok);
    expect(w.snapshot()).toEqual({ size: 4, compared: 4, consistent: 4, consistencyRate: 1 });
    w.record(false);
    expect(w.snapshot()).toEqual({ size: 4, compared: 4, consistent: 3, consistencyRate: 0.75 });
  });
});
