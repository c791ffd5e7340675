import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { dualWriteBackend } from "../../src/dual-write/index.js";
import type { CollectionName } from "../../src/model/rows.js";
import { everyRow, expectSidesEqual } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";
import { prng } from "../support/prng.js";

/**
 * SIGKILL of a process writing through dual write (JSON primary, PostgreSQL secondary), many
 * rounds on the same directory and database: every other round exactly between the primary's
 * commit and the secondary's write (the child stops itself there and announces it), the others at
 * a random moment (while opening, writing, in a background pass, storing the watermark). After each
 * kill a new dual-write backend opens the same directory and database and flushes: every
 * acknowledged write is on both sides and the sides are equal. DUAL_CRASH_ROUNDS sets the round
 * count (default 50); rounds alternate sync and async secondary writes.
 *
 * The child is bundled once into plain JavaScript with esbuild (the bundler tsx itself runs on):
 * starting it through tsx costs two to three seconds of transform per round, which would make 50
 * rounds take minutes.
 */

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.DUAL_CRASH_ROUNDS ?? 50);
let buildDir: string;
let child: string;
beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), "journal-dual-crash-"));
  child = join(buildDir, "dual-writer.mjs");
  await build({
    entryPoints: [join(here, "fixtures", "dual-writer.ts")],
    outfile: child,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["pg-native"],
    // Bundled CommonJS dependencies (pg) call require: give the ES module one.
    banner: { js: `import { createRequire } from "node:module"; const require = createRequire(import.meta.url);` },
    logLevel: "error",
  });
});
afterAll(async () => {
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

const url = useTestDatabase(async (u) => void (await migrate(u)));
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Round {
  acked: { collection: CollectionName; id: string; version: number }[];
  deleted: { collection: CollectionName; id: string }[];
  between: boolean;
}

/** When the parent kills the child: `ms` after it is ready to write, or after it was started (it may still be opening). */
type KillAt = { after: "ready" | "spawn"; ms: number } | null;

function runChild(dir: string, env: Record<string, string>, killAt: KillAt): Promise<Round> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child], {
      env: { ...process.env, DIR: dir, DATABASE_URL: url(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const round: Round = { acked: [], deleted: [], between: false };
    let buffer = "";
    let stderr = "";
    const kill = () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    };
    const safety = setTimeout(kill, 20_000);
    if (killAt?.after === "spawn") setTimeout(kill, killAt.ms);
    proc.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const [word, a, b, c] = buffer.slice(0, nl).split(" ");
        buffer = buffer.slice(nl + 1);
        if (word === "ready" && killAt?.after === "ready") setTimeout(kill, killAt.ms);
        else if (word === "between") {
          round.between = true;
          kill();
        } else if (word === "ack") round.acked.push({ collection: a as CollectionName, id: b!, version: Number(c) });
        else if (word === "deleted") round.deleted.push({ collection: a as CollectionName, id: b! });
      }
    });
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      clearTimeout(safety);
      if (signal !== "SIGKILL") reject(new Error(`dual-write child exited with ${code}: ${stderr}`));
      else resolve(round);
    });
  });
}

describe("dual write: SIGKILL between the primary and the secondary write", () => {
  it(`loses nothing acknowledged through ${ROUNDS} kills; after reconcile the sides are equal`, { timeout: 60_000 + ROUNDS * 4_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "journal-dual-crash-data-"));
    dirs.push(dir);
    const rnd = prng(99);
    let betweenRounds = 0;
    let behindAfterKill = 0;
    const acked = new Map<string, number>();
    const deleted = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const mode = round % 4 < 2 ? "sync" : "async";
      const between = round % 2 === 0;
      const result = await runChild(
        dir,
        { SECONDARY_WRITES: mode, SEED: String(round + 1), PAUSE_AT: between ? String(1 + Math.floor(rnd() * 12)) : "" },
        between ? null : round % 8 === 3 ? { after: "spawn", ms: 300 + Math.floor(rnd() * 600) } : { after: "ready", ms: Math.floor(rnd() * 150) },
      );
      if (between) expect(result.between, `round ${round}: the child reached the point between the writes`).toBe(true);
      if (result.between) betweenRounds++;
      for (const a of result.acked) acked.set(`${a.collection}:${a.id}`, Math.max(acked.get(`${a.collection}:${a.id}`) ?? 0, a.version));
      for (const d of result.deleted) deleted.add(`${d.collection}:${d.id}`);

      const from = jsonFileBackend({ dir });
      const to = postgresBackend({ connectionString: url(), poolSize: 3 });
      const dual = dualWriteBackend({ from, to, stage: "dual-write", reconcileIntervalMs: 60_000 });
      try {
        await dual.whenReady();
        const behind = await dual.lag();
        if (behind > 0) behindAfterKill++;
        if (result.between && mode === "sync") expect(behind, `round ${round}: the row committed before the kill is not on the secondary yet`).toBeGreaterThan(0);
        await dual.flush();
        expect(await dual.lag()).toBe(0);
        await expectSidesEqual(from, to);
        // The sides are equal: every acknowledged write must be there (at its version or later).
        const rows = await everyRow(from);
        const held = new Map<string, Record<string, unknown>>(Object.entries(rows).flatMap(([c, list]) => list.map((r) => [`${c}:${String(r.id)}`, r] as const)));
        for (const [key, version] of acked) {
          expect((held.get(key)?.version as number | undefined) ?? 0, `round ${round}: acknowledged ${key} v${version}`).toBeGreaterThanOrEqual(version);
        }
        for (const key of deleted) expect(held.get(key)?.deleted, `round ${round}: deleted ${key}`).toBe(true);
      } finally {
        await dual.close();
      }
    }
    expect(betweenRounds).toBeGreaterThanOrEqual(Math.floor(ROUNDS / 2));
    expect(behindAfterKill, "kills left the secondary behind").toBeGreaterThan(0);
  });
});
