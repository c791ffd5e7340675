import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../errors.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/** Unique keys among live rows and owners that must exist, the same on every backend. */
export function integritySuite(target: ConformanceTarget): void {
  describe("integrity", () => {
    const h = useHarness(target);

    it("email is unique among live users, case-insensitively", async () => {
      await h().store.users.create({ email: "ada@example.com", displayName: "Ada" });
      const dup = h().store.users.create({ email: " ADA@Example.COM ", displayName: "Imposter" });
      await expect(dup).rejects.toBeInstanceOf(ConflictError);
      await expect(dup).rejects.toMatchObject({ reason: "duplicate-key", key: "emailKey" });
      expect((await h().store.users.list()).items).toHaveLength(1);
    });

    it("getByEmail folds case and Unicode normalisation", async () => {
      const user = await h().store.users.create({ email: "Zoe\u0301@Example.com", displayName: "Zoé" });
      expect((await h().store.users.getByEmail("ZOÉ@example.com"))?.id).toBe(user.id);
      expect(await h().store.users.getByEmail("zoe@example.com")).toBeNull();
    });

    it("an email is free again once its user is deleted", async () => {
      const first = await seedUser(h().store);
      await h().store.users.delete(first.id);
      const second = await seedUser(h().store);
      expect(second.id).not.toBe(first.id);
      expect((await h().store.users.getByEmail("ada@example.com"))?.id).toBe(second.id);
    });

    it("changing an email to one held by another live user is a conflict", async () => {
      await seedUser(h().store, "ada");
      const bob = await seedUser(h().store, "bob");
      await expect(h().store.users.update(bob.id, { email: "ADA@example.com" })).rejects.toMatchObject({ key: "emailKey" });
      expect((await h().store.users.get(bob.id))?.email).toBe("bob@example.com");
    });

    it("a row whose owner is missing is rejected with NotFoundError naming the owner", async () => {
      const ghost = "01900000-0000-7000-8000-00000000dead";
      const bad = h().store.entries.create({ userId: ghost, content: "x" });
      await expect(bad).rejects.toBeInstanceOf(NotFoundError);
      await expect(bad).rejects.toMatchObject({ collection: "users", id: ghost });
      await expect(h().store.sessions.create({ userId: ghost })).rejects.toBeInstanceOf(NotFoundError);
      await expect(h().store.messages.append({ sessionId: ghost, role: "user", content: "x" })).rejects.toBeInstanceOf(NotFoundError);
      expect(await h().backend.count("journalEntries")).toBe(0);
    });

    it("a row whose owner is deleted is rejected", async () => {
      const user = await seedUser(h().store);
      const session = await h().store.sessions.create({ userId: user.id });
      await h().store.users.delete(user.id);
      await expect(h().store.entries.create({ userId: user.id, content: "x" })).rejects.toBeInstanceOf(NotFoundError);
      await expect(h().store.messages.append({ sessionId: session.id, role: "user", content: "x" })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("(session, sequence) is unique among live messages", async () => {
      const user = await seedUser(h().store);
      const session = await h().store.sessions.create({ userId: user.id });
      const first = await h().store.messages.append({ sessionId: session.id, role: "user", content: "1" });
      const { changeSeq: _s, ...row } = (await h().backend.get("messages", first.id))!;
      const clash = { ...row, id: "01900000-0000-7000-8000-0000000c1a54" };
      await expect(h().backend.insert("messages", clash)).rejects.toMatchObject({ reason: "duplicate-key", key: "sessionSequence" });
      await h().store.messages.delete(first.id);
      await expect(h().backend.insert("messages", clash)).resolves.toMatchObject({ id: clash.id });
    });

    it("(user, period, periodStart) is unique among live analytics rows", async () => {
      const user = await seedUser(h().store);
      await h().store.entries.create({ userId: user.id, content: "x", entryDate: "2026-02-03" });
      const [day] = await h().store.analytics.refresh(user.id);
      const { changeSeq: _s, ...row } = (await h().backend.get("userAnalytics", day!.id))!;
      const clash = { ...row, id: "01900000-0000-7000-8000-0000000a7a1c" };
      await expect(h().backend.insert("userAnalytics", clash)).rejects.toMatchObject({ reason: "duplicate-key", key: "userPeriod" });
    });
  });
}
