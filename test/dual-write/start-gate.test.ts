import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate } from "../../src/backends/postgres/index.js";
import { dualWriteBackend, type DualWriteBackend, type DualWriteOptions } from "../../src/dual-write/index.js";
import { latestStage, readShadowEvidence, readWatermark, SHADOW_EVIDENCE_RUN_ID, STAGE_RUN_ID, type ShadowEvidence, type StageRecord } from "../../src/dual-write/records.js";
import { durableShadowWindow, shadowRunStart, startIsGated } from "../../src/dual-write/start-gate.js";
import { configFromEnv, createStoreFromEnv } from "../../src/env.js";
import { ConfigError, CutoverRefusedError } from "../../src/errors.js";
import type { StageChangedEvent } from "../../src/events.js";
import type { MigrationLogRow } from "../../src/model/rows.js";
import { createStore } from "../../src/store/create-store.js";
import { backfill, compare } from "../../src/sync/index.js";
import { generateDataset } from "../support/dataset.js";
import { jsonSide, postgresSide } from "../support/dual.js";
import { sqlOn } from "../support/pg-client.js";
import { useTestDatabase } from "../support/postgres.js";

// The cutover gate at start: a process started in live or complete after another stage was
// recorded is judged on the durable shadow evidence of the processes before it, the latest
// compares and what replication left pending. A real JSON directory (from) and PostgreSQL (to);
// each "process" is a dual-write backend opened on the same stores and closed again.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const pgSide = postgresSide(url);
const sql = (text: string, values: unknown[] = []) => sqlOn(url(), text, values);
const opened: { close(): Promise<void> }[] = [];

/** Opens one side on its own (closed after the test). */
async function side(which: "json" | "pg"): Promise<Backend> {
  const backend = await (which === "json" ? json : pgSide).open();
  opened.push(backend);
  return backend;
}

/** The thresholds every process in this file runs with (10 reads, so tests stay short). */
const GATE = { cutoverMinShadowReads: 10, reconcileIntervalMs: 60_000 } as const;

/** Starts a process in `stage` on the stores; resolves once it serves (or rejects as it does). */
async function start(stage: DualWriteOptions["stage"], options: Partial<DualWriteOptions> = {}, events: StageChangedEvent[] = []): Promise<DualWriteBackend> {
  const backend = dualWriteBackend({ from: await json.open(), to: await pgSide.open(), stage, ...GATE, ...options });
  opened.push(backend);
  backend.on("stage-changed", (e) => events.push(e));
  await backend.whenReady();
  return backend;
}

/** A start expected to be refused: its error, after the process is closed. */
async function refusedStart(stage: DualWriteOptions["stage"], options: Partial<DualWriteOptions> = {}): Promise<CutoverRefusedError> {
  const error = await start(stage, options).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(CutoverRefusedError);
  await opened.pop()!.close();
  return error as CutoverRefusedError;
}

/** Fills the JSON side and copies it to PostgreSQL (with a clean compare recorded when `compared`). */
async function seed(compared: boolean): Promise<void> {
  const from = await json.open();
  const to = await pgSide.open();
  try {
    await generateDataset(createStore({ backend: from }), { users: 2, entriesPerUser: 5 });
    await backfill({ source: from, target: to });
    if (compared) expect((await compare({ source: from, target: to })).divergences).toEqual([]);
  } finally {
    await Promise.all([from.close(), to.close()]);
  }
}

/** A process in shadow that makes `n` shadow reads of journal entries, waits until they are compared, and closes. */
async function shadowProcess(n: number, stage: "shadow" | "live" = "shadow", options: Partial<DualWriteOptions> = {}): Promise<void> {
  const backend = await start(stage, { shadowSample: 1, ...options });
  await shadowReads(backend, n);
  await backend.close();
}

