import { describe, expect, it } from "vitest";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedEntries } from "../seed.js";

/** Durable targets only: everything, tombstones and change sequences included, survives a reopen. */
export function reopenSuite(target: ConformanceTarget): void {
  if (!target.reopen) return;
  describe("close and reopen", () => {
    const h = useHarness(target);

    it("keeps every row, version, tombstone, index and unique key", async () => {
      const { user, entries } = await seedEntries(h().store, 6);
      await h().store.entries.update(entries[0]!.id, { mood: 2 });
      await h().store.entries.delete(entries[1]!.id);
      const before = await h().backend.scan("journalEntries", { limit: 100 });
      await h().reopen();
      expect(await h().backend.scan("journalEntries", { limit: 100 })).toEqual(before);
      expect((await h().store.entries.list({ userId: user.id, tags: ["even"], limit: 100 })).items).toHaveLength(3);
      expect((await h().store.entries.search({ userId: user.id, text: "number 5" })).items).toHaveLength(1);
      await expect(h().store.users.create({ email: "ADA@example.com", displayName: "dup" })).rejects.toMatchObject({ key: "emailKey" });
    });

    it("change sequences keep increasing after a reopen", async () => {
      await seedEntries(h().store, 2);
      const before = Math.max(...(await h().backend.scan("journalEntries", { changedSince: 0, limit: 100 })).map((r) => r.changeSeq));
      await h().reopen();
      const { user } = await seedEntries(h().store, 1, "bob");
      const after = await h().backend.scan("users", { changedSince: 0, limit: 100 });
      const bob = after.find((r) => r.id === user.id)!;
      expect(bob.changeSeq).toBeGreaterThan(before);
    });
  });
}
