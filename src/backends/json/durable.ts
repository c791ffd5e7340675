import { dirname, join } from "node:path";
import { errorCode, FLAGS, type FsLayer } from "./fs.js";

/**
 * The durable-write primitives of the format (STYLE 7): a new file is written in full, fsynced,
 * then renamed into place, then its directory is fsynced; appends are fsynced before anyone is
 * told. Files are 0600 and directories 0700 whatever the umask (set explicitly after creation).
 */

/** Mode of every file the backend creates. */
export const FILE_MODE = 0o600;
/** Mode of the store directory and the lock directory. */
export const DIR_MODE = 0o700;

/** Writes all of `data` at `position` (default: the file position), looping over short writes. */
export async function writeAll(fs: FsLayer, fd: number, data: Uint8Array, position: number | null = null): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await fs.write(fd, data, offset, data.length - offset, position === null ? null : position + offset);
  }
}

/** Makes the entries of `dir` (files created, renamed or removed in it) durable. */
export async function fsyncDir(fs: FsLayer, dir: string): Promise<void> {
  const fd = await fs.open(dir, FLAGS.read, 0);
  try {
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
}

/** Creates a new file (which must not exist) with mode 0600 and returns its descriptor. */
export async function createFile(fs: FsLayer, path: string): Promise<number> {
  const fd = await fs.open(path, FLAGS.create, FILE_MODE);
  try {
    await fs.fchmod(fd, FILE_MODE);
  } catch (error) {
    await fs.close(fd).catch(() => {});
    throw error;
  }
  return fd;
}

let tmpCounter = 0;

/** A unique temporary name beside `name`, ending in `.tmp` (removed by the writer if left over). */
export function tempName(name: string): string {
  return `${name}.${process.pid}-${Date.now().toString(36)}-${++tmpCounter}.tmp`;
}

/**
 * Replaces `dir/name` atomically and durably: write a unique temp file, fsync it, rename it over
 * `name`, fsync the directory. A crash at any point leaves either the old file or the new one.
 * `beforeRename` / `afterRename` are test hooks.
 */
export async function replaceFile(
  fs: FsLayer,
  dir: string,
  name: string,
  data: Uint8Array,
  point: (where: "written" | "renamed") => void = () => {},
): Promise<void> {
  const tmp = join(dir, tempName(name));
  const fd = await createFile(fs, tmp);
  try {
    await writeAll(fs, fd, data);
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  point("written");
  await fs.rename(tmp, join(dir, name));
  point("renamed");
  await fsyncDir(fs, dir);
}

/** Reads a whole small file, refusing one over `max` bytes (returns null when absent). */
export async function readSmallFile(fs: FsLayer, path: string, max: number): Promise<{ text: string; tooLarge: boolean } | null> {
  let fd: number;
  try {
    fd = await fs.open(path, FLAGS.read, 0);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
  try {
    const { size } = await fs.fstat(fd);
    if (size > max) return { text: "", tooLarge: true };
    const buffer = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = await fs.read(fd, buffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { text: buffer.toString("utf8", 0, got), tooLarge: false };
  } finally {
    await fs.close(fd);
  }
}

/**
 * The store directory as a writer opens it: created if absent (see {@link ensureDir}), and set to
 * mode 0700 whether new or not, so a directory made earlier with a looser mode (0755) is
 * tightened to what json-format.md promises. Only the store directory itself: parents keep their
 * modes. A directory the process may not chmod (EPERM: another owner) fails the open.
 */
export async function ensureStoreDir(fs: FsLayer, dir: string): Promise<void> {
  if (await ensureDir(fs, dir)) return;
  await fs.chmod(dir, DIR_MODE);
}

/**
 * Creates `dir` (and missing parents) if absent, mode 0700, with its entry made durable in the
 * parent; resolves true when it created `dir`, false when it was there already.
 */
export async function ensureDir(fs: FsLayer, dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir, DIR_MODE);
  } catch (error) {
    const code = errorCode(error);
    if (code === "EEXIST") return false;
    if (code !== "ENOENT") throw error;
    await ensureDir(fs, dirname(dir));
    return ensureDir(fs, dir);
  }
  await fs.chmod(dir, DIR_MODE);
  await fsyncDir(fs, dirname(dir));
  return true;
}
