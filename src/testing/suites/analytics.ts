import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../errors.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/** analytics.refresh: day/week/month rows under derived ids, updated in place. */
export function analyticsSuite(target: ConformanceTarget): void {
  describe("analytics", () => {
    const h = useHarness(target);

    async function seed() {
      const { store } = h();
      const user = await seedUser(store);
      const days = [
        { entryDate: "2026-03-01", mood: 4, tags: ["work", "calm"], content: "one two" }, // Sunday
        { entryDate: "2026-03-02", mood: 6, tags: ["work"], content: "three" }, // Monday
        { entryDate: "2026-03-02", mood: null, tags: ["sleep"], content: "four five six" },
        { entryDate: "2026-03-03", mood: 9, tags: ["work", "sleep"], content: "seven" },
        { entryDate: "2026-03-05", mood: 5, tags: ["run"], content: "eight nine" },
      ];
      const entries = [];
      for (const d of days) entries.push(await store.entries.create({ userId: user.id, ...d }));
      return { user, entries };
    }

    it("computes day, week and month figures", async () => {
      const { user } = await seed();
      const rows = await h().store.analytics.refresh(user.id);
      const by = (period: string, start: string) => rows.find((r) => r.period === period && r.periodStart === start);
      expect(rows).toHaveLength(4 + 2 + 1);
      expect(by("day", "2026-03-02")).toMatchObject({ entryCount: 2, averageMood: 6, wordCount: 4, topTags: ["sleep", "work"], streak: 2 });
      expect(by("day", "2026-03-05")).toMatchObject({ entryCount: 1, streak: 1 });
      expect(by("week", "2026-02-23")).toMatchObject({ entryCount: 1, averageMood: 4, streak: 1 });
      expect(by("week", "2026-03-02")).toMatchObject({ entryCount: 4, averageMood: 6.67, wordCount: 7, topTags: ["sleep", "work", "run"], streak: 1 });
      expect(by("month", "2026-03-01")).toMatchObject({ entryCount: 5, averageMood: 6, wordCount: 9, topTags: ["work", "sleep", "calm", "run"] });
      expect(await h().store.analytics.getFor(user.id, "day", "2026-03-03")).toMatchObject({ streak: 3 });
    });

    it("updates rows in place under the same ids, and leaves unchanged rows alone", async () => {
      const { user, entries } = await seed();
      const first = await h().store.analytics.refresh(user.id);
      const again = await h().store.analytics.refresh(user.id);
      expect(again.map((r) => [r.id, r.version])).toEqual(first.map((r) => [r.id, r.version]));
      await h().store.entries.update(entries[4]!.id, { mood: 1 });
      const third = await h().store.analytics.refresh(user.id);
      const day5 = third.find((r) => r.period === "day" && r.periodStart === "2026-03-05")!;
      expect(day5.id).toBe(first.find((r) => r.period === "day" && r.periodStart === "2026-03-05")!.id);
      expect(day5).toMatchObject({ version: 2, averageMood: 1 });
      expect(third.find((r) => r.period === "day" && r.periodStart === "2026-03-01")?.version).toBe(1);
    });

    it("deletes rows of periods that no longer have entries", async () => {
      const { user, entries } = await seed();
      await h().store.analytics.refresh(user.id);
      await h().store.entries.delete(entries[0]!.id);
      const rows = await h().store.analytics.refresh(user.id);
      expect(rows.find((r) => r.periodStart === "2026-03-01" && r.period === "day")).toBeUndefined();
      expect(rows.find((r) => r.periodStart === "2026-02-23")).toBeUndefined();
      expect(await h().store.analytics.getFor(user.id, "week", "2026-02-23")).toBeNull();
      expect((await h().store.analytics.list({ userId: user.id, period: "day" })).items).toHaveLength(3);
    });

    it("one refresh stamps every row it inserts, updates or deletes with the same instant", async () => {
      const { user, entries } = await seed();
      const first = await h().store.analytics.refresh(user.id);
      await h().store.entries.delete(entries[0]!.id);
      await h().store.entries.update(entries[4]!.id, { mood: 1 });
      await h().store.entries.create({ userId: user.id, entryDate: "2026-03-09", content: "ten" });
      const rows = await h().store.analytics.refresh(user.id);
      const added = rows.find((r) => r.period === "day" && r.periodStart === "2026-03-09")!;
      const changed = rows.find((r) => r.period === "day" && r.periodStart === "2026-03-05")!;
      const gone = await h().backend.get("userAnalytics", first.find((r) => r.period === "day" && r.periodStart === "2026-03-01")!.id);
      expect(added).toMatchObject({ version: 1, deleted: false, entryCount: 1 });
      expect(added.createdAt).toBe(added.updatedAt);
      expect(changed).toMatchObject({ version: 2, averageMood: 1 });
      expect(gone).toMatchObject({ version: 2, deleted: true });
      expect(changed.updatedAt).toBe(added.createdAt);
      expect(gone!.updatedAt).toBe(added.createdAt);
    });

    it("ids are derived from (user, period, start): identical on every backend", async () => {
      const { user } = await seed();
      const rows = await h().store.analytics.refresh(user.id);
      const { analyticsId } = await import("../../model/analytics.js");
      for (const r of rows) expect(r.id).toBe(analyticsId(user.id, r.period, r.periodStart));
    });

    it("refreshing an unknown user is NotFoundError", async () => {
      await expect(h().store.analytics.refresh("01900000-0000-7000-8000-00000000beef")).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
