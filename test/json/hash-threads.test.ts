import { open, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend, jsonFileSource } from "../../src/backends/json/index.js";
import { CorruptStoreError } from "../../src/backends/json/errors.js";
import { type HashTask, type RunningWorker, hashInWorker, hashTask } from "../../src/backends/json/hash-threads.js";
import type { RowSpans } from "../../src/backends/json/row-reader.js";
import { rowHash } from "../../src/digest.js";
import type { RangeDigest } from "../../src/backend.js";
import { hardValues } from "../../src/testing/fixtures/hard-values.js";
import { bump, idOf, makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

// jsonFileSource hashes a large collection on worker threads beside the main one (compare's
// checksums). The workers run the same code on the same bytes: their hashes must be the main
// thread's, a damaged row must fail as it fails there, and a worker must really have run.

const dirs: string[] = [];
const closing: { close(): Promise<void> }[] = [];
const warnings: Error[] = [];
const onWarning = (w: Error) => void warnings.push(w);
beforeEach(() => void process.on("warning", onWarning));
afterEach(async () => {
  process.off("warning", onWarning);
  await Promise.allSettled(closing.splice(0).map((o) => o.close()));
  await Promise.all(dirs.splice(0).map(removeDir));
});

const ENTRIES = 6000;

/**
 * A store of ENTRIES entries (hard texts among them) in one snapshot, then, in its log, updates
 * and deletes of some of them (rows a source holds in memory): every kind of row a digest meets.
 */
async function bigStore(options: { logAfter: boolean } = { logAfter: true }): Promise<string> {
  const dir = await tempDir("journal-hash-threads-");
  dirs.push(dir);
  const backend = jsonFileBackend({ dir, autoCompact: false });
  const user = makeUser(1);
  await backend.insert("users", user);
  const texts = hardValues.accept.text;
  const rows = Array.from({ length: ENTRIES }, (_, i) =>
    makeEntry(10 + i, user.id, i % 50 === 0 ? { title: texts[i % texts.length]!, content: texts[(i + 1) % texts.length]! } : {}),
  );
  for (let i = 0; i < rows.length; i += 1000) await backend.applyReplicated("journalEntries", rows.slice(i, i + 1000));
  await backend.compact();
  if (options.logAfter) for (let i = 0; i < rows.length; i += 997) await backend.update("journalEntries", bump(rows[i]!, { deleted: i % 2 === 0, title: `changed ${i}` }), rows[i]!.version);
  await backend.close();
  return dir;
}

/** The snapshot file of journal entries in `dir`, with each row's span, read here independently of the source. */
async function entrySpans(dir: string): Promise<{ path: string; spans: RowSpans }> {
  const path = join(dir, (await readdir(dir)).find((f) => f.startsWith("snapshot-") && f.endsWith("journalEntries.jsonl"))!);
  const lines = (await readFile(path)).toString("latin1").split("\n");
  const ids: string[] = [];
  const starts: number[] = [];
  const lengths: number[] = [];
  const numbers: number[] = [];
  let at = 0;
  lines.forEach((line, i) => {
    const id = /^\{"id":"([0-9a-f-]{36})"/.exec(line)?.[1];
    if (id) (ids.push(id), starts.push(at), lengths.push(Buffer.byteLength(line, "latin1")), numbers.push(i + 1));
    at += Buffer.byteLength(line, "latin1") + 1;
  });
  return { path, spans: { ids, starts: Float64Array.from(starts), lengths: Uint32Array.from(lengths), lines: Uint32Array.from(numbers) } };
}

function task(fd: number, path: string, spans: RowSpans): HashTask {
  return hashTask("journalEntries", { fd, path }, spans);
}

describe("hashing on worker threads", () => {
  it("a worker alone hashes every row of a snapshot as the definition does (the rows a backend holds, hashed here)", async () => {
    const dir = await bigStore({ logAfter: false });
    const { path, spans } = await entrySpans(dir);
    expect(spans.ids.length).toBe(ENTRIES);
    const held = jsonFileBackend({ dir, readOnly: true });
    closing.push(held);
    const rows = await held.getMany("journalEntries", spans.ids);
    const here = rows.map((row) => rowHash("journalEntries", row!));
    const file = await open(path, "r");
    try {
      const t = task(file.fd, path, spans);
      const live = new Set<RunningWorker>();
      expect(await hashInWorker(t, live).result).toBeNull();
      expect(live.size, "the worker is stopped once it finished").toBe(0);
      const there = new BigInt64Array(t.hashes);
      expect(there.every((h) => h !== 0n), "the worker hashed every row").toBe(true);
      expect([...there]).toEqual([...here]);
      expect(warnings).toEqual([]);
    } finally {
      await file.close();
    }
  });

  it("a damaged row a worker meets is a CorruptStoreError naming the file and line", async () => {
    const dir = await bigStore();
    const { path, spans } = await entrySpans(dir);
    const text = await readFile(path, "utf8");
    const damaged = text.replace(`"content":"Dear diary, day 5000.`, `"content":"Dear diary, day 5000\\q`);
    expect(damaged).not.toBe(text);
    await writeFile(path, damaged);
    const file = await open(path, "r");
    try {
      const error = await hashInWorker(task(file.fd, path, spans), new Set()).result;
      expect(error).toBeInstanceOf(CorruptStoreError);
      expect(error!.file).toBe(path);
      expect(error!.line).toBe(spans.lines[spans.ids.indexOf(idOf(5000, 2))]);
      expect(error!.message).toMatch(/does not parse as JSON/);
    } finally {
      await file.close();
    }
  });

  it("jsonFileSource digests the same with threads as without, rows held in memory included", async () => {
    const dir = await bigStore();
    const threaded = jsonFileSource({ dir, hashThreads: 2, minRowsPerHashThread: 500 });
    const single = jsonFileSource({ dir, hashThreads: 0 });
    closing.push(threaded, single);
    const ids = (await single.scan("journalEntries", { limit: 1_000_000 })).map((r) => r.id);
    const cuts = ids.filter((_, i) => i % 701 === 350);
    for (const range of [{}, { splitAt: cuts }, { afterId: ids[10]!, untilId: ids[ids.length - 10]!, splitAt: cuts.slice(1, -1) }]) {
      const expected: RangeDigest[] = await single.digest!("journalEntries", range);
      expect(await threaded.digest!("journalEntries", range), JSON.stringify(range).slice(0, 60)).toEqual(expected);
    }
    expect(warnings).toEqual([]);
  });

  it("a damaged row fails a threaded digest, whichever thread meets it; the options are checked", async () => {
    const dir = await bigStore();
    const { path } = await entrySpans(dir);
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace(`"content":"Dear diary, day 3100.`, `"content":"Dear diary, day 3100\\q`));
    const source = jsonFileSource({ dir, hashThreads: 3, minRowsPerHashThread: 500 });
    closing.push(source);
    const error = await source.digest!("journalEntries", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptStoreError);
    expect((error as CorruptStoreError).file).toBe(path);
    expect(() => jsonFileSource({ dir, hashThreads: -1 })).toThrow(/hashThreads/);
    expect(() => jsonFileSource({ dir, minRowsPerHashThread: 0 })).toThrow(/minRowsPerHashThread/);
  });
});
