import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Backend, BackendReader, Filter, Stored } from "../../src/backend.js";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { Layer } from "../../src/engine/layer.js";
import { uniqueKeyValue } from "../../src/engine/table.js";
import { newRow } from "../../src/model/entity.js";
import { entryModel } from "../../src/model/entities/entries.js";
import { topicModel } from "../../src/model/entities/topics.js";
import { userModel } from "../../src/model/entities/users.js";
import type { JournalEntryRow, UserRow } from "../../src/model/rows.js";
import { bump } from "../json/helpers.js";
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

/**
 * A query inside a transaction merges the committed tables with the transaction's own writes;
 * an equality filter on an indexed field narrows both sides (the layers through their lookups).
 * Whatever the writes did to the filtered fields, it must answer what the same query answers
 * once those writes are committed.
 */
describe("queries inside a transaction", () => {
  const users = [0, 1, 2].map((n) => newRow(userModel, { email: `q${n}@example.com`, displayName: `Q${n}` }, idOf(1, n), new Date(T0).toISOString()));
  const topics = [0, 1, 2].map((n) => newRow(topicModel, { userId: users[0]!.id, name: `T${n}` }, idOf(3, n), new Date(T0).toISOString()));
  const at = (n: number) => new Date(T0 + n * 1000).toISOString();

  /** The queries asked after every write: equality and `in` on owner fields, two filters, and one no index serves. */
  const queries: Filter[][] = [
    ...users.map((u): Filter[] => [{ field: "userId", op: "eq", value: u.id }]),
    [{ field: "userId", op: "in", values: [users[0]!.id, users[2]!.id] }],
    [{ field: "topicId", op: "eq", value: topics[1]!.id }],
    [{ field: "topicId", op: "in", values: [topics[0]!.id, topics[2]!.id] }],
    [
      { field: "userId", op: "eq", value: users[0]!.id },
      { field: "topicId", op: "eq", value: topics[0]!.id },
    ],
    [{ field: "mood", op: "eq", value: 3 }],
  ];

  async function answers(reader: BackendReader): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const where of queries) {
      const page = await reader.query("journalEntries", { where, orderBy: { field: "id", direction: "asc" }, limit: 1000 });
      out.push(page.rows.map((r) => `${r.id}@${r.version}`), await reader.count("journalEntries", where));
    }
    return out;
  }

  async function seeded(backend: Backend): Promise<JournalEntryRow[]> {
    await backend.applyReplicated("users", users);
    await backend.applyReplicated("topics", topics);
    const entries = Array.from({ length: 30 }, (_, n) => entry(n, n % 3, n % 3 === 0 ? n % 4 : 3, n % 5));
    await backend.applyReplicated("journalEntries", entries);
    return entries;
  }

  /** Entry `n` of user `owner`, in topic `topic` (3: none; only user 0 has topics). */
  function entry(n: number, owner: number, topic: number, mood: number): JournalEntryRow {
    return newRow(entryModel, { userId: users[owner]!.id, topicId: topic < 3 ? topics[topic]!.id : null, title: `E${n}`, content: "text", mood }, idOf(2, n), at(0));
  }

  /** A random write to `pick` (or a new entry), as `update` or `insert` takes it. */
  function randomWrite(random: () => number, pick: JournalEntryRow, next: () => number): { row: JournalEntryRow; expected: number | null } | null {
    const choice = random();
    if (choice < 0.25) {
      const owner = Math.floor(random() * 3);
      return { row: entry(next(), owner, owner === 0 ? Math.floor(random() * 4) : 3, Math.floor(random() * 5)), expected: null };
    }
    if (pick.deleted) return null;
    if (choice < 0.45) return { row: bump(pick, { deleted: true }), expected: pick.version };
    if (pick.userId === users[0]!.id) {
      // Another topic, none, or over to another user.
      const t = Math.floor(random() * 5);
      const patch = t === 4 ? { userId: users[1 + Math.floor(random() * 2)]!.id, topicId: null } : { topicId: t < 3 ? topics[t]!.id : null };
      return { row: bump(pick, patch), expected: pick.version };
    }
    return { row: bump(pick, { userId: users[Math.floor(random() * 3)]!.id, mood: Math.floor(random() * 5) }), expected: pick.version };
  }

  it("see the groups committed before them but not yet durable, under their own writes (JSON-file backend)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "journal-layer-groups-"));
    try {
      for (let seed = 1; seed <= 6; seed++) {
        const random = prng(50 + seed);
        const json = jsonFileBackend({ dir: join(dir, `s${seed}`) });
        const reference = memoryBackend();
        try {
          const ids = (await seeded(json)).map((r) => r.id);
          await seeded(reference);
          let next = 30;
          // Started together: each transaction runs over the groups before it that wait for their fsync.
          const ran: { writes: { row: JournalEntryRow; expected: number | null }[]; seen: unknown[] }[] = [];
          await Promise.all(
            Array.from({ length: 20 }, () =>
              json.transaction(async (tx) => {
                const done: (typeof ran)[number] = { writes: [], seen: [] };
                for (let w = 0; w < 1 + Math.floor(random() * 3); w++) {
                  const pick = (await tx.get("journalEntries", ids[Math.floor(random() * ids.length)]!))!;
                  const write = randomWrite(random, pick, () => next++);
                  if (!write) continue;
                  if (write.expected === null) ids.push((await tx.insert("journalEntries", write.row)).id);
                  else await tx.update("journalEntries", write.row, write.expected);
                  done.writes.push(write);
                }
                done.seen = await answers(tx);
                ran.push(done);
              }),
            ),
          );
          // The transactions ran one at a time, in the order they recorded themselves.
          for (const [i, t] of ran.entries()) {
            for (const w of t.writes) {
              if (w.expected === null) await reference.insert("journalEntries", w.row);
              else await reference.update("journalEntries", w.row, w.expected);
            }
            expect(t.seen, `seed ${seed} transaction ${i}`).toEqual(await answers(reference));
          }
        } finally {
          await json.close();
          await reference.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const kind of ["memory", "json"] as const) {
    it(`answer what the committed store answers after each write (${kind} backend)`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "journal-layer-query-"));
      try {
        for (let seed = 1; seed <= 6; seed++) {
          const random = prng(seed);
          const inTx = kind === "memory" ? memoryBackend() : jsonFileBackend({ dir: join(dir, `s${seed}`) });
          const committed = memoryBackend();
          try {
            const rows = new Map((await seeded(inTx)).map((r) => [r.id, { ...r, version: 1 }]));
            await seeded(committed);
            let next = 30;
            await inTx.transaction(async (tx) => {
              for (let step = 0; step < 60; step++) {
                const pick = [...rows.values()][Math.floor(random() * rows.size)]!;
                const write = randomWrite(random, pick, () => next++);
                if (!write) continue;
                const stored = write.expected === null ? await tx.insert("journalEntries", write.row) : await tx.update("journalEntries", write.row, write.expected);
                if (write.expected === null) await committed.insert("journalEntries", write.row);
                else await committed.update("journalEntries", write.row, write.expected);
                rows.set(stored.id, { ...write.row, version: stored.version });
                expect(await answers(tx), `seed ${seed} step ${step}`).toEqual(await answers(committed));
              }
            });
            expect(await answers(inTx), `seed ${seed} after commit`).toEqual(await answers(committed));
          } finally {
            await inTx.close();
            await committed.close();
          }
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
