import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../errors.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/** Deletes are tombstone versions; the facade cascades to owned rows; purge removes old tombstones. */
export function tombstoneSuite(target: ConformanceTarget): void {
  describe("tombstones, cascades and purge", () => {
    const h = useHarness(target);

    it("delete writes a tombstone: same id, version + 1, deleted, personal content cleared", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, title: "secret", content: "private words", tags: ["x"], mood: 3, metadata: { a: 1 } });
      await h().store.entries.delete(entry.id);
      expect(await h().store.entries.get(entry.id)).toBeNull();
      const stone = await h().backend.get("journalEntries", entry.id);
      expect(stone).toMatchObject({
        id: entry.id,
        version: 2,
        deleted: true,
        userId: user.id,
        createdAt: entry.createdAt,
        entryDate: entry.entryDate,
        title: "",
        content: "",
        searchText: "",
        tags: [],
        mood: null,
        metadata: {},
        wordCount: 0,
      });
      expect(stone!.updatedAt > entry.updatedAt).toBe(true);
    });

    it("a deleted row is gone from lists, searches and counts, and cannot be deleted again", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "findme" });
      await h().store.entries.delete(entry.id);
      expect((await h().store.entries.list({ userId: user.id })).items).toEqual([]);
      expect((await h().store.entries.search({ userId: user.id, text: "findme" })).items).toEqual([]);
      expect(await h().backend.count("journalEntries", [{ field: "userId", op: "eq", value: user.id }])).toBe(0);
      await expect(h().store.entries.delete(entry.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(h().store.entries.update(entry.id, { mood: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("deleting a user tombstones everything it owns, in one transaction", async () => {
      const { store, backend } = h();
      const user = await seedUser(store);
      const other = await seedUser(store, "bob");
      const entry = await store.entries.create({ userId: user.id, content: "e", entryDate: "2026-01-02" });
      const session = await store.sessions.create({ userId: user.id });
      const message = await store.messages.append({ sessionId: session.id, role: "user", content: "m" });
      const [analytics] = await store.analytics.refresh(user.id);
      const kept = await store.entries.create({ userId: other.id, content: "bob's" });
      await store.users.delete(user.id);
      for (const [collection, id] of [
        ["users", user.id],
        ["journalEntries", entry.id],
        ["chatSessions", session.id],
        ["messages", message.id],
        ["userAnalytics", analytics!.id],
      ] as const) {
        const row = await backend.get(collection, id);
        expect(row?.deleted, `${collection} tombstoned`).toBe(true);
      }
      expect((await backend.get("users", user.id))).toMatchObject({ email: "", emailKey: "", displayName: "", passwordHash: null });
      expect((await backend.get("messages", message.id))).toMatchObject({ content: "", sessionId: session.id, userId: user.id });
      expect(await store.entries.get(kept.id)).not.toBeNull();
    });

    it("deleting a session tombstones its messages only", async () => {
      const user = await seedUser(h().store);
      const a = await h().store.sessions.create({ userId: user.id });
      const b = await h().store.sessions.create({ userId: user.id });
      const ma = await h().store.messages.append({ sessionId: a.id, role: "user", content: "a" });
      const mb = await h().store.messages.append({ sessionId: b.id, role: "user", content: "b" });
      await h().store.sessions.delete(a.id);
      expect(await h().store.messages.get(ma.id)).toBeNull();
      expect(await h().store.messages.get(mb.id)).not.toBeNull();
      expect(await h().store.users.get(user.id)).not.toBeNull();
    });

    it("an id once used stays taken: inserting it again is a conflict, even as a tombstone", async () => {
      const user = await seedUser(h().store);
      await h().store.users.delete(user.id);
      const { changeSeq: _s, ...stone } = (await h().backend.get("users", user.id))!;
      const revived = { ...stone, version: 1, deleted: false, email: "x@example.com", emailKey: "x@example.com" };
      await expect(h().backend.insert("users", revived)).rejects.toBeInstanceOf(ConflictError);
    });

    it("purge removes tombstones older than the cut-off, children before owners", async () => {
      const { store, backend, clock } = h();
      const user = await seedUser(store);
      const entry = await store.entries.create({ userId: user.id, content: "x" });
      const live = await store.entries.create({ userId: (await seedUser(store, "bob")).id, content: "y" });
      await store.users.delete(user.id);
      clock.advance(60_000);
      const cutoff = clock.peek();
      const result = await backend.purge({ olderThan: cutoff });
      expect(result).toMatchObject({ users: 1, journalEntries: 1 });
      expect(await backend.get("users", user.id)).toBeNull();
      expect(await backend.get("journalEntries", entry.id)).toBeNull();
      expect(await backend.get("journalEntries", live.id)).not.toBeNull();
    });

    it("purge keeps tombstones newer than the cut-off, and an owner while anything refers to it", async () => {
      const { store, backend, clock } = h();
      const user = await seedUser(store);
      const old = await store.entries.create({ userId: user.id, content: "old" });
      await store.entries.delete(old.id);
      clock.advance(60_000);
      const cutoff = clock.peek();
      const recent = await store.entries.create({ userId: user.id, content: "recent" });
      await store.users.delete(user.id);
      const result = await backend.purge({ olderThan: cutoff });
      expect(result.journalEntries).toBe(1);
      expect(result.users ?? 0).toBe(0);
      expect(await backend.get("journalEntries", old.id)).toBeNull();
      expect((await backend.get("journalEntries", recent.id))?.deleted).toBe(true);
      expect((await backend.get("users", user.id))?.deleted).toBe(true);
    });

    it("purge never removes live rows and can be limited to some collections", async () => {
      const { store, backend, clock } = h();
      const user = await seedUser(store);
      const a = await store.entries.create({ userId: user.id, content: "a" });
      const s = await store.sessions.create({ userId: user.id });
      await store.entries.delete(a.id);
      await store.sessions.delete(s.id);
      clock.advance(1000);
      const result = await backend.purge({ olderThan: clock.peek(), collections: ["chatSessions"] });
      expect(result).toEqual({ chatSessions: 1 });
      expect(await backend.get("journalEntries", a.id)).not.toBeNull();
      expect(await store.users.get(user.id)).not.toBeNull();
    });
  });
}
