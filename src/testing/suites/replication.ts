import { describe, expect, it } from "vitest";
import type { Backend } from "../../backend.js";
import type { CollectionName, RowTypes } from "../../model/rows.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/** applyReplicated: each outcome, batches in order, idempotence. */
export function replicationSuite(target: ConformanceTarget): void {
  describe("applyReplicated", () => {
    const h = useHarness(target);
    const T0 = "2026-02-01T10:00:00.000Z";

    function userRow(id: string, email: string, version = 1, extra: Partial<RowTypes["users"]> = {}): RowTypes["users"] {
      return {
        id,
        version,
        createdAt: T0,
        updatedAt: T0,
        deleted: false,
        email,
        emailKey: email.toLowerCase(),
        displayName: email.split("@")[0]!,
        passwordHash: null,
        privacyLevel: "private",
        preferences: { theme: "light", nested: { a: 1, b: 2 } },
        timezone: "UTC",
        active: true,
        lastLoginAt: null,
        ...extra,
      };
    }
    async function stored<C extends CollectionName>(backend: Backend, collection: C, id: string) {
      const row = await backend.get(collection, id);
      if (!row) return null;
      const { changeSeq: _s, ...plain } = row;
      return plain;
    }
    const U1 = "01900000-0000-7000-8000-0000000000a1";
    const U2 = "01900000-0000-7000-8000-0000000000a2";
    const E1 = "01900000-0000-7000-8000-0000000000e1";

    it("applies a new row and a newer version; reports stale for older and equal ones", async () => {
      const b = h().backend;
      expect(await b.applyReplicated("users", [userRow(U1, "a@x.io")])).toEqual([{ id: U1, outcome: "applied" }]);
      expect(await stored(b, "users", U1)).toEqual(userRow(U1, "a@x.io"));
      const v3 = userRow(U1, "a@x.io", 3, { displayName: "three", updatedAt: "2026-02-01T10:00:03.000Z" });
      expect(await b.applyReplicated("users", [v3])).toEqual([{ id: U1, outcome: "applied" }]);
      expect(await b.applyReplicated("users", [userRow(U1, "a@x.io", 2)])).toEqual([{ id: U1, outcome: "stale", storedVersion: 3 }]);
      expect(await b.applyReplicated("users", [v3])).toEqual([{ id: U1, outcome: "stale", storedVersion: 3 }]);
      expect(await stored(b, "users", U1)).toEqual(v3);
    });

    it("equal version with equal content is stale even when JSON keys come in another order", async () => {
      const b = h().backend;
      await b.applyReplicated("users", [userRow(U1, "a@x.io")]);
      const reordered = userRow(U1, "a@x.io", 1, { preferences: { nested: { b: 2, a: 1 }, theme: "light" } });
      expect(await b.applyReplicated("users", [reordered])).toEqual([{ id: U1, outcome: "stale", storedVersion: 1 }]);
    });

    it("equal version with different content is a version conflict and writes nothing", async () => {
      const b = h().backend;
      await b.applyReplicated("users", [userRow(U1, "a@x.io")]);
      const other = userRow(U1, "a@x.io", 1, { displayName: "different" });
      expect(await b.applyReplicated("users", [other])).toEqual([{ id: U1, outcome: "conflict", reason: "version", storedVersion: 1 }]);
      expect((await stored(b, "users", U1))?.displayName).toBe("a");
    });

    it("a unique key held by another live row is a conflict naming the key and the holder", async () => {
      const b = h().backend;
      await b.applyReplicated("users", [userRow(U1, "same@x.io")]);
      expect(await b.applyReplicated("users", [userRow(U2, "SAME@x.io")])).toEqual([
        { id: U2, outcome: "conflict", reason: "unique-key", key: "emailKey", holderId: U1 },
      ]);
      expect(await b.get("users", U2)).toBeNull();
    });

    it("a row whose owner has not arrived is missing-owner, then applies once it has", async () => {
      const b = h().backend;
      const user = await seedUser(h().store);
      const { changeSeq: _s, ...owner } = (await b.get("users", user.id))!;
      const entry = await h().store.entries.create({ userId: user.id, content: "x" });
      const { changeSeq: _e, ...entryRow } = (await b.get("journalEntries", entry.id))!;
      const orphan = { ...entryRow, id: E1, userId: U2 };
      expect(await b.applyReplicated("journalEntries", [orphan])).toEqual([
        { id: E1, outcome: "missing-owner", ownerCollection: "users", ownerId: U2 },
      ]);
      expect(await b.get("journalEntries", E1)).toBeNull();
      const results = await b.applyReplicated("users", [{ ...owner, id: U2, email: "u2@x.io", emailKey: "u2@x.io" }]);
      expect(results[0]?.outcome).toBe("applied");
      expect(await b.applyReplicated("journalEntries", [orphan])).toEqual([{ id: E1, outcome: "applied" }]);
    });

    it("a live row whose owner is a tombstone is missing-owner; its own tombstone applies", async () => {
      const b = h().backend;
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "x" });
      const { changeSeq: _e, ...entryRow } = (await b.get("journalEntries", entry.id))!;
      await h().store.users.delete(user.id);
      const live = { ...entryRow, id: E1 };
      expect((await b.applyReplicated("journalEntries", [live]))[0]).toMatchObject({ outcome: "missing-owner", ownerId: user.id });
      const stone = { ...live, version: 2, deleted: true, content: "", searchText: "" };
      expect(await b.applyReplicated("journalEntries", [stone])).toEqual([{ id: E1, outcome: "applied" }]);
      expect(await b.applyReplicated("journalEntries", [live])).toEqual([{ id: E1, outcome: "stale", storedVersion: 2 }]);
    });

    it("a batch is applied in order with one outcome per row, owners before what they own", async () => {
      const b = h().backend;
      const out = await b.applyReplicated("users", [
        userRow(U1, "one@x.io"),
        userRow(U2, "ONE@x.io"),
        userRow(U1, "one@x.io", 2, { displayName: "v2" }),
      ]);
      expect(out.map((o) => o.outcome)).toEqual(["applied", "conflict", "applied"]);
      expect((await stored(b, "users", U1))?.displayName).toBe("v2");
    });

    it("is idempotent: replaying a scan onto a second copy yields identical rows", async () => {
      const { store, backend } = h();
      const user = await seedUser(store);
      const session = await store.sessions.create({ userId: user.id });
      await store.messages.append({ sessionId: session.id, role: "user", content: "hi" });
      await store.entries.create({ userId: user.id, content: "e" });
      const copy = await target.create();
      try {
        for (let round = 0; round < 2; round++) {
          for (const collection of ["users", "chatSessions", "messages", "journalEntries"] as const) {
            const rows = (await backend.scan(collection, { limit: 1000 })).map(({ changeSeq: _s, ...r }) => r);
            // The first copy keeps what it holds while the second exists (a harness must not reset it).
            expect(rows.length, `${collection} rows to replay`).toBeGreaterThan(0);
            const outcomes = await copy.applyReplicated(collection, rows as never);
            expect(outcomes.every((o) => o.outcome === (round === 0 ? "applied" : "stale"))).toBe(true);
          }
        }
        for (const collection of ["users", "chatSessions", "messages", "journalEntries"] as const) {
          const strip = (rows: { changeSeq: number }[]) => rows.map(({ changeSeq: _s, ...r }) => r);
          expect(strip(await copy.scan(collection, { limit: 1000 }))).toEqual(strip(await backend.scan(collection, { limit: 1000 })));
        }
      } finally {
        await copy.close();
      }
    });
  });
}
