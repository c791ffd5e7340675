import { describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "../../errors.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/**
 * Topics and the optional owner they introduce (`entries.topicId`): null names no topic, a
 * missing or deleted topic refuses the write, deleting a topic detaches its entries, deleting the
 * user deletes its topics; plus the session and message fields an app's own data needs.
 */
export function topicSuite(target: ConformanceTarget): void {
  describe("topics", () => {
    const h = useHarness(target);
    const MISSING = "01900000-0000-7000-8000-00000000dead";

    it("topics are created, read, updated, listed per user and round-trip every field", async () => {
      const { store } = h();
      const user = await seedUser(store);
      const other = await seedUser(store, "bob");
      const topic = await store.topics.create({
        userId: user.id,
        name: "Work 💼",
        description: "Everything about the job",
        color: "#7aa2f7",
        tags: [" job ", "job", "office"],
        entryCount: 3,
        lastEntryAt: "2026-01-02T03:04:05.678Z",
        metadata: { icon: "briefcase", order: 2 },
      });
      expect(topic).toMatchObject({
        version: 1,
        name: "Work 💼",
        description: "Everything about the job",
        color: "#7aa2f7",
        tags: ["job", "office"],
        entryCount: 3,
        lastEntryAt: "2026-01-02T03:04:05.678Z",
        metadata: { icon: "briefcase", order: 2 },
      });
      const bare = await store.topics.create({ userId: user.id, name: "" });
      expect(bare).toMatchObject({ name: "", description: null, color: null, tags: [], entryCount: 0, lastEntryAt: null, metadata: {} });
      await store.topics.create({ userId: other.id, name: "Bob's" });
      expect(await store.topics.get(topic.id)).toEqual(topic);
      const updated = await store.topics.update(topic.id, { color: null, entryCount: 4 }, { expectedVersion: 1 });
      expect(updated).toMatchObject({ version: 2, color: null, entryCount: 4, name: "Work 💼" });
      const page = await store.topics.list({ userId: user.id, order: "asc" });
      expect(page.items.map((t) => t.id)).toEqual([topic.id, bare.id]);
      await expect(store.topics.create({ userId: user.id, name: "x", entryCount: -1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(store.topics.create({ userId: MISSING, name: "x" })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("an entry's topicId is null by default, names a live topic, and filters entries.list", async () => {
      const { store } = h();
      const user = await seedUser(store);
      const topic = await store.topics.create({ userId: user.id, name: "Work" });
      const loose = await store.entries.create({ userId: user.id, content: "no topic" });
      const inside = await store.entries.create({ userId: user.id, topicId: topic.id, content: "in topic" });
      expect(loose.topicId).toBeNull();
      expect(inside.topicId).toBe(topic.id);
      expect((await store.entries.list({ userId: user.id, topicId: topic.id })).items.map((e) => e.id)).toEqual([inside.id]);
      const error = await store.entries.create({ userId: user.id, topicId: MISSING, content: "x" }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ collection: "topics", id: MISSING });
      await expect(store.entries.update(loose.id, { topicId: MISSING })).rejects.toBeInstanceOf(NotFoundError);
      expect((await store.entries.update(loose.id, { topicId: topic.id })).topicId).toBe(topic.id);
      expect((await store.entries.update(loose.id, { topicId: null })).topicId).toBeNull();
    });

    it("deleting a topic detaches its entries (a new version, topicId null) and keeps them", async () => {
      const { store, backend } = h();
      const user = await seedUser(store);
      const topic = await store.topics.create({ userId: user.id, name: "Work" });
      const entry = await store.entries.create({ userId: user.id, topicId: topic.id, content: "kept" });
      await store.topics.delete(topic.id);
      expect(await store.topics.get(topic.id)).toBeNull();
      expect((await backend.get("topics", topic.id))?.deleted).toBe(true);
      const after = await store.entries.get(entry.id);
      expect(after).toMatchObject({ topicId: null, version: 2, content: "kept", deleted: false });
      await expect(store.entries.update(entry.id, { topicId: topic.id })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("deleting a user deletes its topics with its entries", async () => {
      const { store, backend } = h();
      const user = await seedUser(store);
      const topic = await store.topics.create({ userId: user.id, name: "Work" });
      const entry = await store.entries.create({ userId: user.id, topicId: topic.id, content: "x" });
      await store.users.delete(user.id);
      expect((await backend.get("topics", topic.id))?.deleted).toBe(true);
      expect((await backend.get("journalEntries", entry.id))?.deleted).toBe(true);
    });

    it("replication reports a missing topic as a missing owner and applies a null one", async () => {
      const { store, backend } = h();
      const user = await seedUser(store);
      const entry = await store.entries.create({ userId: user.id, content: "x" });
      const { changeSeq: _s, ...row } = (await backend.get("journalEntries", entry.id))!;
      const orphan = { ...row, id: "01900000-0000-7000-8000-0000000000f1", topicId: MISSING };
      const loose = { ...row, id: "01900000-0000-7000-8000-0000000000f2", topicId: null };
      expect(await backend.applyReplicated("journalEntries", [orphan, loose])).toEqual([
        { id: orphan.id, outcome: "missing-owner", ownerCollection: "topics", ownerId: MISSING },
        { id: loose.id, outcome: "applied" },
      ]);
    });

    it("sessions hold every status, a description, tags and metadata; messages hold metadata", async () => {
      const { store } = h();
      const user = await seedUser(store);
      const session = await store.sessions.create({
        userId: user.id,
        status: "paused",
        description: "Evening check-ins",
        tags: ["evening", " evening "],
        metadata: { source: "app", n: 1 },
      });
      expect(session).toMatchObject({ status: "paused", description: "Evening check-ins", tags: ["evening"], metadata: { source: "app", n: 1 } });
      expect(await store.sessions.create({ userId: user.id })).toMatchObject({ description: null, tags: [], metadata: {} });
      for (const status of ["completed", "archived", "active"] as const) {
        expect((await store.sessions.update(session.id, { status })).status).toBe(status);
      }
      await expect(store.sessions.update(session.id, { status: "closed" as never })).rejects.toBeInstanceOf(ValidationError);
      await store.sessions.update(session.id, { status: "completed" });
      expect((await store.sessions.list({ userId: user.id, status: "completed" })).items.map((s) => s.id)).toEqual([session.id]);
      const message = await store.messages.append({ sessionId: session.id, role: "assistant", content: "hi", metadata: { model: "m", tokens: 3 } });
      expect(await store.messages.get(message.id)).toMatchObject({ metadata: { model: "m", tokens: 3 } });
      expect((await store.messages.append({ sessionId: session.id, role: "user", content: "x" })).metadata).toEqual({});
    });
  });
}
