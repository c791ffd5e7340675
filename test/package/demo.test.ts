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
}, 90_000);
