import { describe, expect, it } from "vitest";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedEntries, seedUser } from "../seed.js";

/** Every list filter of every repository, with results checked against the seeded data. */
export function filterSuite(target: ConformanceTarget): void {
  describe("filters", () => {
    const h = useHarness(target);
    const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();

    it("entries: only the given user's", async () => {
      const { user, entries } = await seedEntries(h().store, 4, "ada");
      await seedEntries(h().store, 3, "bob");
      const page = await h().store.entries.list({ userId: user.id, limit: 100 });
      expect(ids(page.items)).toEqual(ids(entries));
    });

    it("entries: tags any and all", async () => {
      const { user, entries } = await seedEntries(h().store, 12);
      const any = await h().store.entries.list({ userId: user.id, tags: ["t0", "t1"], limit: 100 });
      expect(ids(any.items)).toEqual(ids(entries.filter((e) => e.tags.includes("t0") || e.tags.includes("t1"))));
      const all = await h().store.entries.list({ userId: user.id, tags: ["even", "t0"], tagMatch: "all", limit: 100 });
      expect(ids(all.items)).toEqual(ids(entries.filter((e) => e.tags.includes("even") && e.tags.includes("t0"))));
      expect(all.items.length).toBeGreaterThan(0);
    });

    it("entries: date range (inclusive), mood range, favorite", async () => {
      const { user, entries } = await seedEntries(h().store, 20);
      const range = await h().store.entries.list({ userId: user.id, from: "2026-01-05", to: "2026-01-09", limit: 100 });
      expect(ids(range.items)).toEqual(ids(entries.filter((e) => e.entryDate >= "2026-01-05" && e.entryDate <= "2026-01-09")));
      expect(range.items).toHaveLength(5);
      const mood = await h().store.entries.list({ userId: user.id, moodMin: 3, moodMax: 5, limit: 100 });
      expect(ids(mood.items)).toEqual(ids(entries.filter((e) => e.mood! >= 3 && e.mood! <= 5)));
      const fav = await h().store.entries.list({ userId: user.id, favorite: true, limit: 100 });
      expect(ids(fav.items)).toEqual(ids(entries.filter((e) => e.favorite)));
      const combined = await h().store.entries.list({ userId: user.id, favorite: false, tags: ["odd"], moodMin: 6, limit: 100 });
      expect(ids(combined.items)).toEqual(ids(entries.filter((e) => !e.favorite && e.tags.includes("odd") && e.mood! >= 6)));
    });

    it("entries: a mood range never matches entries without a mood", async () => {
      const user = await seedUser(h().store);
      await h().store.entries.create({ userId: user.id, content: "no mood" });
      const rated = await h().store.entries.create({ userId: user.id, content: "rated", mood: 1 });
      const page = await h().store.entries.list({ userId: user.id, moodMax: 10 });
      expect(ids(page.items)).toEqual([rated.id]);
    });

    it("content: by category, tags and evidence level", async () => {
      const { store } = h();
      const a = await store.content.create({ title: "A", content: "a", category: "sleep", tags: ["rest"], evidenceLevel: "strong" });
      const b = await store.content.create({ title: "B", content: "b", category: "sleep", tags: ["night"], evidenceLevel: "emerging" });
      const c = await store.content.create({ title: "C", content: "c", category: "anxiety", tags: ["rest"], evidenceLevel: "strong" });
      expect(ids((await store.content.list({ category: "sleep" })).items)).toEqual(ids([a, b]));
      expect(ids((await store.content.list({ tags: ["rest"] })).items)).toEqual(ids([a, c]));
      expect(ids((await store.content.list({ evidenceLevel: "strong", category: "anxiety" })).items)).toEqual([c.id]);
      expect((await store.content.list()).items).toHaveLength(3);
    });

    it("sessions: by user and status; users: by active flag", async () => {
      const { store } = h();
      const user = await seedUser(store);
      const bob = await seedUser(store, "bob");
      await store.users.update(bob.id, { active: false });
      const open = await store.sessions.create({ userId: user.id });
      const archived = await store.sessions.create({ userId: user.id, status: "archived" });
      await store.sessions.create({ userId: bob.id });
      expect(ids((await store.sessions.list({ userId: user.id })).items)).toEqual(ids([open, archived]));
      expect(ids((await store.sessions.list({ userId: user.id, status: "archived" })).items)).toEqual([archived.id]);
      expect(ids((await store.users.list({ active: true })).items)).toEqual([user.id]);
    });

    it("analytics: by period and period-start range; migration logs by run", async () => {
      const { store } = h();
      const user = await seedUser(store);
      for (const d of ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-09"]) {
        await store.entries.create({ userId: user.id, content: "x", entryDate: d });
      }
      await store.analytics.refresh(user.id);
      const months = await store.analytics.list({ userId: user.id, period: "month" });
      expect(months.items.map((r) => r.periodStart)).toEqual(["2026-02-01", "2026-01-01"]);
      const days = await store.analytics.list({ userId: user.id, period: "day", from: "2026-01-31", to: "2026-02-01", order: "asc" });
      expect(days.items.map((r) => r.periodStart)).toEqual(["2026-01-31", "2026-02-01"]);
      await store.migrationLogs.create({ runId: "r1", operation: "backfill" });
      await store.migrationLogs.create({ runId: "r2", operation: "compare" });
      expect((await store.migrationLogs.list({ runId: "r2" })).items.map((l) => l.operation)).toEqual(["compare"]);
    });

    it("count applies the same filters as query", async () => {
      const { user, entries } = await seedEntries(h().store, 10);
      const where = [
        { field: "userId", op: "eq" as const, value: user.id },
        { field: "tags", op: "overlaps" as const, values: ["odd"] },
      ];
      expect(await h().backend.count("journalEntries", where)).toBe(entries.filter((e) => e.tags.includes("odd")).length);
      expect(await h().backend.count("journalEntries", [{ field: "mood", op: "in", values: [1, 2] }])).toBe(2);
    });
  });
}
