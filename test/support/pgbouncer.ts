import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { withClient } from "./pg-client.js";
import { freePort } from "./postgres-server.js";

/**
 * A real PgBouncer (the distribution's `pgbouncer` package, which `.ci/run` installs) in
 * transaction pooling mode, started by a test file in front of its own database: a private
 * config in a temp directory, a free loopback port, trust auth towards the client and the
 * database URL's credentials towards the server. PgBouncer refuses to run as root, so under root
 * it runs as the `postgres` OS user. A missing pgbouncer fails the file loudly.
 */

/** A running PgBouncer; `url(target)` is `target` rewritten to go through it. */
export interface PgBouncer {
  port: number;
  url(target: string): string;
  /** The end of PgBouncer's log (for failure messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** The pgbouncer binary, or a loud error saying how to install it. */
function pgbouncerBinary(): string {
  for (const candidate of ["pgbouncer", "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]) {
    try {
      execFileSync(candidate, ["--version"], { stdio: "ignore" });
      return candidate;
    } catch {
      // try the next place
    }
  }
  throw new Error("pgbouncer is not installed: these tests need a real PgBouncer (apt-get install -y pgbouncer; .ci/run installs it)");
}

/** uid/gid of the `postgres` OS user when running as root (PgBouncer refuses root), else none. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;

/** Starts PgBouncer in transaction mode in front of the server of `target` (any database on it). */
export async function startPgBouncer(target: string, extra: Record<string, string> = {}): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  const server = new URL(target);
  const user = decodeURIComponent(server.username || "postgres");
  const password = decodeURIComponent(server.password);
  const dir = await mkdtemp(join(tmpdir(), "journal-store-pgbouncer-"));
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addr: "127.0.0.1",
    listen_port: String(port),
    unix_socket_dir: "",
    auth_type: "trust",
    auth_file: join(dir, "users.txt"),
    pool_mode: "transaction",
    max_client_conn: "500",
    default_pool_size: "20",
    logfile: join(dir, "pgbouncer.log"),
    pidfile: join(dir, "pgbouncer.pid"),
    ...extra,
  };
  const ini = [
    "[databases]",
    `* = host=${server.hostname} port=${server.port || "5432"}`,
    "[pgbouncer]",
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
    "",
  ].join("\n");
  await writeFile(join(dir, "pgbouncer.ini"), ini);
  await writeFile(join(dir, "users.txt"), `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  const owner = runAs();
  if (owner) for (const f of ["", "pgbouncer.ini", "users.txt"]) await chown(join(dir, f), owner.uid, owner.gid);

  const child: ChildProcess = spawn(binary, [join(dir, "pgbouncer.ini")], { stdio: "ignore", ...(owner ?? {}) });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once("exit", (code) => ((exited = code), resolve())));
  const log = () => readFile(join(dir, "pgbouncer.log"), "utf8").then((t) => t.slice(-2000), () => "(no log)");
  const rewrite = (url: string) => {
    const u = new URL(url);
    u.hostname = "127.0.0.1";
    u.port = String(port);
    return u.toString();
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`pgbouncer exited with ${exited} at start:\n${await log()}`);
    try {
      await withClient(rewrite(target), (c) => c.query("SELECT 1"));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGTERM");
        throw new Error(`pgbouncer did not answer on port ${port}: ${String(error)}\n${await log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url: rewrite,
    log,
    async stop() {
      if (exited === undefined) {
        child.kill("SIGTERM");
        await exit;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers beforeAll/afterAll for a test file: a PgBouncer in front of the server of the URL
 * `target()` gives (call after `useTestDatabase`, so the database exists first and PgBouncer
 * stops before it is dropped). Returns an accessor for the URL through PgBouncer.
 */
export function usePgBouncer(target: () => string, extra?: Record<string, string>): () => string {
  let bouncer: PgBouncer | undefined;
  beforeAll(async () => {
    bouncer = await startPgBouncer(target(), extra);
  });
  afterAll(async () => {
    await bouncer?.stop();
  });
  return () => {
    if (!bouncer) throw new Error("pgbouncer used outside a test");
    return bouncer.url(target());
  };
}
