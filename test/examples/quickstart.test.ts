import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { createStore } from "../../src/index.js";

// examples/quickstart.ts as a real process, as a newcomer runs it: it must exit 0, print what
// its comments promise, and leave a store that reopens with exactly what it wrote.
const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const scratch = await mkdtemp(join(tmpdir(), "journal-quickstart-test-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Runs the example; its temporary directories go to `tmp` (TMPDIR). */
function quickstart(tmp: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ["--import", "tsx", "examples/quickstart.ts", ...args], { cwd: root, env: { PATH: process.env.PATH, TMPDIR: tmp }, timeout: 30_000 });
}

const EXPECTED = [
  "user: Ada",
  "created: Monday [ 'calm' ] 6 words",
  "tagged calm: Monday, Wednesday",
  "search 'LAKE': Monday, Wednesday",
  "updated: Monday mood 8 version 2",
  "deleted: Tuesday | get: null",
  "message 1 user: Today was calm.",
  "message 2 assistant: What made it calm?",
];

it("runs in a directory it is given, and the store it leaves reopens with what it wrote", async () => {
  const dir = join(scratch, "data");
  const { stdout, stderr } = await quickstart(scratch, dir); // execFile rejects on a non-zero exit code
  expect(stdout.trimEnd().split("\n")).toEqual([...EXPECTED, `done; the store is in ${dir}`]);
  expect(stderr).toBe("");
  // Closed cleanly: the files are there and the writer lock is released.
  const files = await readdir(dir);
  expect(files).toContain("manifest.json");
  expect(files).not.toContain("writer.lock");
  const store = createStore({ backend: jsonFileBackend({ dir }) });
  try {
    const ada = (await store.users.getByEmail("ada@example.com"))!;
    expect(ada.displayName).toBe("Ada");
    const entries = (await store.entries.list({ userId: ada.id })).items;
    expect(entries.map((e) => [e.title, e.mood, e.version]).sort()).toEqual([
      ["Monday", 8, 2],
      ["Wednesday", 6, 1],
    ]);
    const tuesday = (await store.backend.scan("journalEntries", { limit: 100 })).find((r) => r.deleted);
    expect(tuesday).toMatchObject({ deleted: true, version: 2 });
    const [chat] = (await store.sessions.list({ userId: ada.id })).items;
    expect(chat).toMatchObject({ title: "Evening reflection", messageCount: 2 });
    const messages = (await store.messages.list({ sessionId: chat!.id })).items;
    expect(messages.map((m) => [m.sequence, m.role])).toEqual([
      [1, "user"],
      [2, "assistant"],
    ]);
  } finally {
    await store.close();
  }
}, 60_000);

it("runs in a temporary directory of its own when given none, and removes it", async () => {
  const tmp = await mkdtemp(join(scratch, "tmp-"));
  const { stdout, stderr } = await quickstart(tmp);
  expect(stdout.trimEnd().split("\n")).toEqual([...EXPECTED, "done"]);
  expect(stderr).toBe("");
  expect((await readdir(tmp)).filter((name) => name.startsWith("journal-quickstart-"))).toEqual([]);
}, 60_000);
