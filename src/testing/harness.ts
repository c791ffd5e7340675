import { afterEach, beforeEach } from "vitest";
import type { Backend } from "../backend.js";
import { createStore, type Store } from "../store/create-store.js";

/** What `runConformance` needs to test a backend. */
export interface ConformanceTarget {
  /**
   * A fresh, empty backend; called before every test. One replication case calls it a second
   * time within the test, for a second copy to replay the first one's rows onto: that copy must
   * not share the first one's storage (a target that empties one database per call needs a
   * spare database for it), or the case fails with nothing to replay.
   */
  create(): Promise<Backend>;
  /**
   * For durable backends: close `backend` and open the same storage again. When given, the
   * suite also checks that everything survives a reopen.
   */
  reopen?(backend: Backend): Promise<Backend>;
  /** Called after every test, once the backend is closed (drop files, databases...). */
  cleanup?(): Promise<void>;
  /**
   * True when the backend runs every statement on one connection (PGlite), so a read outside an
   * open transaction waits for it to end. Cases that read beside an open transaction then check
   * what that read returns once it is served, after the commit.
   */
  oneConnection?: boolean;
}

/** The deterministic clock of the suite: starts at a fixed instant, +1 ms per reading. */
export class TestClock {
  private ms = Date.UTC(2026, 0, 5, 9, 0, 0, 0);
  /** Reads the time, then advances it by one millisecond. */
  readonly now = (): Date => new Date(this.ms++);
  /** Jumps forward. */
  advance(ms: number): void {
    this.ms += ms;
  }
  /** The next reading, as an ISO string, without advancing. */
  peek(): string {
    return new Date(this.ms).toISOString();
  }
}

/** Deterministic, ordered lowercase UUIDs, so every backend sees the same ids in the same order. */
export function sequentialIds(prefix = "01900000"): () => string {
  let n = 0;
  return () => `${prefix}-0000-7000-8000-${(++n).toString(16).padStart(12, "0")}`;
}

/** One test's world: the backend under test, a store over it, and the clock it uses. */
export interface Harness {
  /** The backend under test (rebound by `reopen`). */
  backend: Backend;
  /** A store over `backend` (rebound by `reopen`). */
  store: Store;
  /** The test clock the store and backend use (each read advances it by 1 ms). */
  clock: TestClock;
  /** Closes and reopens the storage (durable targets only); rebinds `backend` and `store`. */
  reopen(): Promise<void>;
}

/** Registers setup and teardown for a describe block and returns an accessor for the harness. */
export function useHarness(target: ConformanceTarget): () => Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    const clock = new TestClock();
    const ids = sequentialIds();
    const backend = await target.create();
    const harness: Harness = {
      backend,
      clock,
      store: createStore({ backend, clock: clock.now, ids }),
      async reopen() {
        if (!target.reopen) throw new Error("this target cannot reopen");
        harness.backend = await target.reopen(harness.backend);
        harness.store = createStore({ backend: harness.backend, clock: clock.now, ids });
      },
    };
    current = harness;
  });
  afterEach(async () => {
    await current?.backend.close();
    current = undefined;
    await target.cleanup?.();
  });
  return () => {
    if (!current) throw new Error("harness used outside a test");
    return current;
  };
}