/** Makes `n` more shadow reads of journal entries on a running process and waits until they are compared. */
async function shadowReads(backend: DualWriteBackend, n: number): Promise<void> {
  const before = backend.stats().shadow.compared;
  const ids = (await backend.scan("journalEntries", { limit: 100 })).map((r) => r.id).sort();
  for (let i = 0; i < n; i++) await backend.get("journalEntries", ids[i % ids.length]!);
  for (let i = 0; i < 500 && backend.stats().shadow.compared + backend.stats().shadow.failed < before + n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(backend.stats().shadow.compared).toBe(before + n);
}

/**
 * Every migrationLogs row of both stores as id@version, less the watermarks (what a refused start
 * must leave as it was; its start-up reconcile of the old direction may move that one's watermark).
 */
async function records(): Promise<string[]> {
  const out: string[] = [];
  for (const side of [json, pgSide]) {
    const b = await side.open();
    try {
      for (const r of await b.scan("migrationLogs", { limit: 10_000 })) if (r.operation !== "dual-write:watermark") out.push(`${r.id}@${r.version}`);
    } finally {
      await b.close();
    }
  }
  return out.sort();
}

async function newestStageRow(store: Backend): Promise<MigrationLogRow> {
  const page = await store.query("migrationLogs", { where: [{ field: "runId", op: "eq", value: STAGE_RUN_ID }], orderBy: { field: "startedAt", direction: "desc" }, limit: 1 });
  return page.rows[0] as MigrationLogRow;
}

beforeEach(async () => {
  await Promise.all([json.reset(), pgSide.reset()]);
});
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((b) => b.close()));
});

describe("a process started in live after shadow", () => {
  it("starts on the shadow evidence a closed shadow process recorded", async () => {
    await seed(true);
    await shadowProcess(12);
    // The shadow process left its window on its primary (JSON), one row.
    const from = await json.open();
    const evidence = await readShadowEvidence(from);
    await from.close();
    expect(evidence).toEqual([expect.objectContaining({ stage: "shadow", compared: 12, consistent: 12 })]);

    const events: StageChangedEvent[] = [];
    const live = await start("live", {}, events);
    expect(live.stage).toBe("live");
    expect(events).toEqual([{ from: "shadow", to: "live", reconciled: true }]);
    expect((await newestStageRow(await side("pg"))).checkpoint).toEqual({ stage: "live", primary: "to" });
  });

  it("is refused naming shadow when the shadow reads found a planted divergence, and writes nothing", async () => {
    await seed(true);
    const from = await json.open();
    const entry = (await from.scan("journalEntries", { limit: 100 })).map((r) => r.id).sort()[0]!;
    await from.close();
    await sql(`UPDATE journal_store.journal_entries SET title = 'planted' WHERE id = $1`, [entry]);
    await shadowProcess(20);
    const before = await records();

    const refused = await refusedStart("live");
    expect(refused.code).toBe("CUTOVER_REFUSED");
    expect(refused.stage).toBe("live");
    expect(refused.startedAfter).toBe("shadow");
    expect(refused.failed.map((f) => f.condition)).toEqual(["shadow"]);
    expect(refused.failed[0]!.message).toBe("shadow consistency 0.9000 over the last 20 comparisons is below 0.999");
    expect(refused.message).toMatch(/^\[journal-store\] cutover to live refused at start \(the last recorded stage is shadow\): shadow: .*JOURNAL_STORE_FORCE_CUTOVER=true/);
    expect(refused.message).not.toContain("planted");
    // No stage record, no watermark of the new direction, no evidence: every record as it was.
    expect(await records()).toEqual(before);
    expect(await readWatermark(await side("pg"), "to")).toBeNull();
  });

  it("is refused naming compare when no compare was recorded", async () => {
    await seed(false);
    await shadowProcess(12);
    const refused = await refusedStart("live");
    expect(refused.failed.map((f) => f.condition)).toEqual(["compare"]);
    expect(refused.failed[0]!.message).toMatch(/^no compare recorded for users, topics, journalEntries/);
  });

  it("forceCutover starts it, and the stage record and the event keep the override", async () => {
    await seed(false);
    await shadowProcess(3);
    const events: StageChangedEvent[] = [];
    const live = await start("live", { forceCutover: true }, events);
    expect(live.stage).toBe("live");
    expect(events).toEqual([{ from: "shadow", to: "live", reconciled: true, forced: true }]);
    const to = await side("pg");
    const checkpoint = (await newestStageRow(to)).checkpoint as Record<string, unknown>;
    expect(checkpoint).toMatchObject({ stage: "live", primary: "to", forced: true });
    expect(checkpoint.overridden).toMatch(/^compare: no compare recorded .*; shadow: only 3 shadow comparison\(s\) in the window, 10 required/);
  });

  it("a restart in live when live was already the last recorded stage starts without any evidence", async () => {
    await seed(false);
    await (await start("shadow")).close();
    await (await start("live", { forceCutover: true })).close();
    const events: StageChangedEvent[] = [];
    const again = await start("live", {}, events);
    expect(again.stage).toBe("live");
    expect(events).toEqual([]);
    const to = await side("pg");
    expect((await newestStageRow(to)).checkpoint).toMatchObject({ stage: "live", forced: true });
  });

  it("evidence counts only from the current shadow run: a run ended by dual-write does not count; the processes of the current one are summed", async () => {
    await seed(true);
    await shadowProcess(12);
    // Back to dual-write and into shadow again: a new run begins; the first run's evidence is before it.
    await (await start("dual-write")).close();
    await (await start("shadow")).close();
    expect((await refusedStart("live")).failed).toEqual([{ condition: "shadow", message: "only 0 shadow comparison(s) in the window, 10 required (run in shadow with shadowSample > 0 first)" }]);
    await shadowProcess(6);
    await shadowProcess(6);
    // Two processes of the current run, summed.
    expect((await start("live")).stage).toBe("live");
  });
});

