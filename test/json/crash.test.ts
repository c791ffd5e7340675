import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { stepsOf, WRITERS } from "./fixtures/crash-model.js";
import { makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

/**
 * SIGKILL at random moments and at every named point inside compaction and the log: after each
 * reopen, every acknowledged write is present, the writes present are a prefix of each writer's
 * sequence, and every file parses. JSON_CRASH_ROUNDS sets the round count (default 50).
 */

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, "fixtures", "crash-writer.ts");
const ROUNDS = Number(process.env.JSON_CRASH_ROUNDS ?? 50);
const POINTS = [
  "compaction:captured",
  "compaction:snapshot-written",
  "compaction:snapshots-renamed",
  "compaction:snapshots-durable",
  "compaction:manifest-written",
  "compaction:manifest-renamed",
  "compaction:manifest-durable",
  "compaction:obsolete-removed",
  "log:segment-written",
  "log:written",
];

interface Round {
  acked: Map<number, number>;
  killedBy: "parent" | "self" | "exit";
}

function runChild(dir: string, crashAt: string | null, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child], {
      env: { ...process.env, DIR: dir, CRASH_AT: crashAt ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acked = new Map<number, number>();
    let buffer = "";
    let stderr = "";
    let killedBy: Round["killedBy"] = "exit";
    const kill = () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        killedBy = "parent";
        proc.kill("SIGKILL");
      }
    };
    const safety = setTimeout(kill, 10_000);
    proc.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === "ready") {
          if (crashAt === null) setTimeout(kill, killAfterMs);
          continue;
        }
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (m) acked.set(Number(m[1]), Math.max(acked.get(Number(m[1])) ?? 0, Number(m[2])));
      }
    });
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      clearTimeout(safety);
      if (signal === "SIGKILL" && killedBy !== "parent") killedBy = "self";
      if (signal !== "SIGKILL") reject(new Error(`crash child exited with ${code}: ${stderr}`));
      else resolve({ acked, killedBy });
    });
  });
}

describe("json backend: crash safety under SIGKILL", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("journal-crash-");
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it(`keeps every acknowledged write through ${ROUNDS} kills`, { timeout: 60_000 + ROUNDS * 3_000 }, async () => {
    const everAcked = new Map<number, number>();
    const selfKilled = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const crashAt = round % 3 === 2 ? POINTS[Math.floor(round / 3) % POINTS.length]! : null;
      const result = await runChild(dir, crashAt, 5 + Math.floor(Math.random() * 120));
      if (result.killedBy === "self" && crashAt) selfKilled.add(crashAt);
      for (const [w, i] of result.acked) everAcked.set(w, Math.max(everAcked.get(w) ?? 0, i));

      const backend = jsonFileBackend({ dir });
      await backend.ready();
      const steps = await stepsOf(backend);
      for (let w = 1; w <= WRITERS; w++) {
        const acked = everAcked.get(w) ?? 0;
        const present = steps.get(w) ?? 0;
        expect(present, `round ${round} (${crashAt ?? "random kill"}), writer ${w}`).toBeGreaterThanOrEqual(acked);
        expect(present, `round ${round}, writer ${w}: more than one unacknowledged step`).toBeLessThanOrEqual(acked + 1);
        everAcked.set(w, present);
      }
      await backend.close();
      for (const name of await readdir(dir)) {
        if (name === "manifest.json") JSON.parse(await readFile(join(dir, name), "utf8"));
      }
    }
    if (ROUNDS >= 30) expect(selfKilled.size, `named points reached: ${[...selfKilled].join(", ")}`).toBeGreaterThanOrEqual(POINTS.length - 1);
  });
});

describe("json backend: converting a legacy directory, killed at every step", () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir("journal-crash-legacy-");
  });
  afterAll(async () => {
    await removeDir(root);
  });

  it("keeps the legacy rows and every acknowledged write", { timeout: 120_000 }, async () => {
    const user = makeUser(1);
    const legacy = Array.from({ length: 50 }, (_, i) => {
      const { version: _v, createdAt: _c, updatedAt: _u, deleted: _d, ...row } = makeEntry(5000 + i, user.id);
      return row;
    });
    for (const point of POINTS.filter((p) => p.startsWith("compaction:"))) {
      const dir = join(root, point.replace(/\W/g, "_"));
      await mkdir(dir);
      await writeFile(join(dir, "users.json"), JSON.stringify([user]));
      await writeFile(join(dir, "journalEntries.json"), JSON.stringify(legacy));
      const result = await runChild(dir, point, 0);
      expect(result.killedBy, point).toBe("self");
      const backend = jsonFileBackend({ dir });
      for (const row of legacy) expect(await backend.get("journalEntries", row.id), point).not.toBeNull();
      const steps = await stepsOf(backend);
      for (let w = 1; w <= WRITERS; w++) expect(steps.get(w) ?? 0).toBeGreaterThanOrEqual(result.acked.get(w) ?? 0);
      await backend.insert("journalEntries", makeEntry(9999, user.id));
      await backend.close();
    }
  });
});
