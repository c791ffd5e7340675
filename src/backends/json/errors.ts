import { JournalStoreError } from "../../errors.js";

/**
 * A file of a JSON-file store cannot be read as the format says: a snapshot that does not parse
 * or is cut short, a log line in the middle of the log that does not parse, a manifest naming a
 * file that is gone. The store refuses to open rather than guess; nothing is reset or dropped.
 * (A torn last log line left by a crash is not corruption: it was never acknowledged, and is
 * dropped.)
 */
export class CorruptStoreError extends JournalStoreError {
  /** Path of the offending file. */
  readonly file: string;
  /** 1-based line number in `file`, when one line is at fault. */
  readonly line: number | undefined;
  /** What is wrong, in words (the message without the file and line). */
  readonly problem: string;

  constructor(file: string, problem: string, details: { line?: number; cause?: unknown } = {}) {
    const where = details.line === undefined ? file : `${file}:${details.line}`;
    super("CORRUPT", `json: ${where}: ${problem}`, { cause: details.cause });
    this.file = file;
    this.line = details.line;
    this.problem = problem;
  }
}

/** Who holds a JSON-file store's writer lock, as recorded in the lock. */
export interface LockHolder {
  /** The holding process's id. */
  pid: number;
  /** The holding machine's host name (a pid means something only there). */
  hostname: string;
  /** When the holder took the lock (ISO timestamp). */
  since: string;
}

/**
 * Another writer holds the directory: one process writes a JSON-file store at a time. `holder`
 * names it when the lock records one. A lock left by a killed process on this host is recovered
 * automatically; open with `readOnly: true` to read beside a live writer.
 */
export class LockedError extends JournalStoreError {
  /** The store directory. */
  readonly dir: string;
  /** The recorded holder, or null when the lock names none. */
  readonly holder: LockHolder | null;

  constructor(dir: string, holder: LockHolder | null, options?: { cause?: unknown }) {
    const who = holder ? `process ${holder.pid} on ${holder.hostname} (since ${holder.since})` : "another process";
    super("LOCKED", `json: ${dir} is locked by ${who}; one writer at a time (use readOnly: true to read beside it)`, options);
    this.dir = dir;
    this.holder = holder;
  }
}
