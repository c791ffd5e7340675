import * as nodeFs from "node:fs";

/**
 * The file-system calls the JSON-file backend makes, and nothing else: every byte it reads or
 * writes goes through one of these, so tests can inject EIO, ENOSPC or EACCES at any call (and
 * record the order of calls) without mocking the backend itself. Paths are absolute. Errors are
 * node's (`code` set), unchanged.
 */
export interface FsLayer {
  /** Opens a file (`open(2)` flags and mode); resolves with the descriptor. */
  open(path: string, flags: number, mode: number): Promise<number>;
  /** Closes a descriptor. */
  close(fd: number): Promise<void>;
  /** Reads up to `length` bytes at `position`; resolves with the count read (0 at end of file). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Writes at `position` (null: the file position); may write fewer bytes than asked. */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  /** Flushes the file's data and metadata to the disk. */
  fsync(fd: number): Promise<void>;
  /** Flushes the file's data to the disk (metadata only as needed to read it back). */
  fdatasync(fd: number): Promise<void>;
  /** Sets a file's permission bits by descriptor. */
  fchmod(fd: number, mode: number): Promise<void>;
  /** The file's size in bytes and last modification time (ms since the epoch). */
  fstat(fd: number): Promise<{
    /** The file's size in bytes. */
    size: number;
    /** The last modification time, in ms since the epoch. */
    mtimeMs: number;
  }>;
  /** Renames atomically, replacing `to` if it exists (how a file is committed). */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file. */
  unlink(path: string): Promise<void>;
  /** Creates a directory with the given permission bits. */
  mkdir(path: string, mode: number): Promise<void>;
  /** Deletes an empty directory. */
  rmdir(path: string): Promise<void>;
  /** Sets a path's permission bits. */
  chmod(path: string, mode: number): Promise<void>;
  /** The names in a directory. */
  readdir(path: string): Promise<string[]>;
}

/** The open flags the backend uses. */
export const FLAGS = {
  read: nodeFs.constants.O_RDONLY,
  /** A new file, which must not exist. */
  create: nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_EXCL,
} as const;

/** Writes up to this size are made inline (see realFs.write). */
const SYNC_WRITE_BYTES = 64 * 1024;

function call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** The real file system (node:fs callbacks: the cheapest path to libuv). */
export const realFs: FsLayer = {
  open: (path, flags, mode) => call((cb) => nodeFs.open(path, flags, mode, cb)),
  close: (fd) => call((cb) => nodeFs.close(fd, (err) => cb(err, undefined))),
  read: (fd, buffer, offset, length, position) =>
    call((cb) => nodeFs.read(fd, buffer, offset, length, position, (err, n) => cb(err, n))),
  write: (fd, buffer, offset, length, position) => {
    // A small write only copies into the page cache: doing it inline saves a thread-pool round
    // trip on every commit. Large writes (snapshots, segment preallocation) stay asynchronous.
    if (length <= SYNC_WRITE_BYTES) {
      try {
        return Promise.resolve(nodeFs.writeSync(fd, buffer, offset, length, position));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return call((cb) => nodeFs.write(fd, buffer, offset, length, position, (err, n) => cb(err, n)));
  },
  fsync: (fd) => call((cb) => nodeFs.fsync(fd, (err) => cb(err, undefined))),
  fdatasync: (fd) => call((cb) => nodeFs.fdatasync(fd, (err) => cb(err, undefined))),
  fchmod: (fd, mode) => call((cb) => nodeFs.fchmod(fd, mode, (err) => cb(err, undefined))),
  fstat: (fd) => call((cb) => nodeFs.fstat(fd, (err, st) => cb(err, st ? { size: st.size, mtimeMs: st.mtimeMs } : st))),
  rename: (from, to) => call((cb) => nodeFs.rename(from, to, (err) => cb(err, undefined))),
  unlink: (path) => call((cb) => nodeFs.unlink(path, (err) => cb(err, undefined))),
  mkdir: (path, mode) => call((cb) => nodeFs.mkdir(path, { mode }, (err) => cb(err, undefined))),
  rmdir: (path) => call((cb) => nodeFs.rmdir(path, (err) => cb(err, undefined))),
  chmod: (path, mode) => call((cb) => nodeFs.chmod(path, mode, (err) => cb(err, undefined))),
  readdir: (path) => call((cb) => nodeFs.readdir(path, cb)),
};

/** The error code of a node error, if any. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? ((error as { code?: unknown }).code as string | undefined) : undefined;
}
