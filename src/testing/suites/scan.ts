import { describe, expect, it } from "vitest";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedEntries } from "../seed.js";

/** scan: id order with tombstones and afterId paging; changedSince in change order. */
export function scanSuite(target: ConformanceTarget): void {
  describe("scan", () => {
    const h = useHarness(target);

    it("walks every row in id order, tombstones included, page by page", async () => {
      const { entries } = await seedEntries(h().store, 9);
      await h().store.entries.delete(entries[4]!.id);
      const seen: string[] = [];
      let afterId: string | null = null;
      for (;;) {
        const rows: { id: string }[] = await h().backend.scan("journalEntries", { afterId, limit: 4 });
        if (rows.length === 0) break;
        seen.push(...rows.map((r) => r.id));
        afterId = rows[rows.length - 1]!.id;
      }
      expect(seen).toEqual(entries.map((e) => e.id).sort());
      const stone = (await h().backend.scan("journalEntries", { limit: 100 })).find((r) => r.id === entries[4]!.id);
      expect(stone?.deleted).toBe(true);
    });

    it("changeSeq increases with every write; changedSince returns later changes, deletes included, in change order", async () => {
      const { entries } = await seedEntries(h().store, 5);
      const before = await h().backend.scan("journalEntries", { limit: 100 });
      const mark = Math.max(...before.map((r) => r.changeSeq));
      await h().store.entries.update(entries[3]!.id, { mood: 2 });
      await h().store.entries.delete(entries[1]!.id);
      await h().store.entries.update(entries[0]!.id, { mood: 9 });
      const changed = await h().backend.scan("journalEntries", { changedSince: mark, limit: 100 });
      expect(changed.map((r) => r.id)).toEqual([entries[3]!.id, entries[1]!.id, entries[0]!.id]);
      expect(changed[1]?.deleted).toBe(true);
      const seqs = changed.map((r) => r.changeSeq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(seqs[0]).toBeGreaterThan(mark);
      const tail = await h().backend.scan("journalEntries", { changedSince: seqs[1]!, limit: 100 });
      expect(tail.map((r) => r.id)).toEqual([entries[0]!.id]);
      expect(await h().backend.scan("journalEntries", { changedSince: seqs[2]!, limit: 100 })).toEqual([]);
    });

    it("honours the limit of a changedSince walk", async () => {
      await seedEntries(h().store, 6);
      const first = await h().backend.scan("journalEntries", { changedSince: 0, limit: 4 });
      expect(first).toHaveLength(4);
      const rest = await h().backend.scan("journalEntries", { changedSince: first[3]!.changeSeq, limit: 4 });
      expect(rest).toHaveLength(2);
    });
  });
}
