import { describe, expect, it } from "vitest";
import { memoryBackend } from "../../src/backends/memory.js";
import { engineBackend } from "../../src/engine/engine-backend.js";
import { Engine, type CommitSet } from "../../src/engine/engine.js";
import { BackendError } from "../../src/index.js";
import { deterministicStore, dump, prng, randomOps } from "../support/random-ops.js";

/** A persist hook whose calls the test resolves or rejects by hand, in order. */
function controlledPersist() {
  const calls: { commit: CommitSet; resolve: () => void; reject: (e: Error) => void }[] = [];
  const persist = (commit: CommitSet) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ commit, resolve, reject });
    });
  return { calls, persist };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/**
 * The engine's durability hook, which the JSON-file backend builds on: a commit is visible to
 * readers only once persisted, later transactions build on it at once, and a failed persist
 * rolls back that commit and every later pending one.
 */
describe("engine with a persist hook", () => {
  it("readers see a commit only after persist resolves; writers see it at once", async () => {
    const { calls, persist } = controlledPersist();
    const store = deterministicStore(engineBackend("test", new Engine({ name: "test", persist }), async () => {}));
    const creating = store.users.create({ email: "a@example.com", displayName: "A" });
    await tick();
    expect(calls).toHaveLength(1);
    const id = calls[0]!.commit.changes[0]!.id;
    expect(await store.users.get(id)).toBeNull();
    const duplicate = store.users.create({ email: "A@example.com", displayName: "dup" });
    await expect(duplicate).rejects.toMatchObject({ reason: "duplicate-key" });
    calls[0]!.resolve();
    await creating;
    expect(await store.users.get(id)).not.toBeNull();
  });

  it("a failed persist rolls back that commit and every later pending one, then writing continues", async () => {
    const { calls, persist } = controlledPersist();
    const backend = engineBackend("test", new Engine({ name: "test", persist }), async () => {});
    const store = deterministicStore(backend);
    const first = store.users.create({ email: "one@example.com", displayName: "1" });
    await tick();
    calls[0]!.resolve();
    const one = await first;
    const second = store.users.create({ email: "two@example.com", displayName: "2" });
    await tick();
    const third = store.entries.create({ userId: one.id, content: "on top of a doomed commit" });
    await tick();
    expect(calls).toHaveLength(3);
    calls[1]!.reject(new Error("EIO: disk said no"));
    calls[2]!.reject(new Error("EIO: after the failure"));
    await expect(second).rejects.toBeInstanceOf(BackendError);
    await expect(third).rejects.toBeInstanceOf(BackendError);
    expect(await store.users.getByEmail("two@example.com")).toBeNull();
    expect(await backend.count("journalEntries")).toBe(0);
    const fourth = store.users.create({ email: "two@example.com", displayName: "again" });
    await tick();
    calls[3]!.resolve();
    expect((await fourth).displayName).toBe("again");
  });

  it("a transaction that started on top of a commit that then failed is rolled back too", async () => {
    const { calls, persist } = controlledPersist();
    const backend = engineBackend("test", new Engine({ name: "test", persist }), async () => {});
    const store = deterministicStore(backend);
    const doomed = store.users.create({ email: "doomed@example.com", displayName: "D" });
    await tick();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const dependent = store.transaction(async (tx) => {
      const user = await tx.users.getByEmail("doomed@example.com");
      await gate;
      return tx.entries.create({ userId: user!.id, content: "depends on the doomed user" });
    });
    await tick();
    calls[0]!.reject(new Error("ENOSPC"));
    await expect(doomed).rejects.toBeInstanceOf(BackendError);
    release();
    await expect(dependent).rejects.toBeInstanceOf(BackendError);
    expect(calls).toHaveLength(1);
    expect(await backend.count("journalEntries")).toBe(0);
  });

  it("random operation sequences observe the same results as the plain memory backend", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = prng(seed * 7919);
      const delayed = engineBackend(
        "delayed",
        new Engine({ name: "delayed", persist: () => new Promise((r) => setTimeout(r, Math.floor(rnd() * 3))) }),
        async () => {},
      );
      const plain = memoryBackend();
      const a = await randomOps(deterministicStore(plain), seed, 150);
      const b = await randomOps(deterministicStore(delayed), seed, 150);
      expect(b).toEqual(a);
      expect(await dump(delayed)).toEqual(await dump(plain));
      expect(a.filter((o) => o.ok !== undefined).length).toBeGreaterThan(30);
    }
  });
});
