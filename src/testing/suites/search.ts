import { describe, expect, it } from "vitest";
import { ValidationError } from "../../errors.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/**
 * Text search: every whitespace-separated term must occur as a substring of the folded title and
 * content (NFC, JavaScript lower-casing); wildcards are plain characters.
 */
export function searchSuite(target: ConformanceTarget): void {
  describe("text search", () => {
    const h = useHarness(target);

    async function entriesWith(...contents: string[]) {
      const user = await seedUser(h().store);
      const entries = [];
      for (const content of contents) entries.push(await h().store.entries.create({ userId: user.id, title: "t", content }));
      return { user, entries };
    }
    const found = async (userId: string, text: string) =>
      (await h().store.entries.search({ userId, text, limit: 500 })).items.map((e) => e.content).sort();

    it("is case-insensitive and matches substrings", async () => {
      const { user } = await entriesWith("A Calm Morning", "stormy evening", "CALMNESS");
      expect(await found(user.id, "calm")).toEqual(["A Calm Morning", "CALMNESS"]);
      expect(await found(user.id, "MORN")).toEqual(["A Calm Morning"]);
    });

    it("requires every term, in any order", async () => {
      const { user } = await entriesWith("calm morning walk", "calm evening", "morning rush");
      expect(await found(user.id, "morning calm")).toEqual(["calm morning walk"]);
      expect(await found(user.id, "  calm   ")).toEqual(["calm evening", "calm morning walk"]);
    });

    it("matches the title too", async () => {
      const user = await seedUser(h().store);
      await h().store.entries.create({ userId: user.id, title: "Gratitude", content: "three things" });
      expect(await found(user.id, "gratitude things")).toEqual(["three things"]);
    });

    it("takes % _ and \\ literally", async () => {
      const { user } = await entriesWith("100% sure", "1000 sure", "snake_case", "snakeXcase", "back\\slash", "backslash");
      expect(await found(user.id, "100%")).toEqual(["100% sure"]);
      expect(await found(user.id, "%")).toEqual(["100% sure"]);
      expect(await found(user.id, "e_c")).toEqual(["snake_case"]);
      expect(await found(user.id, "_")).toEqual(["snake_case"]);
      expect(await found(user.id, "k\\s")).toEqual(["back\\slash"]);
    });

    it("folds non-ASCII case and NFC/NFD the same way", async () => {
      const { user } = await entriesWith("Café in Zürich", "cafe\u0301 au lait", "ΟΔΟΣ", "İstanbul");
      expect(await found(user.id, "CAFÉ")).toEqual(["Café in Zürich", "cafe\u0301 au lait"]);
      expect(await found(user.id, "café")).toEqual(["Café in Zürich", "cafe\u0301 au lait"]);
      expect(await found(user.id, "zürich")).toEqual(["Café in Zürich"]);
      expect(await found(user.id, "ΟΔΟΣ".toLowerCase())).toEqual(["ΟΔΟΣ"]);
      expect(await found(user.id, "ΟΔΟΣ")).toEqual(["ΟΔΟΣ"]);
      expect(await found(user.id, "İstanbul")).toEqual(["İstanbul"]);
    });

    it("searches across users when no user is given, and within one when it is", async () => {
      const ada = await seedUser(h().store, "ada");
      const bob = await seedUser(h().store, "bob");
      await h().store.entries.create({ userId: ada.id, content: "shared word" });
      await h().store.entries.create({ userId: bob.id, content: "shared word too" });
      expect((await h().store.entries.search({ text: "shared" })).items).toHaveLength(2);
      expect((await h().store.entries.search({ userId: bob.id, text: "shared" })).items).toHaveLength(1);
    });

    it("pages newest first with a cursor", async () => {
      const { user, entries } = await entriesWith("note 1", "note 2", "note 3");
      const first = await h().store.entries.search({ userId: user.id, text: "note", limit: 2 });
      const rest = await h().store.entries.search({ userId: user.id, text: "note", limit: 2, cursor: first.nextCursor });
      expect([...first.items, ...rest.items].map((e) => e.id)).toEqual(entries.map((e) => e.id).reverse());
    });

    it("searches the content library, optionally within a category", async () => {
      const { store } = h();
      await store.content.create({ title: "Box breathing", content: "Inhale four counts", category: "breathing", evidenceLevel: "moderate" });
      await store.content.create({ title: "Sleep hygiene", content: "Inhale, then rest", category: "sleep", evidenceLevel: "strong" });
      expect((await store.content.search({ text: "INHALE" })).items).toHaveLength(2);
      expect((await store.content.search({ text: "inhale", category: "sleep" })).items.map((c) => c.title)).toEqual(["Sleep hygiene"]);
    });

    it("an empty query is a ValidationError", async () => {
      const user = await seedUser(h().store);
      await expect(h().store.entries.search({ userId: user.id, text: "   " })).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
