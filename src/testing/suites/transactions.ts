import { describe, expect, it } from "vitest";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/** Transactions are all-or-nothing across repositories; concurrent appends stay consecutive. */
export function transactionSuite(target: ConformanceTarget): void {
  describe("transactions and concurrency", () => {
    const h = useHarness(target);

    it("commits every write of the callback together", async () => {
      const result = await h().store.transaction(async (tx) => {
        const user = await tx.users.create({ email: "t@example.com", displayName: "T" });
        const entry = await tx.entries.create({ userId: user.id, content: "in tx" });
        expect(await tx.entries.get(entry.id)).toEqual(entry);
        expect((await tx.entries.list({ userId: user.id })).items).toHaveLength(1);
        return { user, entry };
      });
      expect(await h().store.entries.get(result.entry.id)).toEqual(result.entry);
    });

    it("rolls everything back when the callback throws, and rethrows", async () => {
      const existing = await seedUser(h().store);
      const boom = new Error("boom");
      let entryId = "";
      await expect(
        h().store.transaction(async (tx) => {
          const user = await tx.users.create({ email: "gone@example.com", displayName: "Gone" });
          entryId = (await tx.entries.create({ userId: user.id, content: "gone" })).id;
          await tx.users.update(existing.id, { displayName: "changed" });
          await tx.users.delete(existing.id);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await h().store.users.getByEmail("gone@example.com")).toBeNull();
      expect(await h().backend.get("journalEntries", entryId)).toBeNull();
      expect(await h().store.users.get(existing.id)).toMatchObject({ displayName: "ada", version: 1 });
    });

    it("rolls back when a write inside fails, leaving earlier writes of the callback unstored", async () => {
      await seedUser(h().store, "taken");
      await expect(
        h().store.transaction(async (tx) => {
          await tx.users.create({ email: "fresh@example.com", displayName: "Fresh" });
          await tx.users.create({ email: "taken@example.com", displayName: "Dup" });
        }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await h().store.users.getByEmail("fresh@example.com")).toBeNull();
    });

    it("nested transactions join the outer one", async () => {
      await expect(
        h().store.transaction(async (tx) => {
          await tx.transaction(async (inner) => {
            await inner.users.create({ email: "nested@example.com", displayName: "N" });
          });
          throw new Error("outer fails");
        }),
      ).rejects.toThrow("outer fails");
      expect(await h().store.users.getByEmail("nested@example.com")).toBeNull();
    });

    it("backend transactions see their own writes and roll back on throw", async () => {
      const user = await seedUser(h().store);
      const { changeSeq: _s, ...row } = (await h().backend.get("users", user.id))!;
      await expect(
        h().backend.transaction(async (tx) => {
          await tx.update("users", { ...row, version: 2, displayName: "inside" }, 1);
          expect((await tx.get("users", user.id))?.displayName).toBe("inside");
          throw new Error("undo");
        }),
      ).rejects.toThrow("undo");
      expect((await h().backend.get("users", user.id))?.version).toBe(1);
    });

    it("concurrent appends on one session get unique, consecutive sequence numbers", async () => {
      const user = await seedUser(h().store);
      const session = await h().store.sessions.create({ userId: user.id });
      const appended = await Promise.all(
        Array.from({ length: 12 }, (_, i) => h().store.messages.append({ sessionId: session.id, role: "user", content: `c${i}` })),
      );
      expect(appended.map((m) => m.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const stored = await h().store.sessions.get(session.id);
      expect(stored?.messageCount).toBe(12);
      const last = appended.find((m) => m.sequence === 12)!;
      expect(stored?.lastMessageAt).toBe(last.createdAt);
    });

    it("append copies the session's user and updates the session in the same transaction", async () => {
      const user = await seedUser(h().store);
      const session = await h().store.sessions.create({ userId: user.id });
      const message = await h().store.messages.append({ sessionId: session.id, role: "assistant", content: "hi", citations: [{ id: "c1" }], latencyMs: 120, tokens: 42, model: "m-1" });
      expect(message).toMatchObject({ userId: user.id, sequence: 1, citations: [{ id: "c1" }], latencyMs: 120, tokens: 42, model: "m-1" });
      const updated = await h().store.sessions.get(session.id);
      expect(updated).toMatchObject({ version: 2, messageCount: 1, lastMessageAt: message.createdAt });
    });
  });
}