describe("the durable shadow evidence", () => {
  it("is recorded from the background pass while the window changes, one row per process updated in place", async () => {
    await seed(true);
    // The JSON side is the primary, locked by the backend: its records are read through the very
    // backend object the dual-write backend composes (not through dual write, which would shadow the reads).
    const from = await json.open();
    const backend = dualWriteBackend({ from, to: await pgSide.open(), stage: "shadow", shadowSample: 1, reconcileIntervalMs: 20, shadowEvidenceIntervalMs: 100 });
    opened.push(backend);
    await backend.whenReady();
    const ids = (await from.scan("journalEntries", { limit: 100 })).map((r) => r.id);
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 300 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await check()).toBe(true);
    };
    await new Promise((r) => setTimeout(r, 200));
    expect(await readShadowEvidence(from)).toEqual([]); // nothing compared: nothing written
    for (const id of ids.slice(0, 5)) await backend.get("journalEntries", id);
    await until(async () => (await readShadowEvidence(from))[0]?.compared === 5);
    const [first] = await readShadowEvidence(from);
    expect(first).toMatchObject({ stage: "shadow", compared: 5, consistent: 5 });
    const version = (await from.get("migrationLogs", first!.instance))!.version;
    await new Promise((r) => setTimeout(r, 300));
    expect((await from.get("migrationLogs", first!.instance))!.version).toBe(version); // unchanged window: no write
    // 30 reads over about 300 ms, passes every 20 ms: at most one write per 100 ms (about 3, and
    // the last one), where a write per pass would be about 15.
    for (let i = 0; i < 30; i++) {
      await backend.get("journalEntries", ids[i % ids.length]!);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(async () => (await readShadowEvidence(from))[0]?.compared === 35);
    expect(await readShadowEvidence(from)).toHaveLength(1);
    const writes = (await from.get("migrationLogs", first!.instance))!.version - version;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(6);
  });
});

describe("a process started in complete", () => {
  it("after rampdown needs what setStage(complete) needs: clean compares, nothing pending, and the shadow evidence of the run before rampdown", async () => {
    await seed(true);
    await shadowProcess(4); // too few on their own
    // live passes the gate only forced; its processes shadow-read the JSON side.
    await (await start("live", { forceCutover: true })).close();
    await (await start("rampdown")).close();
    // rampdown reads no shadows: the run that counts is shadow + live, 4 comparisons so far.
    const refused = await refusedStart("complete");
    expect(refused.startedAfter).toBe("rampdown");
    expect(refused.failed).toEqual([{ condition: "shadow", message: "only 4 shadow comparison(s) in the window, 10 required (run in shadow with shadowSample > 0 first)" }]);
    // Back to live (gated as setStage("live") from rampdown is: forced here) with shadow reads
    // there, then rampdown again: the rampdown between broke the run, so the current one is this
    // live stretch alone, and it is enough.
    await shadowProcess(12, "live", { forceCutover: true });
    await (await start("rampdown")).close();
    const events: StageChangedEvent[] = [];
    const complete = await start("complete", {}, events);
    expect(complete.stage).toBe("complete");
    expect(events).toEqual([{ from: "rampdown", to: "complete", reconciled: false }]);
  });

  it("after rampdown with changes its replication never sent: refused naming pending", async () => {
    await seed(true);
    await shadowProcess(12);
    await (await start("live", { forceCutover: true })).close();
    await (await start("rampdown")).close();
    // A write on PostgreSQL after the rampdown process stopped: not on the JSON side.
    const to = await pgSide.open();
    const user = (await to.scan("users", { limit: 1 }))[0]!;
    await createStore({ backend: to }).entries.create({ userId: user.id, content: "after rampdown" });
    await to.close();
    const refused = await refusedStart("complete");
    expect(refused.failed).toEqual([{ condition: "pending", message: "1 primary change(s) not yet on the secondary after a flush" }]);
  });
});

