import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate } from "../../src/backends/postgres/index.js";
import { dualWriteBackend, type DualWriteBackend } from "../../src/dual-write/index.js";
import { inSample } from "../../src/dual-write/shadow.js";
import type { DivergenceEvent } from "../../src/events.js";
import { createStore, type Store } from "../../src/store/create-store.js";
import { jsonSide, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";
import { sqlOn } from "../support/pg-client.js";
import { sequentialIds } from "../../src/testing/harness.js";

// Shadow reads between a real JSON directory (primary) and a real PostgreSQL database.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const pgSide = postgresSide(url);
let from: Backend;
let to: Backend;
let backend: DualWriteBackend;
let store: Store;
let divergences: DivergenceEvent[];

async function open(options: Partial<Parameters<typeof dualWriteBackend>[0]> = {}) {
  from = await json.open();
  to = await pgSide.open();
  backend = dualWriteBackend({ from, to, stage: "shadow", shadowSample: 1, reconcileIntervalMs: 60_000, ...options });
  divergences = [];
  backend.on("divergence", (d) => divergences.push(d));
  store = createStore({ backend, ids: sequentialIds() }); // deterministic ids, so sampling by user is too
}

/** Runs SQL on the secondary directly, behind the dual-write backend's back. */
const onSecondary = (text: string, values: unknown[]) => sqlOn(url(), text, values);

/** Waits until the shadow reads started so far have been compared (or failed). */
async function shadowsDone(expected: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const s = backend.stats().shadow;
    if (s.compared + s.failed >= expected) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("shadow reads did not finish");
}

beforeEach(async () => {
  await Promise.all([json.reset(), pgSide.reset()]);
});
afterEach(async () => {
  await backend?.close();
});

describe("shadow reads", () => {
  it("report a divergence planted on the secondary with exactly its id and field path, never its values", async () => {
    await open();
    const user = await store.users.create({ email: "shadow@example.com", displayName: "S" });
    const entry = await store.entries.create({ userId: user.id, title: "kept", content: "secret words" });
    const other = await store.entries.create({ userId: user.id, title: "other", content: "fine" });
    await backend.flush();
    await onSecondary(`UPDATE journal_store.journal_entries SET "favorite" = true WHERE id = $1`, [entry.id]);

    expect((await store.entries.get(entry.id))?.favorite).toBe(false); // the primary's answer, always
    await store.entries.get(other.id);
    await shadowsDone(2);
    expect(divergences).toEqual([
      expect.objectContaining({ source: "shadow-read", collection: "journalEntries", id: entry.id, fields: ["favorite"], primaryVersion: 1, secondaryVersion: 1, primary: "json", secondary: "postgres" }),
    ]);
    expect(JSON.stringify(divergences)).not.toContain("secret");
    const stats = backend.stats().shadow;
    expect(stats.compared).toBe(2);
    expect(stats.consistent).toBe(1);

    // A list over the same rows reports it too, naming the query by shape only.
    divergences.length = 0;
    await store.entries.list({ userId: user.id, limit: 10 });
    await shadowsDone(3);
    expect(divergences).toEqual([expect.objectContaining({ id: entry.id, fields: ["favorite"], query: expect.stringContaining("userId:eq") })]);
    expect(divergences[0]!.query).not.toContain(user.id);
  });

  it("report a row missing on the secondary as field `id`", async () => {
    await open();
    const user = await store.users.create({ email: "gone@example.com", displayName: "G" });
    const entry = await store.entries.create({ userId: user.id, content: "x" });
    await backend.flush();
    await onSecondary(`DELETE FROM journal_store.journal_entries WHERE id = $1`, [entry.id]);
    await store.entries.get(entry.id);
    await shadowsDone(1);
    expect(divergences).toEqual([expect.objectContaining({ id: entry.id, fields: ["id"], primaryVersion: 1, secondaryVersion: null })]);
  });

  it("do not report rows whose replication is still in flight", async () => {
    await open({ secondaryWrites: "async" });
    const user = await store.users.create({ email: "inflight@example.com", displayName: "F" });
    let reads = 0;
    for (let i = 0; i < 40; i++) {
      const entry = await store.entries.create({ userId: user.id, content: `fresh ${i}` });
      await store.entries.get(entry.id); // read at once: the secondary may not have it yet
      const updated = await store.entries.update(entry.id, { mood: 5 });
      await store.entries.get(updated.id);
      reads += 2;
    }
    await shadowsDone(reads + 1);
    expect(divergences).toEqual([]);
    const stats = backend.stats().shadow;
    expect(stats.compared).toBeGreaterThanOrEqual(reads);
    expect(stats.consistencyRate).toBe(1);
  });

  it("skip migrationLogs: each store's own records differ by design and are never compared", async () => {
    await open();
    await store.users.create({ email: "logs@example.com", displayName: "L" });
    await backend.flush();
    // The stage and watermark records live on each side with their own contents.
    const logs = await store.migrationLogs.list({ limit: 50 });
    expect(logs.items.length).toBeGreaterThan(0);
    for (const row of logs.items) await store.migrationLogs.get(row.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backend.stats().shadow.compared + backend.stats().shadow.failed).toBe(0);
    expect(divergences).toEqual([]);
  });

  it("never change the caller's result when the secondary fails", async () => {
    await open();
    const user = await store.users.create({ email: "down@example.com", displayName: "D" });
    await backend.flush();
    await to.close(); // every secondary call now fails
    expect((await store.users.get(user.id))?.email).toBe("down@example.com");
    await shadowsDone(1);
    expect(backend.stats().shadow.failed).toBe(1);
    expect(divergences).toEqual([]);
  });

  it("sample by user: all of one user's reads are compared, or none", async () => {
    await open({ shadowSample: 0.5 });
    const users = [];
    for (let i = 0; i < 8; i++) users.push(await store.users.create({ email: `u${i}@example.com`, displayName: `u${i}` }));
    const entries = [];
    for (const u of users) entries.push(await store.entries.create({ userId: u.id, content: "x" }));
    await backend.flush();
    const sampled = users.filter((u) => inSample(u.id, 0.5));
    expect(sampled.length).toBeGreaterThan(0);
    expect(sampled.length).toBeLessThan(users.length);
    for (let round = 0; round < 3; round++) {
      for (const [i, u] of users.entries()) {
        await store.users.get(u.id);
        await store.entries.get(entries[i]!.id);
        await store.entries.list({ userId: u.id, limit: 5 });
      }
    }
    await shadowsDone(sampled.length * 3 * 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(backend.stats().shadow.compared).toBe(sampled.length * 3 * 3);
  });
  it("start on the secondary only once the caller has the primary's answer (off the caller's path)", async () => {
    from = await json.open();
    to = await pgSide.open();
    const order: string[] = [];
    // The secondary, observed: every call goes through unchanged, and a read notes when it started.
    const observed = new Proxy(to, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (prop === "get" || prop === "query") order.push(`secondary ${String(prop)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    backend = dualWriteBackend({ from, to: observed, stage: "shadow", shadowSample: 1, reconcileIntervalMs: 60_000 });
    divergences = [];
    backend.on("divergence", (d) => divergences.push(d));
    store = createStore({ backend, ids: sequentialIds() });
    const user = await store.users.create({ email: "order@example.com", displayName: "O" });
    await store.entries.create({ userId: user.id, content: "one" });
    await backend.flush();
    order.length = 0;
    await store.users.get(user.id).then(() => order.push("caller has the user"));
    await store.entries.list({ userId: user.id }).then(() => order.push("caller has the page"));
    await shadowsDone(2);
    expect([...order].sort()).toEqual(["caller has the page", "caller has the user", "secondary get", "secondary query"]);
    expect(order.indexOf("caller has the user")).toBeLessThan(order.indexOf("secondary get"));
    expect(order.indexOf("caller has the page")).toBeLessThan(order.indexOf("secondary query"));
    expect(backend.stats().shadow).toMatchObject({ compared: 2, consistent: 2 });
  });
});
