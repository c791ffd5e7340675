import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { searchTextOf } from "../../src/model/text.js";
import { makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

/** Every row line of the store's log segments and snapshots, parsed, with the kind of file it came from. */
async function rowLines(): Promise<{ file: "log" | "snapshot"; row: Record<string, unknown> }[]> {
  const out: { file: "log" | "snapshot"; row: Record<string, unknown> }[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".jsonl")) continue;
    const file = name.startsWith("snapshot-") ? "snapshot" : "log";
    for (const line of (await readFile(join(dir, name), "utf8")).split("\n")) {
      if (!line.startsWith("{")) continue;
      const value = JSON.parse(line) as Record<string, unknown>;
      if (file === "snapshot" && typeof value.id === "string") out.push({ file, row: value });
      for (const change of (value.changes as { row?: Record<string, unknown> }[] | undefined) ?? []) if (change.row) out.push({ file, row: change.row });
    }
  }
  return out;
}

describe("json backend: derived fields on disk", () => {
  it("writes searchText only when it differs from its derivation or could fold differently elsewhere", async () => {
    const b = jsonFileBackend({ dir, autoCompact: false });
    const user = await b.insert("users", makeUser(1));
    const derived = makeEntry(1, user.id);
    const custom = makeEntry(2, user.id, { searchText: "custom" });
    const unassigned = makeEntry(3, user.id, { content: "an unassigned \u0378 code point" });
    unassigned.searchText = searchTextOf(unassigned.title, unassigned.content);
    for (const row of [derived, custom, unassigned]) await b.insert("journalEntries", row);
    const expectOnDisk = async (file: "log" | "snapshot") => {
      const rows = (await rowLines()).filter((l) => l.file === file).map((l) => l.row);
      const byId = (id: string) => rows.find((r) => r.id === id)!;
      expect(byId(derived.id)).not.toHaveProperty("searchText");
      expect(byId(derived.id).content).toBe(derived.content);
      expect(byId(custom.id).searchText).toBe("custom");
      expect(byId(unassigned.id).searchText).toBe(unassigned.searchText);
    };
    await expectOnDisk("log");
    await b.compact();
    await expectOnDisk("snapshot");
    await b.close();

    const again = jsonFileBackend({ dir, readOnly: true });
    for (const row of [derived, custom, unassigned]) expect(await again.get("journalEntries", row.id)).toMatchObject({ searchText: row.searchText });
    await again.close();
  });

  it("honours a searchText written by hand into a snapshot row, and derives an absent one", async () => {
    const b = jsonFileBackend({ dir, autoCompact: false });
    const user = await b.insert("users", makeUser(1));
    const entry = await b.insert("journalEntries", makeEntry(1, user.id));
    await b.compact();
    await b.close();
    const name = (await readdir(dir)).find((n) => n.startsWith("snapshot-") && n.includes("journalEntries"))!;
    const text = await readFile(join(dir, name), "utf8");
    expect(text).not.toContain('"searchText"');
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(dir, name), text.replace('"content":', '"searchText":"edited by hand","content":'));
    const again = jsonFileBackend({ dir, readOnly: true });
    expect(await again.get("journalEntries", entry.id)).toMatchObject({ searchText: "edited by hand", content: entry.content });
    await again.close();
  });
});
