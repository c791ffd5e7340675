import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { dualWriteBackend } from "../../src/dual-write/index.js";
import { createStore } from "../../src/store/create-store.js";

/** A backend whose applyReplicated takes a few ms: secondary writes are in flight for a while, as on a real database. */
function slowSecondary(): Backend {
  const inner = memoryBackend();
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "applyReplicated") {
        return async (collection: never, rows: never[]) => {
          await new Promise((resolve) => setTimeout(resolve, 3));
          return target.applyReplicated(collection, rows);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("flush under a steady stream of writes", () => {
  for (const secondaryWrites of ["sync", "async"] as const) {
    it(`${secondaryWrites}: returns while other writes keep coming, with every write acknowledged before it on the secondary`, async () => {
      const secondary = slowSecondary();
      const dual = dualWriteBackend({ from: memoryBackend(), to: secondary, stage: "dual-write", secondaryWrites, reconcileIntervalMs: 3_600_000 });
      const store = createStore({ backend: dual });
      const user = await store.users.create({ email: "ada@example.com", displayName: "Ada" });
      let stop = false;
      const acknowledged: string[] = [];
      // Four writers, each always with a write in flight (its secondary write included, in sync mode).
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          acknowledged.push((await store.entries.create({ userId: user.id, title: `w${w}.${i}`, content: "steady" })).id);
          await new Promise((resolve) => setTimeout(resolve, 1)); // an app's requests arrive over time
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const before = [...acknowledged];
      await dual.flush();
      const held = await secondary.getMany("journalEntries", before);
      stop = true;
      await Promise.all(writers);
      expect(before.length).toBeGreaterThan(0);
      expect(held.filter((r) => r === null)).toEqual([]);
      await dual.close();
    });
  }
});