describe("a move at run time after a restart (setStage judges what the start gate judges)", () => {
  it("a process restarted in rampdown moves to complete on the shadow evidence of the shadow and live processes before it", async () => {
    await seed(true);
    await shadowProcess(6);
    await shadowProcess(6, "live", { forceCutover: true });
    const rampdown = await start("rampdown");
    expect(rampdown.stats().shadow.window.compared).toBe(0); // rampdown makes no shadow reads
    expect(await rampdown.cutoverFailures()).toEqual([]);
    const events: StageChangedEvent[] = [];
    rampdown.on("stage-changed", (e) => events.push(e));
    await rampdown.setStage("complete");
    expect(rampdown.stage).toBe("complete");
    expect(events).toEqual([{ from: "rampdown", to: "complete", reconciled: false }]);
    expect((await newestStageRow(await side("pg"))).checkpoint).toEqual({ stage: "complete", primary: "to" });
  });

  it("a process restarted in shadow counts the earlier shadow processes of the run beside its own few reads", async () => {
    await seed(true);
    await shadowProcess(7);
    const shadow = await start("shadow", { shadowSample: 1 });
    await shadowReads(shadow, 3);
    expect(await shadow.cutoverFailures()).toEqual([]);
    await shadow.setStage("live");
    expect(shadow.stage).toBe("live");
  });

  it("too few durable comparisons: still refused, naming the shadow condition with the durable count", async () => {
    await seed(true);
    await shadowProcess(4);
    await (await start("live", { forceCutover: true })).close();
    const rampdown = await start("rampdown");
    const refused = await rampdown.setStage("complete").then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(CutoverRefusedError);
    expect((refused as CutoverRefusedError).failed).toEqual([
      { condition: "shadow", message: "only 4 shadow comparison(s) in the window, 10 required (run in shadow with shadowSample > 0 first)" },
    ]);
    expect(rampdown.stage).toBe("rampdown");
  });

  it("evidence of an earlier shadow run (ended by dual-write) does not count at run time either", async () => {
    await seed(true);
    await shadowProcess(12);
    await (await start("dual-write")).close();
    const shadow = await start("shadow", { shadowSample: 1 });
    await shadowReads(shadow, 2);
    expect(await shadow.cutoverFailures()).toEqual([{ condition: "shadow", message: "only 2 shadow comparison(s) in the window, 10 required (run in shadow with shadowSample > 0 first)" }]);
  });

  it("a process's own reads from before a dual-write interlude do not count once a new shadow run began", async () => {
    await seed(true);
    const shadow = await start("shadow", { shadowSample: 1 });
    await shadowReads(shadow, 12);
    expect(await shadow.cutoverFailures()).toEqual([]);
    await shadow.setStage("dual-write");
    await shadow.setStage("shadow");
    expect(await shadow.cutoverFailures()).toEqual([{ condition: "shadow", message: "only 0 shadow comparison(s) in the window, 10 required (run in shadow with shadowSample > 0 first)" }]);
    await shadowReads(shadow, 10);
    await shadow.setStage("live");
    expect(shadow.stage).toBe("live");
  });

  it("this process's reads count from memory: alone, and when its evidence could not be written", async () => {
    await seed(true);
    await (await start("shadow")).close();
    const live = await start("live", { shadowSample: 1, forceCutover: true });
    // Every shadow-evidence write on PostgreSQL (the primary in live) fails from now on.
    await sql(`CREATE FUNCTION journal_store.refuse_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'evidence refused'; END $$`);
    await sql(`CREATE TRIGGER refuse_evidence BEFORE INSERT OR UPDATE ON journal_store.migration_logs FOR EACH ROW WHEN (NEW.run_id = '${SHADOW_EVIDENCE_RUN_ID}') EXECUTE FUNCTION journal_store.refuse_evidence()`);
    try {
      await shadowReads(live, 10);
      expect(await live.cutoverFailures()).toEqual([]);
      await live.setStage("complete");
      expect(live.stage).toBe("complete");
      await live.close();
      // Nothing durable: the move was judged on this process's own window.
      expect(await readShadowEvidence(await side("pg"))).toEqual([]);
      expect(await readShadowEvidence(await side("json"))).toEqual([]);
    } finally {
      await sql(`DROP TRIGGER refuse_evidence ON journal_store.migration_logs; DROP FUNCTION journal_store.refuse_evidence()`);
    }
  });
});

