import { constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsLayer } from "../../src/backends/json/fs.js";
import { realFs } from "../../src/backends/json/fs.js";
import type { JournalEntryRow, UserRow } from "../../src/model/rows.js";
import { newRow } from "../../src/model/entity.js";
import { entryModel } from "../../src/model/entities/entries.js";
import { userModel } from "../../src/model/entities/users.js";

/** A fresh temp directory; remove it with {@link removeDir}. */
export function tempDir(prefix = "journal-json-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a temp directory tree. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

let counter = 0;

/** A deterministic lowercase UUID (v7-shaped) from a number. */
export function idOf(n: number, kind = 1): string {
  return `0190${kind.toString(16).padStart(4, "0")}-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
}

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A full user row as the facade would build it. */
export function makeUser(n: number = ++counter, patch: Partial<UserRow> = {}): UserRow {
  const input = { email: `user${n}@example.com`, displayName: `User ${n}` };
  return { ...newRow(userModel, input, idOf(n, 1), new Date(T0 + n).toISOString()), ...patch };
}

/** A full journal entry row owned by `userId`. */
export function makeEntry(n: number, userId: string, patch: Partial<JournalEntryRow> = {}, contentBytes = 64): JournalEntryRow {
  const input = { userId, title: `Entry ${n}`, content: `Dear diary, day ${n}. `.padEnd(contentBytes, "x"), mood: 5, tags: ["daily"], entryDate: "2026-01-05" };
  return { ...newRow(entryModel, input, idOf(n, 2), new Date(T0 + 1000 + n).toISOString()), ...patch };
}

/** The next version of `row` with `patch` applied (what the facade's update would swap in). */
export function bump<R extends { version: number; updatedAt: string }>(row: R, patch: Partial<R> = {}): R {
  const { changeSeq: _seq, ...plain } = row as R & { changeSeq?: number };
  return { ...(plain as unknown as R), ...patch, version: row.version + 1, updatedAt: new Date(Date.parse(row.updatedAt) + 1).toISOString() };
}

/** One recorded fs call. */
export interface FsCall {
  op: keyof FsLayer | "ack";
  /** The path the call is about (for fd calls, the path the fd was opened with). */
  path: string;
  to?: string;
  /** For `open`: true when the call may create the file. */
  creates?: boolean;
  /** For small `write`s: the text written. For `ack`: the id of the row acknowledged. */
  text?: string;
}

/** An fs layer that records every successful call, in completion order, with the path behind every fd. */
export function recordingFs(base: FsLayer = realFs): { fs: FsLayer; calls: FsCall[] } {
  const calls: FsCall[] = [];
  const paths = new Map<number, string>();
  const at = (fd: number) => paths.get(fd) ?? `fd:${fd}`;
  /** Records a call when it completes (the order durability depends on). */
  const done = async <T>(call: FsCall, result: Promise<T>): Promise<T> => {
    const value = await result;
    calls.push(call);
    return value;
  };
  const fs: FsLayer = {
    async open(path, flags, mode) {
      const fd = await base.open(path, flags, mode);
      calls.push({ op: "open", path, creates: (flags & constants.O_CREAT) !== 0 });
      paths.set(fd, path);
      return fd;
    },
    async close(fd) {
      const path = at(fd);
      await base.close(fd);
      calls.push({ op: "close", path });
      paths.delete(fd);
    },
    read: (fd, b, o, l, p) => done({ op: "read", path: at(fd) }, base.read(fd, b, o, l, p)),
    write: (fd, b, o, l, p) =>
      done({ op: "write", path: at(fd), ...(l < 1 << 20 ? { text: Buffer.from(b.buffer, b.byteOffset + o, l).toString("utf8") } : {}) }, base.write(fd, b, o, l, p)),
    fsync: (fd) => done({ op: "fsync", path: at(fd) }, base.fsync(fd)),
    fdatasync: (fd) => done({ op: "fdatasync", path: at(fd) }, base.fdatasync(fd)),
    fchmod: (fd, m) => done({ op: "fchmod", path: at(fd) }, base.fchmod(fd, m)),
    fstat: (fd) => done({ op: "fstat", path: at(fd) }, base.fstat(fd)),
    rename: (a, b) => done({ op: "rename", path: a, to: b }, base.rename(a, b)),
    unlink: (p) => done({ op: "unlink", path: p }, base.unlink(p)),
    mkdir: (p, m) => done({ op: "mkdir", path: p }, base.mkdir(p, m)),
    rmdir: (p) => done({ op: "rmdir", path: p }, base.rmdir(p)),
    chmod: (p, m) => done({ op: "chmod", path: p }, base.chmod(p, m)),
    readdir: (p) => done({ op: "readdir", path: p }, base.readdir(p)),
  };
  return { fs, calls };
}

/** Controls of {@link faultyFs}. */
export interface FaultControl {
  /** Fail the `n`th call from now (1-based) with `code`; `persistent` fails every call from then on. */
  arm(n: number, code: string, persistent: boolean): void;
  /** Stop failing. */
  clear(): void;
  /** Calls made since the last `arm` (or creation). */
  readonly calls: number;
  /** True once the armed fault has fired. */
  readonly fired: boolean;
}

/** An fs layer that fails a chosen call with a chosen errno, once or from then on. */
export function faultyFs(base: FsLayer = realFs): { fs: FsLayer; control: FaultControl } {
  let calls = 0;
  let target = Number.POSITIVE_INFINITY;
  let code = "EIO";
  let persistent = false;
  let fired = false;
  const gate = (op: string) => {
    calls++;
    if (calls === target || (persistent && calls > target)) {
      fired = true;
      throw Object.assign(new Error(`${code}: injected fault, ${op}`), { code, syscall: op });
    }
  };
  const wrap = <K extends keyof FsLayer>(op: K): FsLayer[K] =>
    (async (...args: unknown[]) => {
      gate(op);
      return (base[op] as (...a: unknown[]) => unknown)(...args);
    }) as FsLayer[K];
  const fs = Object.fromEntries(Object.keys(realFs).map((op) => [op, wrap(op as keyof FsLayer)])) as unknown as FsLayer;
  const control: FaultControl = {
    arm(n, c, p) {
      calls = 0;
      target = n;
      code = c;
      persistent = p;
      fired = false;
    },
    clear() {
      target = Number.POSITIVE_INFINITY;
      persistent = false;
    },
    get calls() {
      return calls;
    },
    get fired() {
      return fired;
    },
  };
  return { fs, control };
}
