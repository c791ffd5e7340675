import { describe, expect, it } from "vitest";
import { withoutChangeSeq, type Backend, type Stored } from "../../backend.js";
import { ScannedDigests, digestByScan, digestOf } from "../../digest.js";
import { ValidationError } from "../../errors.js";
import { REPLICATED_COLLECTIONS } from "../../model/collections.js";
import type { Json, JsonObject } from "../../model/json.js";
import type { JournalEntryRow } from "../../model/rows.js";
import type { Store } from "../../store/create-store.js";
import { hardValues } from "../fixtures/hard-values.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";

/**
 * Doubles whose decimal text PostgreSQL and JavaScript write differently, or that sit at the
 * edges of the type: a digest must hash each the same way on every backend.
 */
export const DIGEST_NUMBERS: readonly number[] = [
  0.1 + 0.2, 1e21, 1.25e-7, 1e-7, 1e15, -1e15, 123456.789, 5e-324, 1.7976931348623157e308, -2.5e-300, 2 ** 53 - 1, 0.5, 0, -1,
];

/**
 * Writes rows holding every hard value a digest must reproduce: texts (astral characters, escapes),
 * JSON in unsorted key order with nesting, empty objects and arrays, the numbers above in JSON and
 * in embeddings, nulls, text arrays, dates and timestamps, analytics figures, tombstones (a
 * deleted entry; a deleted session with its messages), and rows replicated with a -0 where the
 * facade would have written 0. The same calls on two backends with the harness clock and ids
 * produce identical rows.
 */
export async function seedDigestValues(store: Store, backend: Backend): Promise<void> {
  const user = await store.users.create({ email: "ada@example.com", displayName: "ada", lastLoginAt: "9999-12-31T23:59:59.999Z" });
  const other = await store.users.create({
    email: "zoë@example.com",
    displayName: "Zoë 🧘",
    passwordHash: null,
    lastLoginAt: "1969-12-31T23:59:59.999Z",
    preferences: { z: 1, a: { y: [], x: {} }, "é": "ü", "🧘": [1.25e-7, 1e21], aa: null, b: false } as JsonObject,
  });
  const accept = hardValues.accept;
  const entries: { id: string }[] = [];
  for (let i = 0; i < accept.text.length; i++) {
    const text = accept.text[i]!;
    entries.push(
      await store.entries.create({
        userId: i % 2 === 0 ? user.id : other.id,
        title: text.slice(0, 100).trim() ? text.slice(0, 100) : "t",
        content: text,
        tags: accept.tags[i % accept.tags.length]!,
        mood: i % 3 === 0 ? null : (i % 10) + 1,
        entryDate: i === 0 ? "0100-01-01" : i === 3 ? "9999-12-31" : i === 5 ? "1969-12-31" : `2024-02-${String((i % 29) + 1).padStart(2, "0")}`,
        metadata: { ...(accept.json[i % accept.json.length] as JsonObject), numbers: DIGEST_NUMBERS as Json[], text },
        aiAnalysis: i % 2 === 0 ? null : { sentiment: 0.1 + 0.2, emotions: [], themes: ["a", "b"] },
        embedding: i % 4 === 0 ? null : i % 4 === 1 ? [] : [...DIGEST_NUMBERS],
      }),
    );
  }
  await store.entries.delete(entries[1]!.id);
  const session = await store.sessions.create({ userId: user.id, title: "𝄞 session" });
  const gone = await store.sessions.create({ userId: other.id });
  for (const s of [session, gone]) {
    await store.messages.append({ sessionId: s.id, role: "user", content: "hi \u2028 \" \\ \u0001" });
    await store.messages.append({ sessionId: s.id, role: "assistant", content: "ok", citations: [{ b: 1, a: [0.1 + 0.2] }], tokens: 2147483647, latencyMs: 0 });
  }
  await store.sessions.delete(gone.id);
  await store.content.create({ title: "Ψ", content: "evidence", category: "cbt", evidenceLevel: "strong", tags: [], source: null });
  await store.analytics.refresh(user.id);
  // -0 as replication might deliver it (the facade writes 0): in an embedding and inside JSON.
  const [row] = (await backend.getMany("journalEntries", [entries[2]!.id])) as Stored<JournalEntryRow>[];
  const signed = { ...withoutChangeSeq(row!), version: row!.version + 1, embedding: [-0, 1], metadata: { z: -0, n: [-0] } };
  expect(await backend.applyReplicated("journalEntries", [signed])).toEqual([{ id: signed.id, outcome: "applied" }]);
}

/** The validation error `attempt` fails with (its issue paths), or what happened instead. */
async function issuePaths(attempt: Promise<unknown>): Promise<string[]> {
  const error = await attempt.then(() => null, (e: unknown) => e);
  return error instanceof ValidationError ? error.issues.map((i) => i.path) : [String(error)];
}

/**
 * digest (optional capability; compare's fast path): a backend's own digest of any range and its
 * parts equals the one `digest.ts` computes from the rows `scan` returns, for every hard value;
 * bad ranges are ValidationErrors naming the field, on backends with and without the capability.
 */
