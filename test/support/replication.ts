import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { appendFile, chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { withClient } from "./pg-client.js";
import { freePort } from "./postgres-server.js";

/**
 * A private PostgreSQL primary and one streaming replica for the replica tests: `initdb` a
 * primary with `wal_level = replica` on a free loopback port, then `pg_basebackup -R` a replica
 * from it on another. The server binaries are found at run time (`pg_config --bindir`, else the
 * distribution's versioned directories); nothing is shared with the server other tests use.
 * PostgreSQL refuses to run as root, so under root every command runs as the `postgres` OS user.
 * Missing binaries fail loudly.
 */

const run = promisify(execFile);

/** The primary and its replica; URLs are superuser URLs of the `postgres` database. */
export interface ReplicatedCluster {
  primaryUrl: string;
  replicaUrl: string;
  /** Stops the replica (fast shutdown); reads must fall back to the primary. */
  stopReplica(): Promise<void>;
  /** Starts the replica again; it catches up from the primary. */
  startReplica(): Promise<void>;
  /** Stops both servers and removes their directories. */
  stop(): Promise<void>;
}

function binDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // no pg_config on PATH
  }
  const versions = join("/usr", "lib", "postgresql");
  if (existsSync(versions)) {
    for (const v of readdirSync(versions).sort((a, b) => Number(b) - Number(a))) candidates.push(join(versions, v, "bin"));
  }
  const found = candidates.find((dir) => ["initdb", "pg_ctl", "pg_basebackup"].every((b) => existsSync(join(dir, b))));
  if (!found) {
    throw new Error("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found: install the postgresql package");
  }
  return found;
}

function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  };
}

/** Starts a primary and a streaming replica of it; `replicaSettings` go into the replica's config. */
export async function startReplicatedCluster(replicaSettings: Record<string, string> = {}): Promise<ReplicatedCluster> {
  const bin = binDir();
  const as = owner();
  const dir = await mkdtemp(join(tmpdir(), "journal-store-replication-"));
  await chmod(dir, 0o755);
  if (as) await chown(dir, as.uid, as.gid);
  const primaryDir = join(dir, "primary");
  const replicaDir = join(dir, "replica");
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const exec = (tool: string, args: string[]) =>
    run(join(bin, tool), args, { ...(as ?? {}), cwd: dir, env: { ...process.env, PGTZ: "UTC", LC_ALL: "C" } });
  const pgCtl = (data: string, action: string, port?: number) =>
    exec("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, `${data === primaryDir ? "primary" : "replica"}.log`),
      "-w",
      "-t",
      "30",
      ...(port ? ["-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`] : []),
      ...(action === "stop" ? ["-m", "fast"] : []),
      action,
    ]);
  const conf = async (data: string, settings: Record<string, string>) =>
    appendFile(join(data, "postgresql.conf"), Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`).join(""));

  try {
    await exec("initdb", ["-D", primaryDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"]);
    await conf(primaryDir, { wal_level: "replica", max_wal_senders: "5", fsync: "off", shared_buffers: "'32MB'" });
    await appendFile(join(primaryDir, "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n");
    await pgCtl(primaryDir, "start", primaryPort);
    await exec("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "postgres", "-D", replicaDir, "-R", "-X", "stream"]);
    await conf(replicaDir, { hot_standby: "on", ...replicaSettings });
    await pgCtl(replicaDir, "start", replicaPort);
  } catch (error) {
    await pgCtl(replicaDir, "stop").catch(() => undefined);
    await pgCtl(primaryDir, "stop").catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/postgres`;
  const inRecovery = await withClient(replicaUrl, async (c) => (await c.query("SELECT pg_is_in_recovery() AS r")).rows[0].r);
  if (!inRecovery) throw new Error("the replica is not in recovery");
  return {
    primaryUrl,
    replicaUrl,
    stopReplica: async () => void (await pgCtl(replicaDir, "stop")),
    startReplica: async () => void (await pgCtl(replicaDir, "start", replicaPort)),
    async stop() {
      await pgCtl(replicaDir, "stop").catch(() => undefined);
      await pgCtl(primaryDir, "stop").catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
