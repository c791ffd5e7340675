import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { scanLines } from "../../src/backends/json/lines.js";
import { realFs, type FsLayer } from "../../src/backends/json/fs.js";
import { BackendError, ValidationError } from "../../src/errors.js";
import type { JsonObject } from "../../src/model/json.js";
import { makeEntry, makeUser, removeDir, tempDir } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe("json backend: hostile input", () => {
  it("rejects path-like and malformed ids before anything is written", async () => {
    const b = jsonFileBackend({ dir });
    await b.ready();
    const before = await readdir(dir);
    for (const id of ["../../etc/passwd", "users/../x", "/tmp/x", "0190000A-0000-7000-8000-000000000001", "__proto__", "", "a\0b"]) {
      await expect(b.insert("users", makeUser(1, { id }))).rejects.toBeInstanceOf(ValidationError);
      expect(await b.get("users", id)).toBeNull();
    }
    await expect(b.get("../users" as "users", makeUser(1).id)).rejects.toBeInstanceOf(ValidationError);
    await expect(b.get("__proto__" as "users", makeUser(1).id)).rejects.toBeInstanceOf(ValidationError);
    expect(await readdir(dir)).toEqual(before);
    await b.close();
  });

  it("keeps __proto__ and constructor keys as plain data through the log, a snapshot and a reopen", async () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"note":"x"}') as JsonObject;
    let b = jsonFileBackend({ dir });
    const user = await b.insert("users", makeUser(1, { preferences: hostile }));
    await b.insert("journalEntries", makeEntry(1, user.id, { metadata: hostile, aiAnalysis: { nested: hostile } }));
    const check = async () => {
      const u = await b.get("users", user.id);
      const e = await b.get("journalEntries", makeEntry(1, user.id).id);
      for (const obj of [u!.preferences, e!.metadata, (e!.aiAnalysis as JsonObject).nested as JsonObject]) {
        expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
        expect(Object.prototype.hasOwnProperty.call(obj, "__proto__")).toBe(true);
        expect(Object.keys(obj)).toEqual(["__proto__", "constructor", "note"]);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    };
    await check();
    await b.close();
    b = jsonFileBackend({ dir }); // from the log
    await check();
    await b.compact();
    await b.close();
    b = jsonFileBackend({ dir }); // from the snapshot
    await check();
    await b.close();
  });

  it("rejects a row or transaction over the size limits before writing a byte, and stays usable", async () => {
    const b = jsonFileBackend({ dir, maxRowBytes: 16 * 1024, maxTransactionBytes: 64 * 1024 });
    const user = await b.insert("users", makeUser(1));
    const segment = (await readdir(dir)).find((n) => n.startsWith("log-"))!;
    const size = (await stat(join(dir, segment))).size;

    const big = makeEntry(1, user.id, {}, 20 * 1024);
    const error = await b.insert("journalEntries", big).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(String((error as Error).message)).toMatch(/maxRowBytes/);

    const many = b.transaction(async (tx) => {
      for (let n = 10; n < 20; n++) await tx.insert("journalEntries", makeEntry(n, user.id, {}, 8 * 1024));
    });
    await expect(many).rejects.toThrow(/maxTransactionBytes/);
    expect((await stat(join(dir, segment))).size).toBe(size);
    expect(await b.count("journalEntries")).toBe(0);

    await b.insert("journalEntries", makeEntry(2, user.id));
    expect(await b.count("journalEntries")).toBe(1);
    await b.close();
    expect(() => jsonFileBackend({ dir, maxRowBytes: 10 })).toThrow(ValidationError);
  });

  it("bounds a line: a line longer than the limit is reported, never built", async () => {
    const path = join(dir, "long.jsonl");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path, `short\n${"x".repeat(5000)}\nafter\n`);
    const fd = await realFs.open(path, 0, 0);
    const seen: string[] = [];
    await expect(
      scanLines(realFs, fd, { maxLineBytes: 1024, onTooLong: (line) => { throw new Error(`line ${line} too long`); } }, (text) => void seen.push(text)),
    ).rejects.toThrow("line 2 too long");
    await realFs.close(fd);
    expect(seen).toEqual(["short"]);
  });

  it("creates files 0600 and the directory 0700 whatever the umask", async () => {
    const previous = process.umask(0o000);
    try {
      const b = jsonFileBackend({ dir: join(dir, "store") });
      const user = await b.insert("users", makeUser(1));
      await b.insert("journalEntries", makeEntry(1, user.id));
      await b.compact();
      await b.insert("journalEntries", makeEntry(2, user.id));
      await b.close();
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(dir, "store"))).mode & 0o777).toBe(0o700);
    const names = await readdir(join(dir, "store"));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) expect([name, (await stat(join(dir, "store", name))).mode & 0o777]).toEqual([name, 0o600]);
    // A restrictive umask does not leave the store unwritable either.
    const strict = process.umask(0o277);
    try {
      const b = jsonFileBackend({ dir: join(dir, "strict") });
      await b.insert("users", makeUser(2));
      await b.close();
      const again = jsonFileBackend({ dir: join(dir, "strict") });
      await again.insert("users", makeUser(3));
      await again.close();
    } finally {
      process.umask(strict);
    }
    for (const name of await readdir(join(dir, "strict"))) expect((await stat(join(dir, "strict", name))).mode & 0o777).toBe(0o600);
  });

  it("tightens an existing directory to 0700 when a writer opens it; a read-only open leaves it as it is", async () => {
    const store = join(dir, "store");
    const parent = (await stat(dir)).mode & 0o777;
    const mode = async () => (await stat(store)).mode & 0o777;
    await mkdir(store);
    await chmod(store, 0o755);

    const reader = jsonFileBackend({ dir: store, readOnly: true });
    await reader.ready();
    await reader.close();
    expect(await mode()).toBe(0o755);

    const writer = jsonFileBackend({ dir: store });
    await writer.ready();
    expect(await mode()).toBe(0o700);
    await writer.insert("users", makeUser(1));
    await writer.close();

    // An existing store with data, loosened by hand: the next writer tightens it again.
    await chmod(store, 0o755);
    const again = jsonFileBackend({ dir: store });
    expect(await again.get("users", makeUser(1).id)).not.toBeNull();
    expect(await mode()).toBe(0o700);
    await again.close();
    expect((await stat(dir)).mode & 0o777).toBe(parent); // parents keep their mode
  });

  it("a directory the writer may not chmod fails the open with a BackendError, and takes no lock", async () => {
    const store = join(dir, "store");
    await mkdir(store);
    await chmod(store, 0o755);
    const fs: FsLayer = {
      ...realFs,
      chmod: async (path, m) => {
        if (path === store) throw Object.assign(new Error(`EPERM: operation not permitted, chmod '${path}'`), { code: "EPERM" });
        return realFs.chmod(path, m);
      },
    };
    const b = jsonFileBackend({ dir: store, fs });
    const error = await b.ready().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(String((error as Error).message)).toMatch(/EPERM/);
    await b.close().catch(() => {});
    expect(await readdir(store)).toEqual([]);
    expect((await stat(store)).mode & 0o777).toBe(0o755);
  });
});
