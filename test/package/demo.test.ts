import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");

// `npm run demo` is the README's first command: it must run to the end and show what it claims.
it("npm run demo runs to the end", async () => {
  const { stdout } = await run("npm", ["run", "--silent", "demo"], { cwd: root, timeout: 60_000 });
  expect(stdout).toContain("stale write refused: CONFLICT version");
  expect(stdout).toContain("concurrent appends got sequences: [ 1, 2, 3 ]");
  expect(stdout).toContain("reopened: 2 entries survived");
  expect(stdout).toContain("tombstone kept for sync: true");
  // The cutover part: the app's own files imported whole, every step reached, the planted
  // divergence caught at its field, nothing left over.
  expect(stdout).toContain("1. import entries.json: 300 read, 300 imported, 0 not imported");
  expect(stdout).toContain("1. import messages.json: 200 read, 200 imported, 0 not imported");
  expect(stdout).toMatch(/4\. compare: 0 divergences/);
  expect(stdout).toMatch(/5\. shadow read caught: journalEntries [0-9a-f-]{36} at favorite/);
  expect(stdout).toMatch(/repair: 1 row\(s\) repaired, 0 unresolved/);
  expect(stdout).toMatch(/6\. the gate refused live \(shadow\)/);
  expect(stdout).toMatch(/7\. stages: live -> shadow -> live; PostgreSQL now serves reads; compare: 0 divergences/);
}, 180_000);

it("npm run demo -- --json prints the cutover summary as JSON", async () => {
  const { stdout } = await run("npm", ["run", "--silent", "demo", "--", "--json"], { cwd: root, timeout: 120_000 });
  const summary = JSON.parse(stdout) as Record<string, unknown>;
  expect(summary).toMatchObject({ divergencesFound: 1, divergencesRepaired: 1, remainingDivergences: 0, gateRefusedFirst: "shadow", stage: "live" });
  // The app's own files (examples/legacy-app.ts, DEMO_APP_SIZE): every record written was read
  // and imported, none refused.
  const written = { "topics.json": 6, "entries.json": 300, "sessions.json": 10, "messages.json": 200 };
  expect(summary.legacyImport).toEqual(Object.entries(written).map(([file, n]) => ({ file, written: n, read: n, imported: n, notImported: 0 })));
  // After the backfill PostgreSQL holds them all, under the import's one user, beside the entries
  // the live writer added while the backfill ran.
  const live = summary.liveWritesDuringBackfill as number;
  expect(live).toBeGreaterThan(0);
  expect(summary.onPostgresAfterBackfill).toEqual({ users: 1, topics: 6, journalEntries: 300 + live, chatSessions: 10, messages: 200 });
  // The backfill read at least the user and every imported row (and the live writes it met).
  expect(summary.rowsMoved).toBeGreaterThanOrEqual(1 + 6 + 300 + 10 + 200);
}, 180_000);
