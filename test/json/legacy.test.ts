import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CorruptStoreError, jsonFileBackend } from "../../src/backends/json/index.js";
import { makeEntry, removeDir, tempDir } from "./helpers.js";

/** The legacy layout: per-collection JSON arrays, opened as is and converted on the first write. */

const USER_ID = "0190AAAA-0000-7000-8000-00000000000A";
let dir: string;

beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

async function writeLegacy(entries = 3): Promise<Map<string, string>> {
  const users = [{ id: USER_ID, email: "Ada@Example.com", displayName: "Ada", passwordHash: "h", privacyLevel: "private", preferences: {}, timezone: "UTC", active: true }];
  const list = Array.from({ length: entries }, (_, i) => ({
    id: `0190BBBB-0000-7000-8000-${String(i + 1).padStart(12, "0")}`,
    userId: USER_ID,
    title: `Legacy ${i}`,
    content: `Old content ${i} `.padEnd(900, "z"),
    mood: 4,
    tags: ["old"],
    entryDate: "2025-06-01",
    favorite: false,
    metadata: JSON.parse('{"__proto__":{"polluted":true},"source":"v0"}'),
    createdAt: "2025-06-01T10:00:00Z",
    ...(i === 0 ? { version: 3, updatedAt: "2025-06-02T10:00:00.123Z" } : {}),
  }));
  const files = new Map<string, string>([
    ["users.json", JSON.stringify(users, null, 2)],
    ["journalEntries.json", JSON.stringify(list, null, 2).replace('"__proto__"', '"__proto__"')],
    ["chatSessions.json", "[]"],
  ]);
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files;
}

describe("json backend: legacy per-collection arrays", () => {
  it("opens as is, normalises without loss, converts on the first write and leaves the legacy files alone", async () => {
    const files = await writeLegacy(1500); // over 1 MiB: elements cross read-chunk boundaries
    let b = jsonFileBackend({ dir });
    const user = (await b.get("users", USER_ID.toLowerCase()))!;
    expect(user).toMatchObject({ id: USER_ID.toLowerCase(), version: 1, deleted: false, emailKey: "ada@example.com", lastLoginAt: null });
    expect(user.createdAt).toBe(user.updatedAt);
    expect(user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const first = (await b.get("journalEntries", "0190bbbb-0000-7000-8000-000000000001"))!;
    expect(first).toMatchObject({ userId: user.id, version: 3, createdAt: "2025-06-01T10:00:00.000Z", updatedAt: "2025-06-02T10:00:00.123Z", energy: null, embedding: null });
    expect(first.searchText).toBe(`legacy 0\n${first.content.toLowerCase()}`);
    expect(first.wordCount).toBe(4); // the content's whitespace-separated words, not the title's
    expect(Object.prototype.hasOwnProperty.call(first.metadata, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await b.count("journalEntries", [{ field: "userId", op: "eq", value: user.id }])).toBe(1500);
    await b.close();
    expect((await readdir(dir)).sort()).toEqual([...files.keys()].sort()); // opening wrote nothing

    b = jsonFileBackend({ dir });
    await b.insert("journalEntries", makeEntry(1, user.id));
    await b.close();
    const names = await readdir(dir);
    expect(names).toContain("manifest.json");
    expect(names).toContain("snapshot-00000001-journalEntries.jsonl");
    for (const [name, text] of files) expect(await readFile(join(dir, name), "utf8")).toBe(text);

    b = jsonFileBackend({ dir });
    expect(await b.count("journalEntries")).toBe(1501);
    expect(await b.get("journalEntries", first.id)).toEqual(first);
    await b.close();
  });

  it("reads legacy files read-only", async () => {
    await writeLegacy();
    const reader = jsonFileBackend({ dir, readOnly: true });
    expect(await reader.count("journalEntries")).toBe(3);
    await reader.close();
  });

  it("a damaged legacy file is CorruptStoreError naming it, not an empty collection", async () => {
    const files = await writeLegacy();
    const cases: [string, string, RegExp][] = [
      ["journalEntries.json", files.get("journalEntries.json")!.slice(0, -40), /cut short|parse/],
      ["journalEntries.json", '{"not":"an array"}', /not a JSON array/],
      ["users.json", JSON.stringify([{ id: "not-a-uuid", email: "x" }]), /not a UUID/],
      ["users.json", JSON.stringify([{ id: USER_ID }, { id: USER_ID.toLowerCase() }]), /appears twice/],
    ];
    for (const [name, text, message] of cases) {
      await writeLegacy();
      await writeFile(join(dir, name), text);
      const b = jsonFileBackend({ dir });
      const error = await b.ready().then(() => null, (e: unknown) => e);
      await b.close();
      expect(error, name).toBeInstanceOf(CorruptStoreError);
      expect((error as CorruptStoreError).file).toBe(join(dir, name));
      expect((error as Error).message).toMatch(message);
    }
  });
});
