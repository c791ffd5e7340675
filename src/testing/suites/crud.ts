import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../../errors.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/** Create, read, update for every repository; versions and timestamps assigned by the facade. */
export function crudSuite(target: ConformanceTarget): void {
  describe("crud", () => {
    const h = useHarness(target);

    it("creates a user with defaults, version 1 and equal timestamps", async () => {
      const user = await h().store.users.create({ email: "Ada@Example.com", displayName: "Ada" });
      expect(user).toMatchObject({
        version: 1,
        deleted: false,
        email: "Ada@Example.com",
        emailKey: "ada@example.com",
        privacyLevel: "private",
        preferences: {},
        timezone: "UTC",
        active: true,
        lastLoginAt: null,
      });
      expect(user.createdAt).toBe(user.updatedAt);
      expect(user.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(await h().store.users.get(user.id)).toEqual(user);
    });

    it("never returns the password hash unless asked for", async () => {
      const user = await seedUser(h().store);
      expect(user).not.toHaveProperty("passwordHash");
      expect(await h().store.users.get(user.id)).not.toHaveProperty("passwordHash");
      expect((await h().store.users.list()).items[0]).not.toHaveProperty("passwordHash");
      const full = await h().store.users.get(user.id, { withPasswordHash: true });
      expect(full?.passwordHash).toBe("hash-of-ada");
      const byEmail = await h().store.users.getByEmail("ADA@example.com", { withPasswordHash: true });
      expect(byEmail?.passwordHash).toBe("hash-of-ada");
    });

    it("stores every field of an entry and derives search text and word count", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({
        userId: user.id,
        title: "Monday",
        content: "A calm morning by the lake.",
        mood: 7,
        energy: 4,
        tags: [" work ", "work", "calm"],
        entryDate: "2026-03-02",
        favorite: true,
        metadata: { weather: "sun", nested: { a: [1, 2] } },
        aiAnalysis: { sentiment: 0.8, emotions: ["calm"], themes: ["nature"] },
        embedding: [0.25, -1, 3.5],
      });
      expect(entry).toMatchObject({
        title: "Monday",
        searchText: "monday\na calm morning by the lake.",
        wordCount: 6,
        tags: ["work", "calm"],
        entryDate: "2026-03-02",
        embedding: [0.25, -1, 3.5],
      });
      expect(await h().store.entries.get(entry.id)).toEqual(entry);
    });

    it("word count is the number of whitespace-separated words of the content, the title not counted", async () => {
      const user = await seedUser(h().store);
      // Whitespace as an app splitting with Python's str.split() sees it: NBSP, U+0085, U+001C..U+001F,
      // U+2028 and U+3000 separate words; zero-width space and U+FEFF do not.
      const cases: [string, number][] = [
        ["", 0],
        [" \n\t\r ", 0],
        ["one", 1],
        ["Hello \u2014 world", 3],
        ["don't stop-believing, 42!", 3],
        ["a\u00a0b\u0085c\u001cd", 4],
        ["a\u2028b\u3000c\u2009d", 4],
        ["zero\u200bwidth and\ufeffbom", 2],
        ["\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u4e2d\u6587", 2],
        ["\ud83d\ude00 \ud83e\uddd8\u200d\u2640\ufe0f", 2],
      ];
      for (const [content, words] of cases) {
        const entry = await h().store.entries.create({ userId: user.id, title: "A title of five words", content });
        expect(entry.wordCount, JSON.stringify(content)).toBe(words);
        const updated = await h().store.entries.update(entry.id, { title: "Another title", content: `${content} more` });
        expect(updated.wordCount, JSON.stringify(content)).toBe(words + 1);
        expect((await h().store.entries.get(entry.id))?.wordCount).toBe(words + 1);
      }
    });

    it("fills absent optional fields with null or their documented default", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "x" });
      expect(entry).toMatchObject({ title: "", mood: null, energy: null, tags: [], favorite: false, metadata: {}, aiAnalysis: null, embedding: null });
      expect(entry.entryDate).toBe(entry.createdAt.slice(0, 10));
      const session = await h().store.sessions.create({ userId: user.id });
      expect(session).toMatchObject({ title: "", sessionType: "general", aiConfig: {}, status: "active", messageCount: 0, lastMessageAt: null });
      const item = await h().store.content.create({ title: "Box breathing", content: "In 4, hold 4.", category: "breathing", evidenceLevel: "moderate" });
      expect(item).toMatchObject({ tags: [], source: null });
      const log = await h().store.migrationLogs.create({ runId: "run-1", operation: "backfill" });
      expect(log).toMatchObject({ status: "running", collection: null, counts: {}, checkpoint: null, finishedAt: null, error: null });
    });

    it("updates bump the version and updatedAt, keep createdAt and re-derive fields", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, title: "a", content: "one two" });
      const updated = await h().store.entries.update(entry.id, { content: "one two three four" });
      expect(updated.version).toBe(2);
      expect(updated.createdAt).toBe(entry.createdAt);
      expect(updated.updatedAt > entry.updatedAt).toBe(true);
      expect(updated.wordCount).toBe(4);
      expect(updated.searchText).toBe("a\none two three four");
      expect(await h().store.entries.get(entry.id)).toEqual(updated);
    });

    it("updates every repository's mutable fields", async () => {
      const { store } = h();
      const user = await seedUser(store);
      expect((await store.users.update(user.id, { displayName: "Ada L.", preferences: { theme: "dark" } })).displayName).toBe("Ada L.");
      const session = await store.sessions.create({ userId: user.id, title: "s" });
      expect((await store.sessions.update(session.id, { status: "archived" })).status).toBe("archived");
      const message = await store.messages.append({ sessionId: session.id, role: "user", content: "hi" });
      expect((await store.messages.update(message.id, { content: "hello", tokens: 3 })).tokens).toBe(3);
      const item = await store.content.create({ title: "t", content: "c", category: "sleep", evidenceLevel: "strong" });
      expect((await store.content.update(item.id, { tags: ["rest"] })).tags).toEqual(["rest"]);
      const log = await store.migrationLogs.create({ runId: "r", operation: "compare" });
      const done = await store.migrationLogs.update(log.id, { status: "completed", divergencesFound: 2, checkpoint: { afterId: null } });
      expect(done).toMatchObject({ status: "completed", divergencesFound: 2, checkpoint: { afterId: null } });
    });

    it("a patch changes only the fields it names", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "x", mood: 3, tags: ["a"], favorite: true });
      const updated = await h().store.entries.update(entry.id, { energy: 9 });
      expect(updated).toMatchObject({ mood: 3, tags: ["a"], favorite: true, energy: 9 });
    });

    it("get returns null for an unknown id; update and delete of one are NotFoundError", async () => {
      const id = "01900000-0000-7000-8000-0000000fffff";
      expect(await h().store.entries.get(id)).toBeNull();
      await expect(h().store.entries.update(id, { mood: 1 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(h().store.entries.delete(id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("expectedVersion guards updates and deletes", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "x" });
      await h().store.entries.update(entry.id, { mood: 5 }, { expectedVersion: 1 });
      const stale = h().store.entries.update(entry.id, { mood: 6 }, { expectedVersion: 1 });
      await expect(stale).rejects.toBeInstanceOf(ConflictError);
      await expect(stale).rejects.toMatchObject({ code: "CONFLICT", reason: "version", actualVersion: 2 });
      await expect(h().store.entries.delete(entry.id, { expectedVersion: 1 })).rejects.toBeInstanceOf(ConflictError);
      expect((await h().store.entries.get(entry.id))?.mood).toBe(5);
      await h().store.entries.delete(entry.id, { expectedVersion: 2 });
      expect(await h().store.entries.get(entry.id)).toBeNull();
    });

    it("concurrent updates without expectedVersion all land, each as its own version", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "x", tags: [] });
      await Promise.all([1, 2, 3, 4].map((i) => h().store.entries.update(entry.id, { energy: i })));
      expect((await h().store.entries.get(entry.id))?.version).toBe(5);
    });

    it("backend.get and getMany return stored rows with changeSeq, tombstones included, null where absent", async () => {
      const user = await seedUser(h().store);
      const a = await h().store.entries.create({ userId: user.id, content: "a" });
      const b = await h().store.entries.create({ userId: user.id, content: "b" });
      await h().store.entries.delete(b.id);
      const missing = "01900000-0000-7000-8000-00000000ffff";
      const rows = await h().backend.getMany("journalEntries", [b.id, missing, a.id]);
      expect(rows.map((r) => r?.id ?? null)).toEqual([b.id, null, a.id]);
      expect(rows[0]?.deleted).toBe(true);
      expect(typeof rows[2]?.changeSeq).toBe("number");
      expect(await h().backend.get("journalEntries", missing)).toBeNull();
    });

    it("rows returned are copies: mutating them changes nothing stored", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "x", tags: ["a"], metadata: { k: 1 } });
      entry.tags.push("b");
      (entry.metadata as Record<string, unknown>).k = 2;
      const row = await h().backend.get("journalEntries", entry.id);
      row!.tags.push("c");
      expect(await h().store.entries.get(entry.id)).toMatchObject({ tags: ["a"], metadata: { k: 1 } });
    });

    it("a backend insert of an existing id is a ConflictError and changes nothing", async () => {
      const user = await seedUser(h().store);
      const { changeSeq: _s, ...row } = (await h().backend.get("users", user.id))!;
      await expect(h().backend.insert("users", { ...row, displayName: "Other" })).rejects.toMatchObject({ reason: "duplicate-id" });
      expect((await h().store.users.get(user.id))?.displayName).toBe("ada");
    });

    it("rejects unknown fields in create and update inputs, naming them", async () => {
      const user = await seedUser(h().store);
      const bad = h().store.entries.create({ userId: user.id, content: "x", colour: "red" } as never);
      await expect(bad).rejects.toBeInstanceOf(ValidationError);
      await expect(bad).rejects.toThrow(/colour/);
      await expect(h().store.users.update(user.id, { emailKey: "x" } as never)).rejects.toThrow(/emailKey/);
    });
  });
}
