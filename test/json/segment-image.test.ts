import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

/**
 * A new log segment is its header, then zeros from one buffer every writer shares: each segment
 * holds nothing but its header, complete lines and zeros, whatever the length of its header or
 * of the segment before it.
 */
describe("json backend: log segments filled from shared zeros", () => {
  it("hold only their header, complete lines and zeros, also after a longer header, and reopen whole", async () => {
    const backend = jsonFileBackend({ dir, segmentBytes: 8 * 1024, autoCompact: false });
    const user = await backend.insert("users", makeUser(1));
    const ids: string[] = [];
    // Small entries roll segments; one large entry makes a segment longer than 10,000 bytes, so the
    // header after it (naming where it ends) is longer than the headers after the others.
    for (let n = 1; n <= 60; n++) {
      const entry = makeEntry(n, user.id, {}, n === 20 ? 12_000 : 400);
      ids.push((await backend.insert("journalEntries", entry)).id);
    }
    await backend.close();

    const segments = (await readdir(dir)).filter((name) => name.startsWith("log-")).sort();
    expect(segments.length).toBeGreaterThanOrEqual(8);
    const headerLengths = new Set<number>();
    for (const name of segments) {
      const bytes = await readFile(join(dir, name));
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end--;
      const lines = bytes.toString("utf8", 0, end).split("\n");
      expect(lines.pop(), `${name} ends with a complete line before its zeros`).toBe("");
      headerLengths.add(Buffer.byteLength(lines[0]!));
      for (const [i, line] of lines.entries()) expect(() => JSON.parse(line), `${name} line ${i + 1}`).not.toThrow();
      expect(bytes.subarray(end).every((b) => b === 0)).toBe(true);
    }
    expect(headerLengths.size).toBeGreaterThan(1); // headers of several lengths were written

    const reopened = jsonFileBackend({ dir });
    expect((await reopened.getMany("journalEntries", ids)).every((row) => row !== null)).toBe(true);
    await reopened.close();
  });
});
