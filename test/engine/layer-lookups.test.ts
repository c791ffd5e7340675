import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Stored } from "../../src/backend.js";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { Layer } from "../../src/engine/layer.js";
import { uniqueKeyValue } from "../../src/engine/table.js";
import { newRow } from "../../src/model/entity.js";
import { entryModel } from "../../src/model/entities/entries.js";
import { userModel } from "../../src/model/entities/users.js";
import type { JournalEntryRow, UserRow } from "../../src/model/rows.js";
import { prng } from "../support/prng.js";

/**
 * A transaction's unique-key and reference checks ask its layers' lookups instead of scanning
 * their rows. The lookups must answer what a scan answers, and a batch written in one
 * transaction must get exactly the outcomes the same rows get one transaction each (where the
 * committed tables' indexes answer instead).
 */

const idOf = (kind: number, n: number) => `0190${kind.toString(16).padStart(4, "0")}-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
const T0 = Date.UTC(2025, 0, 1);
const EMAILS = ["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"];

/** Version `version` of user `n` with one of a few emails, live or deleted. */
function user(random: () => number, n: number, version: number): UserRow {
  const row = newRow(userModel, { email: EMAILS[Math.floor(random() * EMAILS.length)]!, displayName: `U${n}` }, idOf(1, n), new Date(T0).toISOString());
  return { ...row, version, deleted: random() < 0.25, updatedAt: new Date(T0 + version * 1000).toISOString() };
}

describe("layer lookups", () => {
  it("answer what a scan of the layer's rows answers, built early or late", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = prng(seed);
      const layer = new Layer();
      const keyOf = (r: Stored) => (r.deleted ? null : uniqueKeyValue(["emailKey"], r as unknown as Record<string, unknown>));
      const rows = new Map<string, Stored | null>();
      const buildAt = Math.floor(random() * 60);
      for (let step = 0; step < 120; step++) {
        const n = Math.floor(random() * 12);
        const row = random() < 0.15 ? null : ({ ...user(random, n, step + 1), changeSeq: step + 1 } as unknown as Stored);
        layer.set("users", idOf(1, n), row);
        rows.set(idOf(1, n), row);
        if (step < buildAt) continue;
        for (const email of EMAILS) {
          const key = uniqueKeyValue(["emailKey"], { emailKey: email })!;
          const scanned = [...rows.values()].filter((r) => r && keyOf(r) === key).map((r) => r!.id).sort();
          expect([...(layer.idsWith("users", "unique:emailKey", keyOf, key) ?? [])].sort(), `seed ${seed} step ${step}`).toEqual(scanned);
        }
      }
    }
  });

  it("give a batch in one transaction the outcomes of the same rows one transaction each", async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = prng(seed);
      const batch: UserRow[] = [];
      for (let i = 0; i < 80; i++) batch.push(user(random, Math.floor(random() * 20), 1 + Math.floor(random() * 4)));
      const together = memoryBackend();
      const oneByOne = memoryBackend();
      const outcomes = await together.applyReplicated("users", batch);
      const expected = [];
      for (const row of batch) expected.push(...(await oneByOne.applyReplicated("users", [row])));
      expect(outcomes, `seed ${seed}`).toEqual(expected);
      const live = async (b: ReturnType<typeof memoryBackend>) => (await b.scan("users", { limit: 1000 })).map((r) => [r.id, r.version, r.deleted, r.emailKey]);
      expect(await live(together)).toEqual(await live(oneByOne));
    }
  });

  it("see the unique keys of groups committed but not yet durable (JSON-file backend, concurrent batches)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "journal-layers-"));
    try {
      for (let seed = 1; seed <= 8; seed++) {
        const random = prng(100 + seed);
        const batches: UserRow[][] = [];
        for (let b = 0; b < 30; b++) batches.push(Array.from({ length: 1 + Math.floor(random() * 4) }, () => user(random, Math.floor(random() * 15), 1 + Math.floor(random() * 4))));
        const json = jsonFileBackend({ dir: join(dir, `s${seed}`) });
        const reference = memoryBackend();
        try {
          // Started together: each transaction runs over the groups before it that wait for their fsync.
          const concurrent = await Promise.all(batches.map((batch) => json.applyReplicated("users", batch)));
          const sequential = [];
          for (const batch of batches) sequential.push(await reference.applyReplicated("users", batch));
          expect(concurrent, `seed ${seed}`).toEqual(sequential);
        } finally {
          await json.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("let purge remove an owner whose last child it purged in the same transaction, and keep one still referred to", async () => {
    const old = new Date(T0).toISOString();
    const owners = [0, 1, 2].map((n) => ({ ...newRow(userModel, { email: `o${n}@example.com`, displayName: "O" }, idOf(1, n), old), deleted: true, version: 2 }));
    const entry = (n: number, owner: number, deleted: boolean): JournalEntryRow => ({
      ...newRow(entryModel, { userId: idOf(1, owner), title: `E${n}`, content: "text" }, idOf(2, n), old),
      deleted,
      version: 2,
    });
    // Owner 0: only purgeable children. Owner 1: one live child among them. Owner 2: none.
    const entries = [entry(1, 0, true), entry(2, 0, true), entry(3, 1, true), entry(4, 1, false)];
    // A live child of a deleted owner cannot be replicated, so the children come while the owners live.
    const fresh = memoryBackend();
    await fresh.applyReplicated("users", owners.map((o) => ({ ...o, deleted: false, version: 1 })));
    expect((await fresh.applyReplicated("journalEntries", entries)).map((o) => o.outcome)).toEqual(["applied", "applied", "applied", "applied"]);
    expect((await fresh.applyReplicated("users", owners)).map((o) => o.outcome)).toEqual(["applied", "applied", "applied"]);
    const result = await fresh.purge({ olderThan: new Date(T0 + 86_400_000).toISOString() });
    expect(result).toEqual({ journalEntries: 3, users: 2 });
    expect((await fresh.getMany("users", owners.map((o) => o.id))).map((r) => r?.id ?? null)).toEqual([null, owners[1]!.id, null]);
  });
});
