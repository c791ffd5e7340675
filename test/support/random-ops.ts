import type { Backend, CollectionName, Store } from "../../src/index.js";
import { COLLECTION_NAMES, createStore, JournalStoreError } from "../../src/index.js";
import { TestClock, sequentialIds } from "../../src/testing/index.js";
import { prng } from "./prng.js";

export { prng };

/** What one operation did, as the caller sees it: a result or an error's code and reason. */
export type Observation = { op: string; ok?: unknown; error?: string };

const WORDS = ["calm", "Storm", "100%", "snake_case", "café", "CAFE\u0301", "back\\slash", "lake", "ΟΔΟΣ", "🧘"];
const TAGS = ["work", " Work", "calm", "sleep", "run", "x,y"];

/**
 * Runs `steps` random facade operations (creates, updates with and without stale versions,
 * deletes, appends, lists with random filters and cursors, searches, analytics refreshes,
 * transactions that throw) and records what each observably did. Two backends fed the same seed
 * must produce identical observations and identical final rows.
 */
export async function randomOps(store: Store, seed: number, steps: number): Promise<Observation[]> {
  const rnd = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const users: string[] = [];
  const entries: { id: string; version: number }[] = [];
  const sessions: string[] = [];
  const ghost = "01900000-0000-7000-8000-00000000dead";
  const text = () => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(WORDS)).join(" ");
  const out: Observation[] = [];

  const ops: Record<string, () => Promise<unknown>> = {
    async createUser() {
      const u = await store.users.create({ email: `${pick(["ada", "ADA", "bob", "zoé"])}${Math.floor(rnd() * 3)}@example.com`, displayName: "u" });
      users.push(u.id);
      return u;
    },
    async createEntry() {
      const e = await store.entries.create({
        userId: rnd() < 0.1 || users.length === 0 ? ghost : pick(users),
        title: text(),
        content: text(),
        tags: Array.from({ length: Math.floor(rnd() * 3) }, () => pick(TAGS)),
        mood: rnd() < 0.3 ? null : 1 + Math.floor(rnd() * 10),
        entryDate: `2026-02-${String(1 + Math.floor(rnd() * 20)).padStart(2, "0")}`,
        favorite: rnd() < 0.3,
      });
      entries.push({ id: e.id, version: e.version });
      return e;
    },
    async updateEntry() {
      const target = pick(entries);
      const stale = rnd() < 0.3;
      const e = await store.entries.update(target.id, { mood: 1 + Math.floor(rnd() * 10), content: text() }, stale ? { expectedVersion: target.version } : {});
      target.version = e.version;
      return e;
    },
    async deleteEntry() {
      return store.entries.delete(pick(entries).id);
    },
    async deleteUser() {
      return store.users.delete(pick(users));
    },
    async createSession() {
      const s = await store.sessions.create({ userId: users.length ? pick(users) : ghost, title: text() });
      sessions.push(s.id);
      return s;
    },
    async append() {
      return store.messages.append({ sessionId: pick(sessions), role: pick(["user", "assistant"] as const), content: text() });
    },
    async list() {
      const first = await store.entries.list({
        userId: users.length ? pick(users) : ghost,
        tags: rnd() < 0.5 ? [pick(TAGS).trim()] : undefined,
        tagMatch: rnd() < 0.5 ? "all" : "any",
        from: rnd() < 0.3 ? "2026-02-05" : undefined,
        moodMin: rnd() < 0.3 ? 4 : undefined,
        orderBy: rnd() < 0.5 ? "entryDate" : "createdAt",
        order: rnd() < 0.5 ? "asc" : "desc",
        limit: 1 + Math.floor(rnd() * 4),
      });
      return first;
    },
    async search() {
      return store.entries.search({ text: pick(WORDS), limit: 5 });
    },
    async refresh() {
      return store.analytics.refresh(pick(users));
    },
    async failingTransaction() {
      return store.transaction(async (tx) => {
        await tx.entries.create({ userId: pick(users), content: text() });
        if (entries.length) await tx.entries.delete(pick(entries).id);
        throw new Error("rolled back on purpose");
      });
    },
  };
  const names = Object.keys(ops);
  for (let i = 0; i < steps; i++) {
    const op = pick(names);
    try {
      out.push({ op, ok: await ops[op]!() });
    } catch (error) {
      if (error instanceof JournalStoreError) {
        out.push({ op, error: `${error.code}:${(error as { reason?: string }).reason ?? ""}` });
      } else if (error instanceof Error && error.message === "rolled back on purpose") {
        out.push({ op, error: "rolled back" });
      } else if (error instanceof TypeError && /undefined/.test(error.message)) {
        out.push({ op, error: "nothing to pick" }); // pick() on an empty list
      } else throw error;
    }
  }
  return out;
}

/** Every row of every collection, in id order, without the backend-local changeSeq. */
export async function dump(backend: Backend): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const collection of COLLECTION_NAMES as CollectionName[]) {
    out[collection] = (await backend.scan(collection, { limit: 1_000_000 })).map(({ changeSeq: _s, ...row }) => row);
  }
  return out;
}

/** A store with the deterministic clock and ids the conformance suite uses. */
export function deterministicStore(backend: Backend): Store {
  return createStore({ backend, clock: new TestClock().now, ids: sequentialIds() });
}
