import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { REPLICATED_COLLECTIONS, reconcilePass } from "../../src/dual-write/feed.js";
import { createStore } from "../../src/index.js";
import type { CollectionName } from "../../src/model/rows.js";
import { expectSidesEqual } from "../support/dual.js";

/** A memory source with 4 users, 3 entries each, and every other entry updated once (so ids recur in the feed). */
async function source(): Promise<{ backend: Backend; total: number }> {
  const backend = memoryBackend();
  const store = createStore({ backend });
  let total = 0;
  for (let u = 0; u < 4; u++) {
    const user = await store.users.create({ email: `u${u}@example.com`, displayName: `U${u}` });
    total++;
    for (let e = 0; e < 3; e++) {
      const entry = await store.entries.create({ userId: user.id, content: `entry ${u}.${e}` });
      total++;
      if (e % 2 === 0) await store.entries.update(entry.id, { content: `entry ${u}.${e}, edited` });
    }
  }
  return { backend, total };
}

/** Wraps `backend` to log every scan and applyReplicated call, in call order. */
function logged(backend: Backend, log: { op: string; collection: CollectionName; changedSince?: number; ids?: string[] }[]): Backend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop === "scan") {
        return (collection: CollectionName, options: { changedSince?: number }) => {
          log.push({ op: "scan", collection, changedSince: options.changedSince });
          return target.scan(collection, options as never);
        };
      }
      if (prop === "applyReplicated") {
        return (collection: CollectionName, rows: { id: string }[]) => {
          log.push({ op: "apply", collection, ids: rows.map((r) => r.id) });
          return target.applyReplicated(collection, rows as never);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("reconcilePass over many pages", () => {
  it("copies every row in change order, owners first, in batches of batchSize, reading each page once", async () => {
    const { backend, total } = await source();
    const target = memoryBackend();
    const log: Parameters<typeof logged>[1] = [];
    const result = await reconcilePass({ source: logged(backend, log), target: logged(target, log), since: 0, batchSize: 3 });

    expect(result.applied).toBe(total);
    expect(result.read).toBe(total);
    expect(result.waiting).toBe(0);
    expect(result.refused).toEqual([]);
    await expectSidesEqual(backend, target);

    const applies = log.filter((l) => l.op === "apply");
    for (const a of applies) expect(a.ids!.length).toBeLessThanOrEqual(3);
    // Owners' collections first: every user batch before the first entry batch.
    const firstEntry = applies.findIndex((a) => a.collection === "journalEntries");
    expect(applies.slice(firstEntry).every((a) => a.collection !== "users")).toBe(true);
    for (const collection of REPLICATED_COLLECTIONS) {
      // Rows arrive in the source's change order, each once.
      const feed = (await backend.scan(collection, { changedSince: 0, limit: 1000 })).map((r) => r.id);
      expect(applies.filter((a) => a.collection === collection).flatMap((a) => a.ids!)).toEqual(feed);
      // Each page is read once, each from where the last one ended.
      const scans = log.filter((l) => l.op === "scan" && l.collection === collection).map((l) => l.changedSince!);
      expect(new Set(scans).size).toBe(scans.length);
      expect([...scans].sort((a, b) => a - b)).toEqual(scans);
    }
  });

  it("an abort between pages stops the pass with the pages already written kept", async () => {
    const { backend } = await source();
    const target = memoryBackend();
    const controller = new AbortController();
    const log: Parameters<typeof logged>[1] = [];
    const aborting = new Proxy(logged(target, log), {
      get(t, prop, receiver) {
        if (prop === "applyReplicated") {
          return async (collection: CollectionName, rows: never[]) => {
            const outcomes = await t.applyReplicated(collection, rows);
            controller.abort();
            return outcomes;
          };
        }
        return Reflect.get(t, prop, receiver);
      },
    });
    await expect(reconcilePass({ source: backend, target: aborting, since: 0, batchSize: 3, signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(log.filter((l) => l.op === "apply")).toHaveLength(1);
    expect(await target.count("users")).toBe(3);
  });
});