export function digestSuite(target: ConformanceTarget): void {
  describe("digest", () => {
    const h = useHarness(target);

    it("equals the digest of the scanned rows, for every hard value, whole and cut into parts", async () => {
      const { backend, store } = h();
      await seedDigestValues(store, backend);
      for (const collection of REPLICATED_COLLECTIONS) {
        const ids = (await backend.scan(collection, { limit: 10_000 })).map((r) => r.id);
        const whole = await digestOf(backend, collection, {});
        expect(whole, collection).toEqual(await digestByScan(backend, collection, {}));
        expect(whole[0]!.count).toBe(ids.length);
        if (ids.length < 4) continue;
        const range = { afterId: ids[0]!, untilId: ids[ids.length - 1]!, splitAt: [ids[1]!, ids[Math.floor(ids.length / 2)]!] };
        const parts = await digestOf(backend, collection, range);
        expect(parts, collection).toEqual(await digestByScan(backend, collection, range));
        expect(parts.map((p) => p.count)).toEqual([1, Math.floor(ids.length / 2) - 1, ids.length - 1 - Math.floor(ids.length / 2)]);
        expect(parts[0]).toMatchObject({ firstId: ids[1], lastId: ids[1] });
        // The digests compare keeps for a side without its own (hashed once) give the same.
        const scanned = await ScannedDigests.load(backend, collection, 3);
        expect(scanned.digest(collection, {}), collection).toEqual(whole);
        expect(scanned.digest(collection, range), collection).toEqual(parts);
        expect(scanned.digest(collection, { afterId: ids[ids.length - 1]! })[0]!.count).toBe(0);
        // Some parts only: exactly those entries of the full digest, in the order asked.
        for (const only of [[1], [0, 2], [2]]) {
          const expected = only.map((i) => parts[i]);
          expect(await digestOf(backend, collection, { ...range, parts: only }), `${collection} parts ${only}`).toEqual(expected);
          expect(await digestByScan(backend, collection, { ...range, parts: only })).toEqual(expected);
          expect(scanned.digest(collection, { ...range, parts: only })).toEqual(expected);
        }
      }
    });

    it("an empty range is count 0 with the zero hash; bad bounds and cuts are ValidationErrors naming the field", async () => {
      const { backend } = h();
      expect(await digestOf(backend, "users", {})).toEqual([{ count: 0, hash: "0000000000000000", firstId: null, lastId: null }]);
      const a = "01900000-0000-7000-8000-000000000001";
      const b = "01900000-0000-7000-8000-000000000009";
      expect(await issuePaths(digestOf(backend, "users", { afterId: "x'; drop table users; --" }))).toEqual(["afterId"]);
      expect(await issuePaths(digestOf(backend, "users", { untilId: "ABC" }))).toEqual(["untilId"]);
      expect(await issuePaths(digestOf(backend, "users", { afterId: b, untilId: a }))).toEqual(["untilId"]);
      expect(await issuePaths(digestOf(backend, "users", { splitAt: [b, a] }))).toEqual(["splitAt.1"]);
      expect(await issuePaths(digestOf(backend, "users", { afterId: b, splitAt: [a] }))).toEqual(["splitAt.0"]);
      expect(await issuePaths(digestOf(backend, "nope" as "users", {}))).toEqual([""]);
      expect(await issuePaths(digestOf(backend, "users", { splitAt: [a], parts: [1, 0] }))).toEqual(["parts.1"]);
      expect(await issuePaths(digestOf(backend, "users", { splitAt: [a], parts: [2] }))).toEqual(["parts.0"]);
      expect(await issuePaths(digestOf(backend, "users", { parts: [0.5] }))).toEqual(["parts.0"]);
      expect(await digestOf(backend, "users", { splitAt: [a, b], parts: [] })).toEqual([]);
    });

    it("follows every write: a digest taken again after an update, a delete and a replicated row equals the scanned rows'", async () => {
      const { backend, store } = h();
      const user = await store.users.create({ email: "d@example.com", displayName: "d" });
      const entries = [];
      for (let i = 0; i < 5; i++) entries.push(await store.entries.create({ userId: user.id, title: `t${i}`, content: `c${i}` }));
      const before = await digestOf(backend, "journalEntries", {});
      expect(await digestOf(backend, "journalEntries", {})).toEqual(before); // unchanged rows, same digest
      await store.entries.update(entries[1]!.id, { title: "changed" });
      const afterUpdate = await digestOf(backend, "journalEntries", {});
      expect(afterUpdate).not.toEqual(before);
      expect(afterUpdate).toEqual(await digestByScan(backend, "journalEntries", {}));
      await store.entries.delete(entries[2]!.id);
      const afterDelete = await digestOf(backend, "journalEntries", {});
      expect(afterDelete).not.toEqual(afterUpdate);
      expect(afterDelete).toEqual(await digestByScan(backend, "journalEntries", {}));
      const [row] = (await backend.getMany("journalEntries", [entries[3]!.id])) as Stored<JournalEntryRow>[];
      await backend.applyReplicated("journalEntries", [{ ...withoutChangeSeq(row!), version: row!.version + 1, content: "replicated" }]);
      const afterReplicated = await digestOf(backend, "journalEntries", {});
      expect(afterReplicated).not.toEqual(afterDelete);
      expect(afterReplicated).toEqual(await digestByScan(backend, "journalEntries", {}));
    });
  });
}
