import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createFile, DIR_MODE, readSmallFile, writeAll } from "./durable.js";
import { LockedError, type LockHolder } from "./errors.js";
import { errorCode, type FsLayer } from "./fs.js";
import { LOCK_DIR } from "./format.js";
import { isPlainObject } from "../../model/json.js";

/**
 * The writer lock: one writing process per directory. The lock is a directory, `writer.lock`,
 * holding `owner.json` (pid, host, boot id, process start time). It is taken atomically by
 * renaming a fully written temp directory onto that name: rename fails when the name exists, so
 * the lock and its owner record appear together and a holder is always named.
 *
 * A lock whose holder is gone is recovered: same host, and the pid is dead, a zombie, or now a
 * different process (start time or boot id differ). A lock from another host is never broken
 * automatically. Readers (`readOnly: true`) take no lock.
 */

/** A held lock. */
export interface DirLock {
  /** Removes the lock, if it is still ours. */
  release(): Promise<void>;
}

interface OwnerRecord extends LockHolder {
  token: string;
  bootId: string | null;
  startTime: string | null;
}

const OWNER = "owner.json";

/** Tokens of the locks this process holds: a lock naming this process but none of these is stale. */
const held = new Set<string>();

/** Takes the writer lock of `dir`, recovering a stale one; LockedError when another process holds it. */
export async function acquireLock(fs: FsLayer, dir: string): Promise<DirLock> {
  const lockPath = join(dir, LOCK_DIR);
  for (let attempt = 0; attempt < 5; attempt++) {
    const me: OwnerRecord = {
      pid: process.pid,
      hostname: hostname(),
      since: new Date().toISOString(),
      token: randomBytes(8).toString("hex"),
      bootId: bootId(),
      startTime: processStartTime(process.pid),
    };
    const tmp = join(dir, `${LOCK_DIR}.${me.token}.tmp`);
    await fs.mkdir(tmp, DIR_MODE);
    try {
      await fs.chmod(tmp, DIR_MODE);
      const fd = await createFile(fs, join(tmp, OWNER));
      try {
        await writeAll(fs, fd, Buffer.from(`${JSON.stringify(me)}\n`));
      } finally {
        await fs.close(fd);
      }
      await fs.rename(tmp, lockPath);
      held.add(me.token);
      return { release: () => releaseLock(fs, lockPath, me.token) };
    } catch (error) {
      await removeLockDir(fs, tmp);
      const code = errorCode(error);
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    }
    const holder = await readOwner(fs, lockPath);
    if (!holder || !isGone(holder)) throw new LockedError(dir, holder ? publicHolder(holder) : null);
    // Steal it: only one process can rename the stale lock away.
    const stale = join(dir, `${LOCK_DIR}.${me.token}.stale.tmp`);
    try {
      await fs.rename(lockPath, stale);
    } catch (error) {
      if (errorCode(error) === "ENOENT") continue;
      throw error;
    }
    const taken = await readOwner(fs, stale);
    if (taken?.token !== holder.token) {
      // A live lock was taken meanwhile: put it back and give up.
      await fs.rename(stale, lockPath).catch(() => {});
      throw new LockedError(dir, taken ? publicHolder(taken) : null);
    }
    await removeLockDir(fs, stale);
  }
  throw new LockedError(dir, null);
}

async function releaseLock(fs: FsLayer, lockPath: string, token: string): Promise<void> {
  held.delete(token);
  const owner = await readOwner(fs, lockPath).catch(() => null);
  if (owner?.token !== token) return;
  await removeLockDir(fs, lockPath);
}

async function removeLockDir(fs: FsLayer, path: string): Promise<void> {
  await fs.unlink(join(path, OWNER)).catch(() => {});
  await fs.rmdir(path).catch(() => {});
}

async function readOwner(fs: FsLayer, lockPath: string): Promise<OwnerRecord | null> {
  let file: Awaited<ReturnType<typeof readSmallFile>>;
  try {
    file = await readSmallFile(fs, join(lockPath, OWNER), 64 * 1024);
  } catch (error) {
    if (errorCode(error) === "ENOTDIR") return null;
    throw error;
  }
  if (!file || file.tooLarge) return null;
  try {
    const v: unknown = JSON.parse(file.text);
    if (!isPlainObject(v) || !Number.isSafeInteger(v.pid) || typeof v.hostname !== "string" || typeof v.token !== "string") return null;
    return {
      pid: v.pid as number,
      hostname: v.hostname,
      since: typeof v.since === "string" ? v.since : "",
      token: v.token,
      bootId: typeof v.bootId === "string" ? v.bootId : null,
      startTime: typeof v.startTime === "string" ? v.startTime : null,
    };
  } catch {
    return null;
  }
}

function publicHolder(owner: OwnerRecord): LockHolder {
  return { pid: owner.pid, hostname: owner.hostname, since: owner.since };
}

/** True when the recorded holder certainly no longer runs (only decidable on this host). */
function isGone(owner: OwnerRecord): boolean {
  if (owner.hostname !== hostname()) return false;
  if (owner.pid === process.pid && (owner.startTime === null || owner.startTime === processStartTime(process.pid))) {
    return !held.has(owner.token); // left by a backend of this process that closed
  }
  const boot = bootId();
  if (owner.bootId && boot && owner.bootId !== boot) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if (errorCode(error) === "ESRCH") return true;
  }
  const stat = procStat(owner.pid);
  if (stat === null) return false;
  if (stat.state === "Z" || stat.state === "X") return true;
  return owner.startTime !== null && stat.startTime !== owner.startTime;
}

function bootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}

function processStartTime(pid: number): string | null {
  return procStat(pid)?.startTime ?? null;
}

/** State and start time of `pid` from /proc (Linux); null elsewhere or when it does not exist. */
function procStat(pid: number): { state: string; startTime: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
  } catch {
    return null;
  }
}
