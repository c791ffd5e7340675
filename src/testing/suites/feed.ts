import { describe, expect, it } from "vitest";
import type { Backend } from "../../backend.js";
import { COLLECTION_NAMES } from "../../model/collections.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/**
 * The change feed's horizon (`changeHorizon`): a row written by a transaction still open stays
 * above it, so a consumer that moves its watermark to the horizon never skips a row that commits
 * later; after the commit, `scan({ changedSince })` from the earlier horizon returns the row. Once
 * writes settle the horizon covers every visible row, and it never moves back.
 */
export function feedSuite(target: ConformanceTarget): void {
  describe("change feed horizon", () => {
    const h = useHarness(target);

    async function highestSeq(backend: Backend): Promise<number> {
      let highest = 0;
      for (const collection of COLLECTION_NAMES) {
        for (const row of await backend.scan(collection, { limit: 100_000 })) highest = Math.max(highest, row.changeSeq);
      }
      return highest;
    }

    it("a row written in an open transaction stays above the horizon until it commits, then the feed from that horizon returns it", async () => {
      const { backend, store } = h();
      const user = await seedUser(store);
      const before = await backend.changeHorizon();
      let beside: Promise<number> | undefined;
      const entry = await store.transaction(async (tx) => {
        const e = await tx.entries.create({ userId: user.id, content: "written by a slow transaction" });
        beside = backend.changeHorizon();
        // On one connection the read is served only after the commit: do not wait for it here.
        if (!target.oneConnection) await beside;
        return e;
      });
      const during = await beside!;
      const row = (await backend.scan("journalEntries", { changedSince: before, limit: 100 })).find((r) => r.id === entry.id);
      expect(row, "the committed row is in the feed after the horizon seen before the transaction").toBeDefined();
      expect(during).toBeGreaterThanOrEqual(before);
      if (target.oneConnection) {
        expect(during, "a horizon read served after the commit covers the row").toBeGreaterThanOrEqual(row!.changeSeq);
      } else {
        expect(during, "the horizon read while the transaction was open").toBeLessThan(row!.changeSeq);
        const feed = await backend.scan("journalEntries", { changedSince: during, limit: 100 });
        expect(feed.map((r) => r.id), "the feed from that horizon returns the row once committed").toContain(entry.id);
      }
      const after = await backend.changeHorizon();
      expect(after).toBeGreaterThanOrEqual(row!.changeSeq);
    });

    it("never moves back, and covers every visible row once writes settle", async () => {
      const { backend, store } = h();
      let last = await backend.changeHorizon();
      expect(last).toBeGreaterThanOrEqual(await highestSeq(backend));
      const check = async () => {
        const now = await backend.changeHorizon();
        expect(now).toBeGreaterThanOrEqual(last);
        expect(now).toBeGreaterThanOrEqual(await highestSeq(backend));
        last = now;
      };
      const user = await seedUser(store);
      await check();
      const entry = await store.entries.create({ userId: user.id, content: "one" });
      await check();
      await store.entries.update(entry.id, { mood: 3 });
      await check();
      const session = await store.sessions.create({ userId: user.id, title: "s" });
      await store.messages.append({ sessionId: session.id, role: "user", content: "hi" });
      await check();
      await store.users.delete(user.id);
      await check();
    });

    it("a rolled-back transaction never appears in the feed and does not hold the horizon back", async () => {
      const { backend, store } = h();
      const user = await seedUser(store);
      const before = await backend.changeHorizon();
      let ghost = "";
      await expect(
        store.transaction(async (tx) => {
          ghost = (await tx.entries.create({ userId: user.id, content: "rolled back" })).id;
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      const entry = await store.entries.create({ userId: user.id, content: "committed" });
      const changed = await backend.scan("journalEntries", { changedSince: before, limit: 100 });
      expect(changed.map((r) => r.id)).toEqual([entry.id]);
      expect(changed.map((r) => r.id)).not.toContain(ghost);
      expect(await backend.changeHorizon()).toBeGreaterThanOrEqual(changed[0]!.changeSeq);
    });
  });
}
