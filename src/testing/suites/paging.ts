import { describe, expect, it } from "vitest";
import { encodeCursor } from "../../cursor.js";
import { ValidationError } from "../../errors.js";
import type { JournalEntryRow } from "../../model/rows.js";
import type { ListResult } from "../../store/crud.js";
import type { JournalEntry } from "../../store/repositories/entries.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedEntries, seedUser } from "../seed.js";

/** Ordering (always tie-broken by id) and keyset cursors in one backend-independent format. */
export function pagingSuite(target: ConformanceTarget): void {
  describe("ordering and cursors", () => {
    const h = useHarness(target);

    it("orders by entry date, newest first, ties broken by id in the same direction", async () => {
      const { user, entries } = await seedEntries(h().store, 40); // dates repeat after 28 days
      const page = await h().store.entries.list({ userId: user.id, limit: 500 });
      const expected = [...entries].sort((a, b) =>
        a.entryDate !== b.entryDate ? (a.entryDate < b.entryDate ? 1 : -1) : a.id < b.id ? 1 : -1,
      );
      expect(page.items.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      const asc = await h().store.entries.list({ userId: user.id, order: "asc", orderBy: "createdAt", limit: 500 });
      expect(asc.items.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    });

    it("pages cover every row exactly once, with the cursor of the last row", async () => {
      const { user, entries } = await seedEntries(h().store, 23);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: ListResult<JournalEntry> = await h().store.entries.list({ userId: user.id, limit: 5, cursor });
        pages++;
        seen.push(...page.items.map((e) => e.id));
        const last = page.items[page.items.length - 1];
        if (page.nextCursor && last) {
          expect(page.nextCursor).toBe(encodeCursor({ field: "entryDate", direction: "desc" }, last as JournalEntryRow));
        }
        cursor = page.nextCursor;
      } while (cursor);
      expect(pages).toBe(5);
      expect(seen.sort()).toEqual(entries.map((e) => e.id).sort());
    });

    it("a page exactly at the end has no next cursor", async () => {
      const { user } = await seedEntries(h().store, 4);
      const first = await h().store.entries.list({ userId: user.id, limit: 4 });
      expect(first.items).toHaveLength(4);
      expect(first.nextCursor).toBeNull();
    });

    it("rows inserted while paging never cause a row to be skipped or repeated", async () => {
      const { user, entries } = await seedEntries(h().store, 12);
      const seen: string[] = [];
      let cursor: string | null = null;
      let round = 0;
      do {
        const page: { items: { id: string }[]; nextCursor: string | null } = await h().store.entries.list({
          userId: user.id,
          orderBy: "createdAt",
          order: "asc",
          limit: 4,
          cursor,
        });
        seen.push(...page.items.map((e) => e.id));
        await h().store.entries.create({ userId: user.id, content: `late ${round++}` });
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      for (const e of entries) expect(seen).toContain(e.id);
    });

    it("messages list in sequence order with a cursor", async () => {
      const user = await seedUser(h().store);
      const session = await h().store.sessions.create({ userId: user.id });
      for (let i = 0; i < 7; i++) await h().store.messages.append({ sessionId: session.id, role: i % 2 ? "assistant" : "user", content: `m${i}` });
      const first = await h().store.messages.list({ sessionId: session.id, limit: 4 });
      const second = await h().store.messages.list({ sessionId: session.id, limit: 4, cursor: first.nextCursor });
      expect([...first.items, ...second.items].map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(second.nextCursor).toBeNull();
      const newest = await h().store.messages.list({ sessionId: session.id, order: "desc", limit: 2 });
      expect(newest.items.map((m) => m.content)).toEqual(["m6", "m5"]);
    });

    it("a malformed cursor, or one from another ordering, is a ValidationError naming cursor", async () => {
      const { user } = await seedEntries(h().store, 3);
      const page = await h().store.entries.list({ userId: user.id, limit: 1 });
      await expect(h().store.entries.list({ userId: user.id, cursor: "not a cursor" })).rejects.toBeInstanceOf(ValidationError);
      await expect(h().store.entries.list({ userId: user.id, orderBy: "createdAt", cursor: page.nextCursor })).rejects.toThrow(/cursor/);
    });

    it("a well-formed cursor whose id or value is not what its field holds is a ValidationError naming cursor", async () => {
      const { user } = await seedEntries(h().store, 3);
      const session = await h().store.sessions.create({ userId: user.id });
      for (let i = 0; i < 3; i++) await h().store.messages.append({ sessionId: session.id, role: "user", content: `m${i}` });
      const lists: [string, (cursor: string) => Promise<unknown>, string][] = [
        ["entries by entryDate", (cursor) => h().store.entries.list({ userId: user.id, limit: 1, cursor }), (await h().store.entries.list({ userId: user.id, limit: 1 })).nextCursor!],
        ["entries by createdAt", (cursor) => h().store.entries.list({ userId: user.id, orderBy: "createdAt", limit: 1, cursor }), (await h().store.entries.list({ userId: user.id, orderBy: "createdAt", limit: 1 })).nextCursor!],
        ["messages by sequence", (cursor) => h().store.messages.list({ sessionId: session.id, limit: 1, cursor }), (await h().store.messages.list({ sessionId: session.id, limit: 1 })).nextCursor!],
      ];
      const badValues: Record<string, unknown[]> = {
        "entries by entryDate": [5, "not a date", "2026-02-30", "2026-01-01T00:00:00.000Z"],
        "entries by createdAt": [5, "not a time", "2026-01-05", "2026-01-05T09:00:00Z", "2026-13-05T09:00:00.000Z"],
        "messages by sequence": ["2", 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53],
      };
      const reencode = (cursor: string, at: number, value: unknown) => {
        const parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
        parts[at] = value;
        return Buffer.from(JSON.stringify(parts), "utf8").toString("base64url");
      };
      for (const [name, list, cursor] of lists) {
        await expect(list(cursor), `${name}: the real cursor`).resolves.toBeTruthy();
        const bad = [
          ...["not-a-uuid", "../../etc/passwd", "0190C6A0-0000-7000-8000-000000000001", ""].map((id) => reencode(cursor, 3, id)),
          ...badValues[name]!.map((value) => reencode(cursor, 2, value)),
        ];
        for (const c of bad) {
          const error = await list(c).then(() => null, (e: unknown) => e);
          const decoded = Buffer.from(c, "base64url").toString("utf8");
          expect(error, `${name}: ${decoded}`).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.map((i) => i.path), decoded).toEqual(["cursor"]);
        }
      }
    });

    it("limit must be a whole number from 1 to 500", async () => {
      const user = await seedUser(h().store);
      for (const limit of [0, -1, 1.5, 501, Number.NaN]) {
        await expect(h().store.entries.list({ userId: user.id, limit })).rejects.toThrow(/limit/);
      }
    });

    it("the backend refuses to order by a field that is not sortable", async () => {
      await expect(
        h().backend.query("journalEntries", { orderBy: { field: "content", direction: "asc" }, limit: 1 }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        h().backend.query("journalEntries", { orderBy: { field: "id; DROP TABLE x", direction: "asc" }, limit: 1 }),
      ).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
