import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RowSource } from "../../src/backend.js";
import { jsonFileBackend, jsonFileSource } from "../../src/backends/json/index.js";
import { CorruptStoreError } from "../../src/backends/json/errors.js";
import { ClosedError, ValidationError } from "../../src/errors.js";
import { COLLECTION_NAMES } from "../../src/model/collections.js";
import { MAX_ID } from "../../src/model/ids.js";
import type { CollectionName } from "../../src/model/rows.js";
import { hardValues } from "../../src/testing/fixtures/hard-values.js";
import { generateDataset } from "../support/dataset.js";
import { deterministicStore, randomOps } from "../support/random-ops.js";
import { bump, idOf, makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

// jsonFileSource reads a store's rows from its snapshot files page by page instead of holding
// them: it must return exactly what a read-only jsonFileBackend of the same directory returns.

const dirs: string[] = [];
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((o) => o.close()));
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function newDir(): Promise<string> {
  const dir = await tempDir("journal-source-");
  dirs.push(dir);
  return dir;
}

function track<T extends { close(): Promise<void> }>(o: T): T {
  open.push(o);
  return o;
}

/** Every row of `collection`, a page of `limit` at a time. */
async function allPages(source: RowSource, collection: CollectionName, limit: number): Promise<unknown[]> {
  const out: unknown[] = [];
  let afterId: string | null = null;
  for (;;) {
    const page: { id: string }[] = await source.scan(collection, { afterId, limit });
    out.push(...page);
    if (page.length < limit) return out;
    afterId = page[page.length - 1]!.id;
  }
}

/** Asserts that `source` reads every collection of `dir` exactly as a read-only backend does. */
async function expectSameAsBackend(dir: string, source: RowSource): Promise<void> {
  const backend = track(jsonFileBackend({ dir, readOnly: true }));
  for (const c of COLLECTION_NAMES) {
    const rows = await allPages(backend, c, 1_000_000);
    for (const limit of [1, 7, 1000]) expect(await allPages(source, c, limit), `${c} in pages of ${limit}`).toEqual(rows);
    expect(await source.count(c), `count of ${c}`).toBe(await backend.count(c));
    const ids = rows.map((r) => (r as { id: string }).id);
    const asked = [...ids].reverse().concat([idOf(999_999, 9), ids[0] ?? idOf(1, 9)]);
    expect(await source.getMany(c, asked), `getMany of ${c}`).toEqual(await backend.getMany(c, asked));
    const cuts = ids.filter((_, i) => i % 3 === 1 && ids[i] !== MAX_ID);
    for (const range of [{}, { splitAt: cuts }, { afterId: ids[1] ?? null, untilId: ids[ids.length - 2] ?? null }]) {
      if (range.afterId && range.untilId && range.untilId < range.afterId) continue;
      expect(await source.digest!(c, range), `digest of ${c} ${JSON.stringify(range)}`).toEqual(await backend.digest!(c, range));
    }
  }
}

/** A store with rows in its snapshot and, since, in its log: updates, deletes and purges of snapshot rows. */
async function storeWithSnapshotAndLog(dir: string, seed: number): Promise<void> {
  const backend = jsonFileBackend({ dir, autoCompact: false });
  const store = deterministicStore(backend);
  await generateDataset(store, { users: 3, entriesPerUser: 6, seed });
  await randomOps(store, seed, 120);
  await backend.compact();
  await randomOps(store, seed + 1000, 120);
  const purged = await backend.purge({ olderThan: "2999-01-01T00:00:00.000Z" });
  expect(Object.values(purged).reduce((n, k) => n + (k ?? 0), 0), "the log purges some tombstones").toBeGreaterThan(0);
  await randomOps(store, seed + 2000, 40);
  await backend.close();
}

