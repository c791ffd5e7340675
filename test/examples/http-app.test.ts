import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { STAGE_RUN_ID } from "../../src/dual-write/records.js";
import { backfill, compare } from "../../src/sync/index.js";
import { useTestDatabase } from "../support/postgres.js";

// examples/http-app.ts as a real process, restarted in each stage with only its environment
// changed: every request answered, nothing written in an earlier stage lost. Between the
// restarts the test does what the runbook has the operator do: backfill and compare in
// dual-write, let traffic be shadow-read and compare again in shadow; the restarts into live and
// complete are then let through by the cutover gate on that evidence, and one into live straight
// after dual-write is refused.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const root = join(import.meta.dirname, "../..");
let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The example as a real process, its stderr collected. */
function launch(env: Record<string, string>): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/http-app.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH, PORT: "0", JOURNAL_STORE_JSON_DIR: dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return { child, stderr: () => err };
}

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const { child, stderr } = launch(env);
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`app exited with ${code}: ${stderr()}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/** A start the cutover gate refuses: the app exits 1 and says which conditions failed. */
async function refusedStart(env: Record<string, string>): Promise<string> {
  const { child, stderr } = launch(env);
  const outcome = await new Promise<string>((resolve) => {
    child.once("exit", (code) => resolve(`exit ${code}`));
    child.stdout!.on("data", (d) => /listening on/.test(String(d)) && resolve("served"));
  });
  if (outcome === "served") {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  expect(outcome).toBe("exit 1");
  return stderr();
}

/** The operator's compare while the app runs: its JSON directory read without the lock. */
async function operatorCompare(): Promise<void> {
  const source = jsonFileBackend({ dir, readOnly: true });
  const target = postgresBackend({ connectionString: url(), poolSize: 2 });
  try {
    expect((await compare({ source, target })).divergences).toEqual([]);
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  expect(child.exitCode).toBe(0);
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function allEntries(base: string, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor = "";
  for (;;) {
    const page = await call(base, "GET", `/entries?userId=${userId}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    ids.push(...page.items.map((e: { id: string }) => e.id));
    if (!page.nextCursor) return ids.sort();
    cursor = page.nextCursor;
  }
}

it("runs at every stage from off to complete, changing only its environment, and loses nothing", async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-http-app-"));
  const written: string[] = [];
  const stages: [string, Record<string, string>][] = [
    ["off", {}],
    ["dual-write", { ENABLE_DUAL_WRITE: "true", DATABASE_URL: url() }],
    ["shadow", { JOURNAL_STORE_STAGE: "shadow", JOURNAL_STORE_SHADOW_SAMPLE: "1", DATABASE_URL: url() }],
    ["live", { JOURNAL_STORE_STAGE: "live", JOURNAL_STORE_SHADOW_SAMPLE: "1", DATABASE_URL: url() }],
    ["rampdown", { JOURNAL_STORE_STAGE: "rampdown", DATABASE_URL: url() }],
    ["complete", { JOURNAL_STORE_STAGE: "complete", DATABASE_URL: url() }],
  ];
  let userId = "";
  let sessionId = "";
  for (const [stage, env] of stages) {
    if (stage === "shadow") {
      // Straight from dual-write to live, skipping shadow: the gate refuses the start, naming the
      // missing shadow reads, and the app exits without serving.
      const refusal = await refusedStart({ JOURNAL_STORE_STAGE: "live", DATABASE_URL: url() });
      expect(refusal).toMatch(/not starting in live: the cutover gate refused it\n {2}shadow: only 0 shadow comparison\(s\) in the window, 100 required/);
      expect(refusal).not.toMatch(/compare:/);
    }
    const { child, base } = await start(env);
    try {
      expect(await call(base, "GET", "/health")).toEqual({ stage });
      if (!userId) {
        userId = (await call(base, "POST", "/users", { email: "http@example.com", displayName: "Http" })).id;
        sessionId = (await call(base, "POST", "/sessions", { userId, title: "chat" })).id;
      }
      // Everything written in earlier stages is still there.
      expect(await allEntries(base, userId)).toEqual([...written].sort());
      for (let i = 0; i < 5; i++) {
        written.push((await call(base, "POST", "/entries", { userId, title: `${stage} ${i}`, content: `written in ${stage}`, tags: [stage] })).id);
      }
      await call(base, "POST", `/sessions/${sessionId}/messages`, { role: "user", content: `hello from ${stage}` });
      expect((await call(base, "GET", `/search?userId=${userId}&q=${encodeURIComponent(`written in ${stage}`)}`)).items).toHaveLength(5);
      const messages = await call(base, "GET", `/sessions/${sessionId}/messages`);
      expect(messages.items.map((m: { sequence: number }) => m.sequence)).toEqual(messages.items.map((_: unknown, i: number) => i + 1));
      await expect(call(base, "POST", "/entries", { userId, content: "bad\u0000" })).rejects.toThrow(/400/);
      if (stage === "dual-write") {
        // The operator's backfill, reading the live app's directory without its lock.
        const source = jsonFileBackend({ dir, readOnly: true });
        const target = postgresBackend({ connectionString: url(), poolSize: 2 });
        try {
          expect((await backfill({ source, target })).status).toBe("completed");
        } finally {
          await Promise.all([source.close(), target.close()]);
        }
        await operatorCompare();
      }
      if (stage === "shadow") {
        // Traffic over a while: every read is shadowed (sample 1), more than the gate's 100. Then
        // the runbook's fresh compare before moving on.
        for (let i = 0; i < 120; i++) await call(base, "GET", `/entries?userId=${userId}&limit=50`);
        await operatorCompare();
      }
    } finally {
      await stop(child);
    }
  }
  expect(written).toHaveLength(30);
  // The restart into complete passed the gate (not forced) and recorded complete, so the next
  // restart in complete is not gated again.
  const pgStore = postgresBackend({ connectionString: url(), poolSize: 1 });
  try {
    const page = await pgStore.query("migrationLogs", { where: [{ field: "runId", op: "eq", value: STAGE_RUN_ID }], orderBy: { field: "startedAt", direction: "desc" }, limit: 1 });
    expect(page.rows[0]!.checkpoint).toEqual({ stage: "complete", primary: "to" });
  } finally {
    await pgStore.close();
  }
}, 240_000);
