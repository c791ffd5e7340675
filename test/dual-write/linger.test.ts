import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { dualWriteBackend, type DualWriteOptions } from "../../src/dual-write/index.js";
import { ValidationError } from "../../src/errors.js";
import { createStore } from "../../src/store/create-store.js";
import { keepOpen } from "../support/keep-open.js";

/** A memory backend that notes how many rows each applyReplicated call carried. */
function countingSecondary(calls: number[]): Backend {
  const inner = memoryBackend();
  return new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "applyReplicated") {
        return (collection: never, rows: readonly never[]) => {
          calls.push(rows.length);
          return target.applyReplicated(collection, rows);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

async function writes(options: Partial<DualWriteOptions>, n: number) {
  const calls: number[] = [];
  const secondary = countingSecondary(calls);
  const dual = dualWriteBackend({ from: memoryBackend(), to: keepOpen(secondary), stage: "dual-write", secondaryWrites: "async", reconcileIntervalMs: 3_600_000, ...options });
  const store = createStore({ backend: dual });
  const user = await store.users.create({ email: "linger@example.com", displayName: "L" });
  await dual.flush();
  calls.length = 0;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await store.entries.create({ userId: user.id, content: `entry ${i}` })).id);
  return { dual, store, userId: user.id, secondary, calls, ids };
}

describe("async secondary writes linger (asyncLingerMs)", () => {
  it("go out together: writes made within the linger reach the secondary in one batch", async () => {
    const { dual, secondary, calls, ids } = await writes({ asyncLingerMs: 200 }, 20);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(calls).toEqual([20]);
    expect((await secondary.getMany("journalEntries", ids)).every((r) => r !== null)).toBe(true);
    await dual.close();
  });

  it("go out one by one with asyncLingerMs 0", async () => {
    const { dual, calls } = await writes({ asyncLingerMs: 0 }, 20);
    await dual.flush();
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(20);
    await dual.close();
  });

  it("never hold flush or close: a minute's linger is cut short", async () => {
    const { dual, store, userId, secondary, calls, ids } = await writes({ asyncLingerMs: 60_000 }, 5);
    const started = performance.now();
    await dual.flush();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(calls).toEqual([5]);
    expect((await secondary.getMany("journalEntries", ids)).every((r) => r !== null)).toBe(true);
    // A write queued after the flush goes out at close, not a minute later.
    const late = await store.entries.create({ userId, content: "before close" });
    const closing = performance.now();
    await dual.close();
    expect(performance.now() - closing).toBeLessThan(5_000);
    expect(await secondary.get("journalEntries", late.id)).not.toBeNull();
  });

  it("refuses a negative or fractional asyncLingerMs, naming it", () => {
    for (const asyncLingerMs of [-1, 1.5, Number.NaN]) {
      const make = () => dualWriteBackend({ from: memoryBackend(), to: memoryBackend(), stage: "dual-write", asyncLingerMs });
      expect(make).toThrow(ValidationError);
      try {
        make();
      } catch (e) {
        expect((e as ValidationError).issues).toEqual([{ path: "asyncLingerMs", message: "must be a whole number, 0 or more" }]);
      }
    }
  });
});
