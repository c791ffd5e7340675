import { describe, expect, it } from "vitest";
import { beginBulkLoad } from "../../backend.js";
import { REPLICATED_COLLECTIONS } from "../../model/collections.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedEntries } from "../seed.js";

/**
 * beginBulkLoad (optional; `beginBulkLoad(backend, ...)` falls back to a load that does nothing):
 * during a load and after its end, every write lands and every query, tag filter and text search
 * sees it; `end` may be called twice.
 */
export function bulkLoadSuite(target: ConformanceTarget): void {
  describe("bulk load", () => {
    const h = useHarness(target);

    it("keeps writes, tag filters and text search whole during and after a load", async () => {
      const load = await beginBulkLoad(h().backend, REPLICATED_COLLECTIONS);
      const { user, entries } = await seedEntries(h().store, 6);
      const during = await h().store.entries.list({ userId: user.id, tags: ["even"], limit: 10 });
      expect(during.items.map((e) => e.id).sort()).toEqual([entries[0]!.id, entries[2]!.id, entries[4]!.id].sort());
      expect((await h().store.entries.search({ userId: user.id, text: "number 3" })).items.map((e) => e.id)).toEqual([entries[3]!.id]);
      await load.end();
      await load.end();
      await h().store.entries.update(entries[1]!.id, { tags: ["even"], content: "changed after the load" });
      const after = await h().store.entries.list({ userId: user.id, tags: ["even"], limit: 10 });
      expect(after.items).toHaveLength(4);
      expect((await h().store.entries.search({ userId: user.id, text: "after the load" })).items.map((e) => e.id)).toEqual([entries[1]!.id]);
      expect((await h().store.entries.search({ userId: user.id, text: "number 3" })).items.map((e) => e.id)).toEqual([entries[3]!.id]);
    });
  });
}
