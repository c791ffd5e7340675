import { appendFile, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CorruptStoreError, jsonFileBackend } from "../../src/backends/json/index.js";
import { makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

/** What a crash can leave is dropped; anything else is CorruptStoreError naming the file, never an empty store. */

let dir: string;
const user = makeUser(1);
const entries = [1, 2, 3].map((n) => makeEntry(n, user.id));

beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

async function seed(compact = false): Promise<void> {
  const b = jsonFileBackend({ dir });
  await b.insert("users", user);
  for (const e of entries) await b.insert("journalEntries", e); // one group each
  if (compact) await b.compact();
  await b.close();
}

const files = async (prefix: string) => (await readdir(dir)).filter((n) => n.startsWith(prefix)).sort();

async function openError(): Promise<unknown> {
  const b = jsonFileBackend({ dir });
  const error = await b.ready().then(() => null, (e: unknown) => e);
  await b.close();
  return error;
}

async function count(): Promise<number> {
  const b = jsonFileBackend({ dir });
  const n = (await b.count("users")) + (await b.count("journalEntries"));
  await b.close();
  return n;
}

/** Replaces the first occurrence of `from` in `file` by `to` (same length keeps offsets). */
async function patch(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(join(dir, file), "utf8");
  expect(text).toContain(from);
  await writeFile(join(dir, file), text.replace(from, to));
}

describe("json backend: torn writes and corruption", () => {
  it("drops a torn last line (partial JSON or zeros), then writes on", async () => {
    await seed();
    const [segment] = await files("log-");
    await appendFile(join(dir, segment!), '{"tx":99,"seq":99,"changes":[{"put":"us');
    expect(await count()).toBe(4);
    await appendFile(join(dir, segment!), Buffer.alloc(700));
    const b = jsonFileBackend({ dir });
    expect(await b.count("journalEntries")).toBe(3);
    await b.insert("journalEntries", makeEntry(4, user.id));
    await b.close();
    expect(await count()).toBe(5); // the new segment says where the torn one's valid part ends
  });

  it("an invalid line followed by a later group commit is corruption, not a torn tail", async () => {
    await seed();
    const [segment] = await files("log-");
    await patch(segment!, `"title":"Entry 1"`, `"title":"Entry 1\u0001`);
    const error = await openError();
    expect(error).toBeInstanceOf(CorruptStoreError);
    expect((error as CorruptStoreError).file).toBe(join(dir, segment!));
    expect((error as CorruptStoreError).message).toMatch(/later group commits/);
  });

  it("an invalid line in an earlier segment is corruption", async () => {
    await seed();
    const b = jsonFileBackend({ dir });
    await b.insert("journalEntries", makeEntry(4, user.id));
    await b.close();
    const [first] = await files("log-");
    await patch(first!, `"title":"Entry 3"`, `"title":"Entry 3\u0001`);
    expect(await openError()).toMatchObject({ code: "CORRUPT", file: join(dir, first!) });
  });

  it("a damaged or truncated snapshot is CorruptStoreError naming it", async () => {
    await seed(true);
    const [snapshot] = await files("snapshot-");
    const original = await readFile(join(dir, snapshot!), "utf8");
    await patch(snapshot!, `"deleted":false`, `"deleted":fa_se`);
    expect(await openError()).toMatchObject({ code: "CORRUPT", file: join(dir, snapshot!), line: 2 });
    await writeFile(join(dir, snapshot!), original);
    await truncate(join(dir, snapshot!), original.lastIndexOf('{"end"'));
    expect(await openError()).toMatchObject({ code: "CORRUPT", file: join(dir, snapshot!) });
    await rm(join(dir, snapshot!));
    expect(await openError()).toMatchObject({ code: "CORRUPT", file: join(dir, snapshot!) });
  });

  it("a damaged, newer or missing manifest never opens as an empty store", async () => {
    await seed(true);
    const manifest = await readFile(join(dir, "manifest.json"), "utf8");
    await writeFile(join(dir, "manifest.json"), manifest.slice(0, 40));
    expect(await openError()).toMatchObject({ code: "CORRUPT", file: join(dir, "manifest.json") });
    await writeFile(join(dir, "manifest.json"), manifest.replace('"version": 1', '"version": 2'));
    expect(String(((await openError()) as Error).message)).toMatch(/format version 2/);
    await rm(join(dir, "manifest.json"));
    expect(await openError()).toMatchObject({ code: "CORRUPT", file: join(dir, "manifest.json") });
    const reader = jsonFileBackend({ dir, readOnly: true });
    await expect(reader.count("users")).rejects.toBeInstanceOf(CorruptStoreError);
    await reader.close();
  });
});
