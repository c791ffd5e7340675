import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { bump, makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe("json backend: basics", () => {
  it("keeps writes across close and reopen, with changeSeq", async () => {
    const a = jsonFileBackend({ dir });
    const user = await a.insert("users", makeUser(1));
    const entries = await Promise.all([1, 2, 3].map((n) => a.insert("journalEntries", makeEntry(n, user.id))));
    const updated = await a.update("journalEntries", bump(entries[0]!, { mood: 9 }), 1);
    await a.close();

    const b = jsonFileBackend({ dir });
    expect(await b.get("users", user.id)).toEqual(user);
    expect(await b.get("journalEntries", updated.id)).toEqual(updated);
    expect(await b.count("journalEntries")).toBe(3);
    const changed = await b.scan("journalEntries", { changedSince: entries[2]!.changeSeq, limit: 10 });
    expect(changed.map((r) => r.id)).toEqual([updated.id]);
    const next = await b.insert("journalEntries", makeEntry(4, user.id));
    expect(next.changeSeq).toBeGreaterThan(updated.changeSeq);
    await b.compact();
    await b.close();

    const c = jsonFileBackend({ dir });
    expect(await c.count("journalEntries")).toBe(4);
    const again = await c.scan("journalEntries", { changedSince: entries[2]!.changeSeq, limit: 10 });
    expect(again.map((r) => r.id)).toEqual([updated.id, next.id]);
    await c.close();
    const names = await readdir(dir);
    expect(names.sort()).toContain("manifest.json");
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    expect(manifest.version).toBe(1);
  });
});
