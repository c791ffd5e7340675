import { basename, dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { type FsCall, makeEntry, makeUser, recordingFs, removeDir, tempDir } from "./helpers.js";

/**
 * The durable order, checked on the recorded fs calls (a SIGKILL test cannot see a missing
 * fsync: the page cache survives it). Before any acknowledgement: every byte written is fsynced,
 * and the directory entry of every file created or renamed is fsynced. A rename moves only a
 * file fsynced after its last write, and nothing is unlinked before the manifest that stops
 * needing it is durable. (The writer lock is left out: it only matters while its process lives.)
 */
function checkDurableOrder(all: readonly FsCall[], dir: string): string[] {
  // The writer lock guards a live process only; it needs no durability.
  const calls = all.filter((c) => !c.path.includes("writer.lock"));
  const problems: string[] = [];
  const synced = (path: string, from: number, to: number) =>
    calls.slice(from, to).some((c) => (c.op === "fsync" || c.op === "fdatasync") && c.path === path);
  const lastIndex = (to: number, pred: (c: FsCall) => boolean) => {
    for (let i = to - 1; i >= 0; i--) if (pred(calls[i]!)) return i;
    return -1;
  };
  calls.forEach((call, i) => {
    if (call.op === "rename") {
      const w = lastIndex(i, (c) => c.op === "write" && c.path === call.path);
      if (w >= 0 && !synced(call.path, w, i)) problems.push(`rename of ${basename(call.path)} before its fsync`);
    }
    if (call.op === "unlink" && /(log|snapshot)-/.test(call.path)) {
      const m = lastIndex(i, (c) => c.op === "rename" && basename(c.to ?? "") === "manifest.json");
      if (m < 0 || !synced(dir, m, i)) problems.push(`unlink of ${basename(call.path)} before the manifest is durable`);
    }
    if (call.op !== "ack") return;
    // A row's ack needs the write that holds it; any other ack (compaction), every write before it.
    const written = new Map<string, number>();
    calls.slice(0, i).forEach((c, j) => {
      if (c.op === "write" && (call.text === undefined || c.text?.includes(call.text))) written.set(c.path, j);
    });
    if (call.text !== undefined && written.size === 0) problems.push(`ack ${call.path}: no write holds ${call.text}`);
    for (const [path, j] of written) {
      const renamedAway = calls.slice(j, i).some((c) => c.op === "rename" && c.path === path);
      if (!renamedAway && !synced(path, j, i)) problems.push(`ack ${call.path} before ${basename(path)} was fsynced`);
    }
    calls.slice(0, i).forEach((c, j) => {
      if (call.text !== undefined && c.op === "open" && !written.has(c.path)) return;
      const entry = (c.op === "open" && c.creates) || c.op === "rename";
      const parent = c.op === "rename" ? dirname(c.to!) : dirname(c.path);
      if (!entry || parent !== dir) return;
      if (c.op === "open" && calls.slice(j, i).some((r) => r.op === "rename" && r.path === c.path)) return;
      if (!synced(dir, j, i)) problems.push(`ack ${call.path} before the directory entry of ${basename(c.to ?? c.path)} was fsynced`);
    });
  });
  return problems;
}

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe("json backend: durable order (write, fsync, rename, directory fsync)", () => {
  it("holds for the first write, appends, a reopen, compaction and close", async () => {
    const { fs, calls } = recordingFs();
    const ack = (what: string, id?: string) => calls.push({ op: "ack", path: what, ...(id ? { text: id } : {}) });
    let backend = jsonFileBackend({ dir, fs, segmentBytes: 8 * 1024 });
    const user = await backend.insert("users", makeUser(1));
    ack("first write", user.id);
    for (let round = 0; round < 3; round++) {
      const batch = [1, 2, 3, 4].map((n) => makeEntry(round * 10 + n, user.id, {}, 1500));
      await Promise.all(batch.map((e) => backend.insert("journalEntries", e).then(() => ack(`entry ${e.title}`, e.id))));
    }
    await backend.compact();
    ack("compaction");
    const fifth = await backend.insert("journalEntries", makeEntry(5, user.id));
    ack("after compaction", fifth.id);
    await backend.close();
    backend = jsonFileBackend({ dir, fs });
    const sixth = await backend.insert("journalEntries", makeEntry(6, user.id));
    ack("after reopen", sixth.id);
    await backend.compact();
    ack("second compaction");
    await backend.close();

    expect(calls.filter((c) => c.op === "rename").length).toBeGreaterThanOrEqual(4);
    expect(calls.filter((c) => c.op === "open" && c.creates && c.path.includes("log-")).length).toBeGreaterThanOrEqual(4); // segments rolled
    expect(calls.some((c) => c.op === "unlink")).toBe(true);
    expect(checkDurableOrder(calls, dir)).toEqual([]);
  });

  it("the checker catches a missing directory fsync", async () => {
    const { fs, calls } = recordingFs();
    const skipping = { ...fs, fsync: async (fd: number) => fs.fsync(fd).then(() => void calls.pop()) };
    const backend = jsonFileBackend({ dir, fs: skipping });
    const user = await backend.insert("users", makeUser(1));
    calls.push({ op: "ack", path: "first write", text: user.id });
    await backend.close();
    expect(checkDurableOrder(calls, dir).join("\n")).toMatch(/directory entry/);
  });
});
