import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend, LockedError } from "../../src/backends/json/index.js";
import { BackendError } from "../../src/errors.js";
import { stepsOf, WRITERS } from "./fixtures/crash-model.js";
import { makeUser, removeDir, tempDir } from "./helpers.js";

const writerScript = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "crash-writer.ts");

/** Starts the crash-writer child (continuous writes and compactions); resolves after `acks` acks. */
function startWriter(dir: string, acks: number): Promise<{ proc: ChildProcess; acked: Map<number, number>; exited: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", writerScript], { env: { ...process.env, DIR: dir }, stdio: ["ignore", "pipe", "pipe"] });
    const acked = new Map<number, number>();
    const exited = new Promise<void>((r) => proc.on("exit", () => r()));
    let buffer = "";
    let total = 0;
    let stderr = "";
    proc.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    proc.on("exit", (code, signal) => {
      if (total < acks) reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
    });
    proc.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (!m) continue;
        acked.set(Number(m[1]), Number(m[2]));
        if (++total === acks) resolve({ proc, acked, exited });
      }
    });
  });
}

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe("json backend: one writer per directory", () => {
  it("a second writer process gets LockedError; read-only readers see a consistent prefix beside the writer; a killed writer's lock is recovered", { timeout: 60_000 }, async () => {
    const { proc, acked, exited } = await startWriter(dir, 40);
    try {
      const second = jsonFileBackend({ dir });
      const error = await second.ready().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(LockedError);
      expect((error as LockedError).holder).toMatchObject({ pid: proc.pid, hostname: hostname() });
      expect((error as LockedError).message).toContain(String(proc.pid));
      await second.close();

      for (let i = 0; i < 15; i++) {
        const before = new Map(acked);
        const reader = jsonFileBackend({ dir, readOnly: true });
        const steps = await stepsOf(reader); // throws unless every writer's steps are a prefix
        for (let w = 1; w <= WRITERS; w++) expect(steps.get(w) ?? 0).toBeGreaterThanOrEqual(before.get(w) ?? 0);
        await expect(reader.insert("users", makeUser(900 + i))).rejects.toBeInstanceOf(BackendError);
        await expect(reader.compact()).rejects.toBeInstanceOf(BackendError);
        await reader.close();
        await new Promise((r) => setTimeout(r, 15));
      }
    } finally {
      proc.kill("SIGKILL");
      await exited;
    }
    const after = jsonFileBackend({ dir });
    const steps = await stepsOf(after);
    for (let w = 1; w <= WRITERS; w++) expect(steps.get(w) ?? 0).toBeGreaterThanOrEqual(acked.get(w) ?? 0);
    await after.insert("users", makeUser(999));
    await after.close();
    expect(await readdir(dir)).not.toContain("writer.lock");
  });

  it("a second writer in the same process gets LockedError until the first closes", async () => {
    const first = jsonFileBackend({ dir });
    await first.ready();
    await expect(jsonFileBackend({ dir }).ready()).rejects.toMatchObject({ code: "LOCKED", holder: { pid: process.pid } });
    await first.close();
    const next = jsonFileBackend({ dir });
    await next.insert("users", makeUser(1));
    await next.close();
  });

  it("a lock held from another host is never broken automatically", async () => {
    await mkdir(join(dir, "writer.lock"));
    const owner = { pid: 4242, hostname: "elsewhere.example", since: "2026-01-01T00:00:00.000Z", token: "t" };
    await writeFile(join(dir, "writer.lock", "owner.json"), JSON.stringify(owner));
    const error = await jsonFileBackend({ dir }).ready().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).holder).toEqual({ pid: 4242, hostname: "elsewhere.example", since: owner.since });
    expect(await readdir(join(dir, "writer.lock"))).toEqual(["owner.json"]);
    // A reader needs no lock.
    const reader = jsonFileBackend({ dir, readOnly: true });
    expect(await reader.count("users")).toBe(0);
    await reader.close();
  });

  it("a read-only open of a missing directory fails instead of reading nothing", async () => {
    await expect(jsonFileBackend({ dir: join(dir, "absent"), readOnly: true }).ready()).rejects.toBeInstanceOf(BackendError);
  });
});