describe("jsonFileSource reads what a read-only backend reads", () => {
  for (const seed of [1, 2, 3]) {
    it(`a snapshot out of id order, and a log since (updates, deletes, purges), seed ${seed}`, async () => {
      const dir = await newDir();
      await storeWithSnapshotAndLog(dir, seed);
      expect((await readdir(dir)).some((f) => f.startsWith("log-")), "the log holds writes after the snapshot").toBe(true);
      await expectSameAsBackend(dir, track(jsonFileSource({ dir })));
    });
  }

  it("hard values, derived fields stored because they differ, and rows only a full parse can index", async () => {
    const dir = await newDir();
    const backend = jsonFileBackend({ dir, autoCompact: false });
    const user = makeUser(1);
    await backend.insert("users", user);
    const texts = hardValues.accept.text;
    for (let i = 0; i < texts.length; i++) await backend.insert("journalEntries", makeEntry(10 + i, user.id, { title: texts[i]!, content: texts[(i + 1) % texts.length]! }));
    // A derived field that differs from its derivation is kept as written.
    const odd = makeEntry(500, user.id, { searchText: "not what the title folds to" });
    await backend.insert("journalEntries", odd);
    // A row whose line does not start the way the writer starts rows: a key before `id`, holding
    // a nested `deleted` of the other value.
    const { metadata, ...rest } = makeEntry(501, user.id, { metadata: { deleted: true, '"deleted":true': 1 } });
    await backend.insert("journalEntries", { metadata, ...rest });
    // A tombstone in the snapshot.
    const gone = await backend.insert("journalEntries", makeEntry(502, user.id));
    await backend.update("journalEntries", bump(gone, { deleted: true }), 1);
    await backend.compact();
    await backend.update("journalEntries", bump(odd, { deleted: true }), 1);
    await backend.close();
    await expectSameAsBackend(dir, track(jsonFileSource({ dir })));
  });

  it("a directory of legacy arrays, read whole", async () => {
    const dir = await newDir();
    const user = makeUser(1);
    await writeFile(join(dir, "users.json"), JSON.stringify([user]));
    await writeFile(join(dir, "journalEntries.json"), JSON.stringify([makeEntry(2, user.id), makeEntry(3, user.id, { deleted: true })]));
    const source = track(jsonFileSource({ dir }));
    await expectSameAsBackend(dir, source);
    expect(await source.count("journalEntries")).toBe(1);
  });
});

describe("jsonFileSource keeps its view and checks what it reads", () => {
  it("reads the store as it opened, while a writer compacts and removes those files", async () => {
    const dir = await newDir();
    await storeWithSnapshotAndLog(dir, 7);
    const before = await allPages(track(jsonFileBackend({ dir, readOnly: true })), "journalEntries", 1_000_000);
    const source = track(jsonFileSource({ dir }));
    await source.ready();
    const writer = jsonFileBackend({ dir, autoCompact: false });
    const store = deterministicStore(writer);
    await randomOps(store, 99, 80);
    await writer.compact();
    await writer.close();
    expect(await allPages(source, "journalEntries", 5)).toEqual(before);
  });

  it("a damaged row line fails the read that meets it, naming the file and line; the store stays as it was", async () => {
    const dir = await newDir();
    const backend = jsonFileBackend({ dir, autoCompact: false });
    const user = makeUser(1);
    await backend.insert("users", user);
    for (let i = 0; i < 5; i++) await backend.insert("journalEntries", makeEntry(10 + i, user.id));
    await backend.compact();
    await backend.close();
    const file = (await readdir(dir)).find((f) => f.startsWith("snapshot-") && f.endsWith("journalEntries.jsonl"))!;
    const path = join(dir, file);
    const text = await readFile(path, "utf8");
    const damaged = text.replace(/"content":"Dear diary, day 12\./, '"content":"Dear diary, day 12\\q');
    expect(damaged).not.toBe(text);
    await writeFile(path, damaged);
    const source = track(jsonFileSource({ dir }));
    await source.ready();
    expect(await source.count("journalEntries")).toBe(5);
    const error = await source.scan("journalEntries", { limit: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptStoreError);
    expect((error as CorruptStoreError).file).toBe(path);
    expect((error as CorruptStoreError).line).toBe(4);
    expect(await source.getMany("journalEntries", [idOf(10, 2), idOf(14, 2)])).toHaveLength(2);
    expect(await readFile(path, "utf8")).toBe(damaged);
  });

  it("refuses at open a snapshot cut short, or one that repeats an id", async () => {
    const dir = await newDir();
    const backend = jsonFileBackend({ dir, autoCompact: false });
    const user = makeUser(1);
    await backend.insert("users", user);
    await backend.insert("journalEntries", makeEntry(10, user.id));
    await backend.insert("journalEntries", makeEntry(11, user.id));
    await backend.compact();
    await backend.close();
    const file = join(dir, (await readdir(dir)).find((f) => f.endsWith("journalEntries.jsonl"))!);
    const lines = (await readFile(file, "utf8")).split("\n");
    await writeFile(file, [lines[0], lines[1], lines[1], lines[3], ""].join("\n"));
    await expect(jsonFileSource({ dir }).ready()).rejects.toThrow(/repeats id/);
    await writeFile(file, lines.slice(0, 3).join("\n") + "\n");
    await expect(jsonFileSource({ dir }).ready()).rejects.toThrow(CorruptStoreError);
  });

  it("typed errors: a bad dir option, an unknown collection, a changedSince scan, a closed source", async () => {
    expect(() => jsonFileSource({ dir: "" })).toThrow(ValidationError);
    const dir = await newDir();
    const source = jsonFileSource({ dir });
    await expect(source.count("nope" as CollectionName)).rejects.toThrow(ValidationError);
    await expect(source.scan("users", { changedSince: 0, limit: 1 } as never)).rejects.toThrow(/changedSince/);
    expect(await source.scan("users", { limit: 10 })).toEqual([]);
    await source.close();
    await expect(source.count("users")).rejects.toThrow(ClosedError);
  });
});
