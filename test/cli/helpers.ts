import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Backend, Stored } from "../../src/backend.js";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { memoryBackend } from "../../src/backends/memory.js";
import { run } from "../../src/cli/run.js";
import { createStore } from "../../src/store/create-store.js";
import { backfill } from "../../src/sync/index.js";
import { generateDataset } from "../support/dataset.js";

export const root = join(import.meta.dirname, "../..");

/**
 * Builds the package with its own tsup config into a directory of this test file's own (under
 * node_modules/.cache, so `pg` and `cli-progress` resolve and the shipped drizzle/ folder is found
 * by walking up), so parallel test files that build `dist/` never race with it. Returns the bin.
 */
export async function buildBin(name: string): Promise<string> {
  const out = join(root, "node_modules", ".cache", `journal-store-cli-test-${name}-${process.pid}`, "dist");
  await promisify(execFile)("npx", ["tsup", "--silent", "--no-dts", "--out-dir", out], { cwd: root });
  const bin = join(out, "cli.js");
  if (!existsSync(bin)) throw new Error(`the build did not produce ${bin}`);
  return bin;
}

/** What a CLI run printed and returned. */
export interface CliResult {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin as a child process; `env` replaces the CLI-relevant variables. */
export function spawnBin(bin: string, args: readonly string[], env: Record<string, string | undefined> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.JOURNAL_STORE_JSON_DIR;
  const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Runs the CLI in-process through `run(argv, io)`, capturing its output. */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    ...(signal ? { signal } : {}),
    progressIntervalMs: 0,
  });
  return { code, stdout, stderr };
}

/**
 * Fills a JSON-file store in `dir` with the generated dataset (every collection, tombstones
 * included): generated in memory, then copied in batches, so a large store takes seconds.
 */
export async function fillJsonStore(dir: string, options: { users: number; entriesPerUser: number }): Promise<void> {
  const memory = memoryBackend();
  await generateDataset(createStore({ backend: memory }), options);
  const json = jsonFileBackend({ dir });
  try {
    const report = await backfill({ source: memory, target: json, batchSize: 2000 });
    if (report.status !== "completed") throw new Error(`filling the JSON store failed: ${report.error}`);
  } finally {
    await Promise.allSettled([json.close(), memory.close()]);
  }
}

/** Rows per replicated collection of `backend`, tombstones included. */
export async function rowCounts(backend: Backend): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of ["users", "journalEntries", "chatSessions", "messages", "psychologyContent", "userAnalytics"] as const) {
    let n = 0;
    let afterId: string | null = null;
    for (;;) {
      const page: Stored[] = await backend.scan(c, { afterId, limit: 1000 });
      n += page.length;
      if (page.length < 1000) break;
      afterId = page[page.length - 1]!.id;
    }
    out[c] = n;
  }
  return out;
}

/**
 * The test database's URL with a password in it, and that password: the test server's own when
 * it checks passwords (embedded PostgreSQL), else `madeUp` (a local server that trusts takes any).
 */
export function withPassword(url: string, madeUp: string): { url: string; password: string } {
  const u = new URL(url);
  const password = u.password ? decodeURIComponent(u.password) : madeUp;
  u.username = "postgres";
  u.password = password;
  return { url: u.toString(), password };
}
