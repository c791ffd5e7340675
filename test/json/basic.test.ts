import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { realFs } from "../../src/backends/json/fs.js";
import { bump, makeEntry, makeUser, recordingFs, removeDir, tempDir } from "./helpers.js";

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

describe("json backend: group commit and visibility", () => {
  it("concurrent writes share fsyncs", async () => {
    const { fs, calls } = recordingFs();
    const b = jsonFileBackend({ dir, fs });
    const user = await b.insert("users", makeUser(1));
    const before = calls.filter((c) => c.op === "fdatasync").length;
    await Promise.all(Array.from({ length: 50 }, (_, n) => b.insert("journalEntries", makeEntry(n + 1, user.id))));
    const syncs = calls.filter((c) => c.op === "fdatasync").length - before;
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(10);
    expect(await b.count("journalEntries")).toBe(50);
    await b.close();
  });

  it("readers never see a write before its fsync has returned", async () => {
    let release!: () => void;
    let hold = false;
    const gate = new Promise<void>((r) => (release = r));
    let syncing!: () => void;
    const inSync = new Promise<void>((r) => (syncing = r));
    const fs = {
      ...realFs,
      fdatasync: async (fd: number) => {
        if (hold) {
          syncing();
          await gate;
        }
        return realFs.fdatasync(fd);
      },
    };
    const b = jsonFileBackend({ dir, fs });
    const user = await b.insert("users", makeUser(1));
    hold = true;
    let acked = false;
    const write = b.insert("journalEntries", makeEntry(1, user.id)).then(() => (acked = true));
    await inSync; // the line is written, its fdatasync has not returned
    let counted: number | null = null;
    const read = b.count("journalEntries").then((n) => (counted = n));
    await new Promise((r) => setTimeout(r, 30));
    expect(acked).toBe(false);
    expect(counted).toBeNull(); // a read that starts after the commit waits for its fsync
    release();
    await Promise.all([write, read]);
    expect(counted).toBe(1);
    await b.close();
  });

  it("compact() while a compaction that took its rows runs: every write acknowledged before the call ends in a snapshot", async () => {
    // The first compaction's snapshots are held before they are renamed into place, after it took its rows.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let captured!: () => void;
    const tookRows = new Promise<void>((resolve) => (captured = resolve));
    const fs = {
      ...realFs,
      rename: async (from: string, to: string) => {
        if (to.includes("snapshot-")) await held;
        return realFs.rename(from, to);
      },
    };
    const b = jsonFileBackend({ dir, fs, autoCompact: false, onPoint: (point) => point === "compaction:captured" && captured() });
    await b.insert("users", makeUser(1));
    const first = b.compact();
    await tookRows;
    await b.insert("users", makeUser(2));
    const second = b.compact();
    const third = b.compact();
    release();
    await Promise.all([first, second, third]);
    await b.close();
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as { snapshots: Record<string, { rows: number }> };
    expect(manifest.snapshots.users!.rows).toBe(2);
  });
});
