import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend, RowSource } from "../../src/backend.js";
import { jsonFileSource } from "../../src/backends/json/index.js";
import { ValidationError } from "../../src/errors.js";
import { migrate } from "../../src/backends/postgres/index.js";
import { REPLICATED_COLLECTIONS } from "../../src/model/collections.js";
import { createStore } from "../../src/store/create-store.js";
import { backfill, compare, repair } from "../../src/sync/index.js";
import { SYNC_DEFAULTS } from "../../src/sync/options.js";
import { RunLog, runningRuns } from "../../src/sync/run-log.js";
import { generateDataset } from "../support/dataset.js";
import { expectSidesEqual, jsonSide, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";
import { sqlOn } from "../support/pg-client.js";

// Backfill, compare and repair between a real JSON directory and a real PostgreSQL database, in
// both directions.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const pgSide = postgresSide(url);
let j: Backend;
let p: Backend;

beforeEach(async () => {
  await Promise.all([json.reset(), pgSide.reset()]);
  j = await json.open();
  p = await pgSide.open();
});
afterEach(async () => {
  await Promise.allSettled([j.close(), p.close()]);
});

const sql = (text: string, values: unknown[] = []) => sqlOn(url(), text, values);

const collectionsWithRows = async (b: Backend) => {
  const out = [];
  for (const c of REPLICATED_COLLECTIONS) if ((await b.scan(c, { limit: 1 })).length > 0) out.push(c);
  return out;
};

describe("backfill and compare", () => {
  for (const direction of ["json->postgres", "postgres->json"] as const) {
    it(`copy every collection losslessly, and a second run changes nothing (${direction})`, async () => {
      const [source, target] = direction === "json->postgres" ? [j, p] : [p, j];
      await generateDataset(createStore({ backend: source }), { users: 3, entriesPerUser: 10 });
      expect(await collectionsWithRows(source)).toEqual(REPLICATED_COLLECTIONS);

      const first = await backfill({ source, target, batchSize: 7 });
      expect(first.status).toBe("completed");
      expect(first.refused).toEqual([]);
      const read = Object.values(first.collections).reduce((n, c) => n + c.read, 0);
      expect(Object.values(first.collections).reduce((n, c) => n + c.applied, 0)).toBe(read);
      await expectSidesEqual(source, target);

      const check = await compare({ source, target, batchSize: 5 });
      expect(check.status).toBe("completed");
      expect(check.divergences).toEqual([]);

      const second = await backfill({ source, target });
      expect(Object.values(second.collections).reduce((n, c) => n + c.applied, 0)).toBe(0);
      expect(Object.values(second.collections).reduce((n, c) => n + c.stale, 0)).toBe(read);
    });
  }

  it("records each run and its checkpoint in the target's migrationLogs, and resumes from it", async () => {
    const store = createStore({ backend: j });
    await generateDataset(store, { users: 2, entriesPerUser: 20 });
    const controller = new AbortController();
    let batches = 0;
    const seen: Record<string, number> = {};
    const partial = await backfill({
      source: j,
      target: p,
      batchSize: 5,
      signal: controller.signal,
      onProgress: (progress) => {
        seen[progress.collection] = progress.read;
        if (++batches === 3) controller.abort();
      },
    });
    expect(partial.status).toBe("aborted");
    const copied = Object.values(partial.collections).reduce((n, c) => n + c.read, 0);
    // Stopped after the third batch: exactly what the progress reports had announced.
    expect(copied).toBe(Object.values(seen).reduce((n, r) => n + r, 0));
    expect(copied).toBeLessThan((await j.scan("journalEntries", { limit: 1000 })).length);
    const log = await createStore({ backend: p }).migrationLogs.get(partial.runId!);
    expect(log).toMatchObject({ operation: "backfill", status: "failed", checkpoint: partial.checkpoint });

    const rest = await backfill({ source: j, target: p, batchSize: 5, resume: true });
    expect(rest.status).toBe("completed");
    // Resumed after the checkpoint: nothing read twice in the first collection.
    expect(rest.collections.users!.read + partial.collections.users!.read).toBe((await j.scan("users", { limit: 1000 })).length);
    expect((await compare({ source: j, target: p })).divergences).toEqual([]);
  });

  it("a resumed run closes the records that killed runs left marked running", async () => {
    await generateDataset(createStore({ backend: j }), { users: 2, entriesPerUser: 5 });
    // What a process killed mid-run leaves behind: its record, still running, with a checkpoint.
    const killed = await RunLog.start(p, { runId: SYNC_DEFAULTS.runIds.backfill, operation: "backfill", checkpoint: { users: { afterId: null, done: true } } }, () => new Date(Date.now() - 60_000));
    const rest = await backfill({ source: j, target: p, resume: true });
    expect(rest.status).toBe("completed");
    const logs = createStore({ backend: p }).migrationLogs;
    expect(await logs.get(killed.id)).toMatchObject({ status: "failed", error: expect.stringContaining(`interrupted: the run stopped without closing its record (its process was killed?); resumed by run ${rest.runId}`) });
    expect(await logs.get(rest.runId!)).toMatchObject({ status: "completed" });
    expect(await runningRuns(p, SYNC_DEFAULTS.runIds.backfill)).toEqual([]);
    // It resumed from the killed run's checkpoint: users were done there.
    expect(rest.collections.users?.read ?? 0).toBe(0);
  });

  it("a dry run reads and counts but writes nothing", async () => {
    await generateDataset(createStore({ backend: j }), { users: 1, entriesPerUser: 3 });
    const report = await backfill({ source: j, target: p, dryRun: true });
    expect(report.runId).toBeNull();
    expect(report.collections.users!.read).toBe(1);
    expect(await collectionsWithRows(p)).toEqual([]);
  });

  it("refuse unknown or local collections, naming them", async () => {
    await expect(backfill({ source: j, target: p, collections: ["journalEntries", "nope"] as never })).rejects.toThrow(/collections: unknown or local collection: nope/);
    await expect(compare({ source: j, target: p, collections: ["migrationLogs"] as never })).rejects.toThrow(/migrationLogs/);
  });
});

describe("planted divergences", () => {
  // The JSON side read as the CLI reads it: a jsonFileSource, rows left on disk.
  for (const reader of ["backend", "jsonFileSource"] as const) {
    it(`compare reports exactly the changed, missing and extra rows of every collection, repair fixes exactly those (JSON read by its ${reader})`, async () => {
      await generateDataset(createStore({ backend: j }), { users: 3, entriesPerUser: 6 });
      const source: RowSource = reader === "backend" ? j : jsonFileSource({ dir: json.dir() });
      try {
        await backfill({ source, target: p, batchSize: 4 });
        const planted: { collection: string; id: string; kind: string; fields: string[] }[] = [];
        const tables: Record<string, string> = {
          users: "users",
          topics: "topics",
          journalEntries: "journal_entries",
          chatSessions: "chat_sessions",
          messages: "messages",
          psychologyContent: "psychology_content",
          userAnalytics: "user_analytics",
        };
        for (const collection of REPLICATED_COLLECTIONS) {
          const rows = (await j.scan(collection, { limit: 1000 })).filter((r) => !r.deleted);
          expect(rows.length, collection).toBeGreaterThanOrEqual(2);
          const [changed, missing] = [rows[0]!, rows[1]!];
          // A changed field (the version kept, so only content differs).
          await sql(`UPDATE journal_store.${tables[collection]} SET created_at = created_at + interval '1 second' WHERE id = $1`, [changed.id]);
          planted.push({ collection, id: changed.id, kind: "different", fields: ["createdAt"] });
          // A row missing on the target (a leaf row, so nothing refers to it).
          if (collection === "psychologyContent" || collection === "userAnalytics" || collection === "messages" || collection === "journalEntries") {
            await sql(`DELETE FROM journal_store.${tables[collection]} WHERE id = $1`, [missing.id]);
            planted.push({ collection, id: missing.id, kind: "missing", fields: ["id"] });
          }
        }
        // An extra row on the target: one the source never had.
        const extra = await createStore({ backend: p }).content.create({ title: "only here", content: "x", category: "c", evidenceLevel: "strong" });
        planted.push({ collection: "psychologyContent", id: extra.id, kind: "extra", fields: ["id"] });

        const found = await compare({ source, target: p });
        const key = (d: { collection: string; id: string }) => `${d.collection}:${d.id}`;
        expect(found.divergences.map((d) => ({ collection: d.collection, id: d.id, kind: d.kind, fields: d.fields })).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
          planted.sort((a, b) => key(a).localeCompare(key(b))),
        );

        const fixed = await repair({ source, target: p, divergences: found.divergences, force: true });
        expect(fixed.status).toBe("completed");
        expect(fixed.unresolved).toEqual([]);
        expect(fixed.repaired).toBe(planted.length);
        expect((await compare({ source, target: p })).divergences).toEqual([]);
        // The extra row is now a tombstone on the target: the source never had it, and both say it does not exist.
        expect((await p.get("psychologyContent", extra.id))?.deleted).toBe(true);
      } finally {
        if (source !== j) await source.close();
      }
    });
  }

  it("postgres -> a jsonFileSource target (record: false) finds what compare against the JSON backend finds; recording there is refused", async () => {
    await generateDataset(createStore({ backend: p }), { users: 3, entriesPerUser: 6 });
    await backfill({ source: p, target: j });
    const [entry] = (await j.scan("journalEntries", { limit: 1 })).filter((r) => !r.deleted);
    await sql(`UPDATE journal_store.journal_entries SET title = title || '!' WHERE id = $1`, [entry!.id]);
    const reader = jsonFileSource({ dir: json.dir() });
    try {
      const viaSource = await compare({ source: p, target: reader, record: false });
      const viaBackend = await compare({ source: p, target: j, record: false });
      expect(viaSource.divergences).toEqual(viaBackend.divergences);
      expect(viaSource.divergences.map((d) => [d.id, d.fields])).toEqual([[entry!.id, ["title"]]]);
      const refused = await compare({ source: p, target: reader }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).message).toMatch(/record/);
    } finally {
      await reader.close();
    }
  });

  it("with sourceReadAt, rows the target changed after the source was read are counted apart, and repair leaves them", async () => {
    const old = () => new Date(Date.now() - 60_000);
    const store = createStore({ backend: j, clock: old });
    const user = await store.users.create({ email: "a@example.com", displayName: "A" });
    const kept = await store.entries.create({ userId: user.id, content: "same on both sides" });
    const updated = await store.entries.create({ userId: user.id, content: "v1" });
    const sameVersion = await store.entries.create({ userId: user.id, content: "planted below" });
    await backfill({ source: j, target: p });
    const readAt = new Date().toISOString(); // the source as it is now
    const onTarget = createStore({ backend: p });
    // After the read: a row only on the target, and a newer version of one (as dual write makes them).
    const fresh = await onTarget.entries.create({ userId: user.id, content: "written after the read" });
    await onTarget.entries.update(updated.id, { content: "v2, after the read" });
    // Real divergences: an old extra row, and a same-version change (no write of the app looks like that).
    const stale = await createStore({ backend: p, clock: old }).entries.create({ userId: user.id, content: "an old extra row" });
    await sql(`UPDATE journal_store.journal_entries SET title = 'planted' WHERE id = $1`, [sameVersion.id]);

    const found = await compare({ source: j, target: p, collections: ["journalEntries"], sourceReadAt: readAt });
    expect(found.divergences.map((d) => `${d.kind} ${d.id}`).sort()).toEqual([`extra ${stale.id}`, `different ${sameVersion.id}`].sort());
    expect(found.collections.journalEntries).toMatchObject({ divergences: 2, newerOnTarget: 2 });
    // Without it, all four are reported.
    expect((await compare({ source: j, target: p, collections: ["journalEntries"], record: false })).divergences).toHaveLength(4);

    // Repair given every divergence (as an older compare would list them) still leaves the two newer rows alone.
    const all = (await compare({ source: j, target: p, collections: ["journalEntries"], record: false })).divergences;
    const fixed = await repair({ source: j, target: p, divergences: all, sourceReadAt: readAt, force: false });
    expect((await p.get("journalEntries", fresh.id))?.deleted).toBe(false);
    expect((await p.get("journalEntries", updated.id))?.content).toBe("v2, after the read");
    expect((await p.get("journalEntries", stale.id))?.deleted).toBe(true);
    expect(fixed.unresolved.map((u) => u.id)).toEqual([sameVersion.id]); // same version: needs force
    expect(kept.id).toBeDefined();
    await expect(compare({ source: j, target: p, sourceReadAt: "yesterday" })).rejects.toThrow(/sourceReadAt: must be an ISO timestamp/);
  });

  it("repair never overwrites a row the app updated after compare", async () => {
    const store = createStore({ backend: j });
    const user = await store.users.create({ email: "a@example.com", displayName: "A" });
    const entry = await store.entries.create({ userId: user.id, content: "v1" });
    await backfill({ source: j, target: p });
    await store.entries.update(entry.id, { content: "v2 on the source" });
    const found = await compare({ source: j, target: p });
    expect(found.divergences.map((d) => d.id)).toEqual([entry.id]);
    // The app (now on the target) moves the row on after compare, to version 3.
    const target = createStore({ backend: p });
    await target.entries.update(entry.id, { content: "v2 on the target" });
    await target.entries.update(entry.id, { content: "v3 on the target" });
    const report = await repair({ source: j, target: p, divergences: found.divergences });
    expect(report.repaired).toBe(0);
    expect(report.unresolved).toEqual([{ collection: "journalEntries", id: entry.id, reason: expect.stringContaining("newer version (3 > 2)") }]);
    expect((await target.entries.get(entry.id))?.content).toBe("v3 on the target");
  });
});