describe("through createStoreFromEnv", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "journal-start-gate-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A history on `dir`: a store in shadow recorded (no compare, no shadow reads). */
  async function shadowRecorded(): Promise<void> {
    const backend = dualWriteBackend({ from: jsonFileBackend({ dir }), to: await pgSide.open(), stage: "shadow" });
    await backend.whenReady();
    await backend.close();
  }

  it("JOURNAL_STORE_STAGE=complete straight after a backfill and shadow, whose stages only the JSON store records: gated on both stores", async () => {
    const source = jsonFileBackend({ dir });
    const target = await pgSide.open();
    await generateDataset(createStore({ backend: source }), { users: 1, entriesPerUser: 2 });
    await backfill({ source, target });
    await Promise.all([source.close(), target.close()]);
    await shadowRecorded();
    const pg = await pgSide.open();
    expect(await latestStage(pg)).toBeNull(); // shadow's primary is the JSON store: its stages are recorded there
    await pg.close();
    const env = { JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: url(), JOURNAL_STORE_STAGE: "complete" };
    const error = (await createStoreFromEnv(env).then(() => null, (e: unknown) => e)) as CutoverRefusedError;
    expect(error).toBeInstanceOf(CutoverRefusedError);
    expect(error.startedAfter).toBe("shadow");
    expect(error.failed.map((f) => f.condition)).toEqual(["compare", "shadow"]);
    const forced = await createStoreFromEnv({ ...env, JOURNAL_STORE_FORCE_CUTOVER: "1" });
    try {
      expect(await latestStage(forced.backend)).toMatchObject({ stage: "complete", primary: "to" });
      expect((await newestStageRow(forced.backend)).checkpoint).toMatchObject({ forced: true });
    } finally {
      await forced.close();
    }
  });

  it("JOURNAL_STORE_STAGE=complete without the JSON store: free on a database no cutover touched, gated once it records a backfill", async () => {
    const env = { DATABASE_URL: url(), JOURNAL_STORE_STAGE: "complete" };
    await (await createStoreFromEnv(env)).close();
    const pg = await pgSide.open();
    expect(await latestStage(pg)).toBeNull(); // a plain PostgreSQL app: nothing gated, nothing recorded
    const source = jsonFileBackend({ dir });
    await generateDataset(createStore({ backend: source }), { users: 1, entriesPerUser: 2 });
    await backfill({ source, target: pg });
    await Promise.all([source.close(), pg.close()]);
    const error = (await createStoreFromEnv(env).then(() => null, (e: unknown) => e)) as CutoverRefusedError;
    expect(error).toBeInstanceOf(CutoverRefusedError);
    expect(error.startedAfter).toBeNull();
    expect(error.failed.map((f) => f.condition)).toEqual(["compare", "pending", "shadow"]);
    expect(error.message).toContain("not configured here");
  });

  it("JOURNAL_STORE_STAGE=live after shadow: refused with CutoverRefusedError; JOURNAL_STORE_FORCE_CUTOVER=true starts it", async () => {
    await shadowRecorded();
    const env = { JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: url(), JOURNAL_STORE_STAGE: "live" };
    const error = await createStoreFromEnv(env).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(CutoverRefusedError);
    expect((error as CutoverRefusedError).failed.map((f) => f.condition)).toEqual(["compare", "shadow"]);
    // The refused start released the JSON directory: a forced start can take it.
    const store = await createStoreFromEnv({ ...env, JOURNAL_STORE_FORCE_CUTOVER: "true" });
    try {
      expect((store.backend as DualWriteBackend).stage).toBe("live");
      const checkpoint = (await newestStageRow(store.backend)).checkpoint as Record<string, unknown>;
      expect(checkpoint).toMatchObject({ stage: "live", forced: true });
    } finally {
      await store.close();
    }
  });

  it("JOURNAL_STORE_STAGE=complete after rampdown on PostgreSQL alone: refused, then forced and recorded, then a plain restart", async () => {
    const to = await pgSide.open();
    const history = dualWriteBackend({ from: jsonFileBackend({ dir }), to, stage: "live", forceCutover: true });
    await history.whenReady();
    await history.setStage("rampdown");
    await history.close();
    const env = { DATABASE_URL: url(), JOURNAL_STORE_STAGE: "complete" };
    const error = (await createStoreFromEnv(env).then(() => null, (e: unknown) => e)) as CutoverRefusedError;
    expect(error).toBeInstanceOf(CutoverRefusedError);
    expect(error.startedAfter).toBe("rampdown");
    expect(error.failed.map((f) => f.condition)).toEqual(["compare", "shadow"]);
    const forced = await createStoreFromEnv({ ...env, JOURNAL_STORE_FORCE_CUTOVER: "1" });
    expect(await latestStage(forced.backend)).toMatchObject({ stage: "complete", primary: "to" });
    expect((await newestStageRow(forced.backend)).checkpoint).toMatchObject({ forced: true });
    await forced.close();
    // complete is now the last recorded stage: a restart is not gated.
    await (await createStoreFromEnv(env)).close();
  });

  it("a bad JOURNAL_STORE_FORCE_CUTOVER is a ConfigError naming it", () => {
    const error = (() => {
      try {
        configFromEnv({ JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: url(), JOURNAL_STORE_STAGE: "live", JOURNAL_STORE_FORCE_CUTOVER: "yes please" });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([{ variables: ["JOURNAL_STORE_FORCE_CUTOVER"], message: "must be true, false, 1 or 0" }]);
    expect(error.message).not.toContain("yes please");
    expect(configFromEnv({ JOURNAL_STORE_JSON_DIR: dir, JOURNAL_STORE_FORCE_CUTOVER: "TRUE" }).forceCutover).toBe(true);
    expect(configFromEnv({ JOURNAL_STORE_JSON_DIR: dir }).forceCutover).toBeUndefined();
  });
});

describe("the start-gate rules", () => {
  const rec = (stage: StageRecord["stage"], at: string): StageRecord => ({ stage, primary: stage === "live" || stage === "rampdown" || stage === "complete" ? "to" : "from", at });
  const ev = (instance: string, at: string, compared: number, consistent = compared): ShadowEvidence => ({ instance, stage: "shadow", compared, consistent, at });

  it("which starts are gated", () => {
    expect(startIsGated("live", rec("shadow", "t1"))).toBe(true);
    expect(startIsGated("live", rec("dual-write", "t1"))).toBe(true);
    expect(startIsGated("live", rec("live", "t1"))).toBe(false);
    expect(startIsGated("live", rec("rampdown", "t1"))).toBe(true);
    expect(startIsGated("live", rec("complete", "t1"))).toBe(false);
    expect(startIsGated("complete", rec("rampdown", "t1"))).toBe(true);
    expect(startIsGated("complete", rec("live", "t1"))).toBe(true);
    expect(startIsGated("complete", rec("complete", "t1"))).toBe(false);
    expect(startIsGated("shadow", rec("off", "t1"))).toBe(false);
    expect(startIsGated("live", null)).toBe(false);
  });

  it("the current shadow run starts at the oldest record of the newest unbroken stretch of shadow-reading stages", () => {
    expect(shadowRunStart([rec("shadow", "t2"), rec("dual-write", "t1")])).toBe("t2");
    expect(shadowRunStart([rec("rampdown", "t5"), rec("live", "t4"), rec("shadow", "t3"), rec("dual-write", "t2"), rec("shadow", "t1")])).toBe("t3");
    expect(shadowRunStart([rec("shadow", "t1"), rec("dual-write", "t2")])).toBe("t1");
    expect(shadowRunStart([rec("dual-write", "t1")])).toBeNull();
  });

  it("the durable window: newest record per process, written after the run began, newest processes until the window is full", () => {
    const evidence = [ev("a", "t1", 50, 0), ev("b", "t3", 5), ev("b", "t4", 8), ev("c", "t5", 6), ev("d", "t6", 4, 3)];
    expect(durableShadowWindow(evidence, "t2", 1000)).toEqual({ size: 1000, compared: 18, consistent: 17, consistencyRate: 17 / 18 });
    expect(durableShadowWindow(evidence, "t2", 10)).toEqual({ size: 10, compared: 10, consistent: 9, consistencyRate: 0.9 });
    expect(durableShadowWindow(evidence, null, 10).compared).toBe(0);
  });
});
