import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { JournalStoreError } from "../../src/errors.js";
import { faultyFs, makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

/**
 * File-system faults through the injectable fs layer: EIO, ENOSPC and EACCES at the Nth call of a
 * write and of a compaction, once and persistently. Each time: a typed error, the previous state
 * intact on reopen (the failed write absent), and the store usable again once the fault clears.
 */

const CODES = ["EIO", "ENOSPC", "EACCES"] as const;
const user = makeUser(1);
const base = [1, 2, 3].map((n) => makeEntry(n, user.id));

let root: string;
let seeded: string;
let caseNo = 0;

beforeAll(async () => {
  root = await tempDir("journal-faults-");
  seeded = join(root, "seeded");
  const b = jsonFileBackend({ dir: seeded, segmentBytes: 64 * 1024 });
  await b.insert("users", user);
  for (const e of base) await b.insert("journalEntries", e);
  await b.close();
});
afterAll(async () => {
  await removeDir(root);
});

async function copyOf(template: string | null): Promise<string> {
  const dir = join(root, `case-${++caseNo}`);
  if (template) await cp(template, dir, { recursive: true });
  return dir;
}

async function idsIn(dir: string): Promise<string[]> {
  const b = jsonFileBackend({ dir });
  const rows = [...(await b.scan("users", { limit: 100 })), ...(await b.scan("journalEntries", { limit: 100 }))];
  await b.close();
  return rows.map((r) => r.id).sort();
}

/** Calls a scenario makes with no fault armed (so every N of it can be tried). */
async function countCalls(template: string | null, act: (b: ReturnType<typeof jsonFileBackend>) => Promise<unknown>): Promise<number> {
  const dir = await copyOf(template);
  const { fs, control } = faultyFs();
  const b = jsonFileBackend({ dir, fs, segmentBytes: 64 * 1024 });
  await b.ready();
  control.arm(Number.POSITIVE_INFINITY, "EIO", false);
  await act(b);
  const n = control.calls;
  await b.close();
  return n;
}

describe("json backend: file-system faults", () => {
  const failed = makeEntry(100, user.id);
  const later = makeEntry(101, user.id);

  const scenarios = [
    { name: "an append", template: () => seeded, setup: async () => {}, before: () => [user.id, ...base.map((e) => e.id)] },
    { name: "the first write of a new directory", template: () => null, setup: async () => {}, before: () => [] as string[] },
  ];

  for (const scenario of scenarios) {
    it(`${scenario.name}: every call failing, once and persistently`, { timeout: 120_000 }, async () => {
      const isNew = scenario.template() === null;
      const write = (b: ReturnType<typeof jsonFileBackend>) =>
        isNew ? b.transaction(async (tx) => { await tx.insert("users", user); await tx.insert("journalEntries", failed); }) : b.insert("journalEntries", failed);
      const total = await countCalls(scenario.template(), write);
      expect(total).toBeGreaterThan(1);
      for (let n = 1; n <= total; n++) {
        for (const code of CODES) {
          for (const persistent of [false, true]) {
            const label = `call ${n}/${total}, ${code}, ${persistent ? "persistent" : "once"}`;
            const dir = await copyOf(scenario.template());
            const { fs, control } = faultyFs();
            const b = jsonFileBackend({ dir, fs, segmentBytes: 64 * 1024 });
            await b.ready();
            control.arm(n, code, persistent);
            const error = await write(b).then(() => null, (e: unknown) => e);
            expect(error, label).toBeInstanceOf(JournalStoreError);
            expect(String((error as Error).message), label).toContain(code);
            if (persistent) {
              await expect(b.insert("journalEntries", later), label).rejects.toBeInstanceOf(JournalStoreError);
              control.clear();
            }
            // Usable again once the fault clears; the failed write stays gone.
            if (isNew) await b.insert("users", user);
            await b.insert("journalEntries", later);
            expect(await b.get("journalEntries", failed.id), label).toBeNull();
            await b.close();
            const expected = [...scenario.before(), ...(isNew ? [user.id] : []), later.id];
            expect(await idsIn(dir), label).toEqual([...new Set(expected)].sort());
          }
        }
      }
    });
  }

  it("a persistent fault left in place until close: the store still opens with everything acknowledged", async () => {
    for (const code of CODES) {
      const dir = await copyOf(seeded);
      const { fs, control } = faultyFs();
      const b = jsonFileBackend({ dir, fs, segmentBytes: 64 * 1024 });
      await b.ready();
      control.arm(2, code, true); // the fsync of the append
      await expect(b.insert("journalEntries", failed)).rejects.toBeInstanceOf(JournalStoreError);
      await b.close();
      const ids = await idsIn(dir);
      // The write whose fsync failed was never acknowledged; whether its bytes survive is undecided.
      expect(ids.filter((id) => id !== failed.id)).toEqual([user.id, ...base.map((e) => e.id)].sort());
    }
  });

  it("compaction: every call failing, once and persistently", { timeout: 120_000 }, async () => {
    const compact = (b: ReturnType<typeof jsonFileBackend>) => b.insert("journalEntries", failed).then(() => b.compact());
    const total = (await countCalls(seeded, compact)) - (await countCalls(seeded, (b) => b.insert("journalEntries", failed)));
    expect(total).toBeGreaterThan(10);
    for (let n = 1; n <= total; n++) {
      for (const code of CODES) {
        for (const persistent of [false, true]) {
          const label = `compaction call ${n}/${total}, ${code}, ${persistent ? "persistent" : "once"}`;
          const dir = await copyOf(seeded);
          const { fs, control } = faultyFs();
          const b = jsonFileBackend({ dir, fs, segmentBytes: 64 * 1024 });
          await b.insert("journalEntries", failed);
          control.arm(n, code, persistent);
          const error = await b.compact().then(() => null, (e: unknown) => e);
          if (error !== null) expect(error, label).toBeInstanceOf(JournalStoreError);
          control.clear();
          await b.insert("journalEntries", later);
          await b.compact();
          await b.close();
          expect(await idsIn(dir), label).toEqual([user.id, ...base.map((e) => e.id), failed.id, later.id].sort());
        }
      }
    }
  });
});
