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
  // The cutover part: every step reached, the planted divergence caught at its field, nothing left over.
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
  expect(summary.rowsMoved).toBeGreaterThanOrEqual(426);
}, 180_000);
