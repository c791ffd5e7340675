import { describe, expect, it } from "vitest";
import type { Backend, Stored } from "../../backend.js";
import { contentModel } from "../../model/entities/content.js";
import { entryModel } from "../../model/entities/entries.js";
import { newRow } from "../../model/entity.js";
import type { JournalEntryRow } from "../../model/rows.js";
import { searchTextOf } from "../../model/text.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/**
 * Derived fields (`searchText`) are stored values like any other: a backend returns exactly what
 * was written, whether or not it equals the derivation from title and content, and search
 * matches the stored value. (An engine-based backend may hold such a field in a compact form.)
 */
export function derivedSuite(target: ConformanceTarget): void {
  describe("derived fields", () => {
    const h = useHarness(target);
    const T0 = "2026-02-01T10:00:00.000Z";
    const id = (n: number) => `01900000-0000-7000-8000-0000000d${n.toString(16).padStart(4, "0")}`;

    function entry(n: number, userId: string, title: string, content: string, searchText?: string): JournalEntryRow {
      const row = newRow(entryModel, { userId, title, content }, id(n), T0);
      return searchText === undefined ? row : { ...row, searchText };
    }

    /** Derivation-equal, differing, and texts a later Unicode version could fold differently. */
    async function seed(b: Backend) {
      const user = await seedUser(h().store);
      const rows = [
        entry(1, user.id, "Monday", "A Calm Morning"),
        entry(2, user.id, "Tuesday", "rain all day", "custom words\nnot from the content"),
        entry(3, user.id, "Ωmega", "unassigned \u0378 code point"),
        entry(4, user.id, "", "decomposed cafe\u0301 ÉTÉ"),
        entry(5, user.id, "Wednesday", "stale", "an older fold"),
        entry(6, user.id, "Thursday", "empty search text", ""),
      ];
      for (const row of rows) await b.insert("journalEntries", row);
      const item = newRow(contentModel, { title: "Box Breathing", content: "Inhale", category: "breathing", evidenceLevel: "strong" }, id(100), T0);
      await b.insert("psychologyContent", item);
      return { user, rows, item };
    }
    const plain = (row: Stored | null) => {
      if (!row) return row;
      const { changeSeq: _s, ...rest } = row;
      return rest;
    };

    it("returns searchText exactly as written through every read path, and after a reopen", async () => {
      const { rows, item } = await seed(h().backend);
      const check = async (b: Backend) => {
        for (const row of rows) expect(plain(await b.get("journalEntries", row.id))).toEqual(row);
        expect((await b.getMany("journalEntries", rows.map((r) => r.id))).map(plain)).toEqual(rows);
        const page = await b.query("journalEntries", { orderBy: { field: "id", direction: "asc" }, limit: 100 });
        expect(page.rows.map(plain)).toEqual(rows);
        expect((await b.scan("journalEntries", { limit: 100 })).map(plain)).toEqual(rows);
        expect((await b.scan("journalEntries", { changedSince: 0, limit: 100 })).map(plain)).toEqual(rows);
        expect(await b.transaction(async (tx) => plain(await tx.get("journalEntries", rows[1]!.id)))).toEqual(rows[1]);
        expect(plain(await b.get("psychologyContent", item.id))).toEqual(item);
      };
      await check(h().backend);
      if (target.reopen) {
        await h().reopen();
        await check(h().backend);
      }
    });

    it("search matches the stored searchText, not the title and content", async () => {
      const { user } = await seed(h().backend);
      const ids = async (text: string) => (await h().store.entries.search({ userId: user.id, text, limit: 100 })).items.map((e) => e.id);
      expect(await ids("custom")).toEqual([id(2)]);
      expect(await ids("rain")).toEqual([]);
      expect(await ids("calm morning")).toEqual([id(1)]);
      expect(await ids("ωmega \u0378")).toEqual([id(3)]);
      expect(await ids("été café")).toEqual([id(4)]);
      expect(await ids("thursday")).toEqual([]);
    });

    it("an update and a replicated row keep a searchText that differs from the derivation", async () => {
      const { rows } = await seed(h().backend);
      const b = h().backend;
      const changed = { ...rows[0]!, version: 2, content: "new content", searchText: "kept as given" };
      expect(plain(await b.update("journalEntries", changed, 1))).toEqual(changed);
      expect(plain(await b.get("journalEntries", changed.id))).toEqual(changed);
      // Equal version and equal content (derived field included) is stale; a different searchText is a conflict.
      expect(await b.applyReplicated("journalEntries", [rows[2]!])).toEqual([{ id: rows[2]!.id, outcome: "stale", storedVersion: 1 }]);
      expect(await b.applyReplicated("journalEntries", [{ ...rows[2]!, searchText: "other" }])).toEqual([
        { id: rows[2]!.id, outcome: "conflict", reason: "version", storedVersion: 1 },
      ]);
      const replicated = { ...rows[3]!, version: 2, title: "Now Titled", searchText: searchTextOf("Now Titled", rows[3]!.content) };
      expect(await b.applyReplicated("journalEntries", [replicated])).toEqual([{ id: replicated.id, outcome: "applied" }]);
      expect(plain(await b.get("journalEntries", replicated.id))).toEqual(replicated);
    });
  });
}
