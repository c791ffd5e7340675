import { availableParallelism } from "node:os";
import { ValidationError } from "../../errors.js";
import { type FsLayer, realFs } from "./fs.js";

/** Options of {@link jsonFileBackend}; every default is in {@link JSON_DEFAULTS}. */
export interface JsonFileBackendOptions {
  /** The store directory; created (mode 0700) on the first writer open if absent, set to 0700 by every writer open (not by a `readOnly` one). */
  dir: string;
  /**
   * Read without taking the writer lock: loads a consistent prefix of the committed transactions
   * even while another process writes, and rejects every write. For the sync CLI.
   */
  readOnly?: boolean;
  /** Compact in the background once the log outgrows the snapshot (default true). */
  autoCompact?: boolean;
  /** Log bytes below which auto-compaction never starts (default 64 MiB). */
  compactLogBytes?: number;
  /**
   * Size log segments are preallocated to, with zeros, so a commit's fdatasync flushes data and
   * not file metadata (default 4 MiB, at most 64 MiB); a new segment starts when one is full.
   */
  segmentBytes?: number;
  /** Largest serialised row the backend accepts (default 8 MiB); larger writes fail before any byte is written. */
  maxRowBytes?: number;
  /** Largest serialised transaction (default 64 MiB, at most 256 MiB). */
  maxTransactionBytes?: number;
  /** The file-system calls the backend makes (default: node:fs). Tests inject faults here. */
  fs?: FsLayer;
  /** Called with errors of background work (auto-compaction), which is retried later. Default: process.emitWarning. */
  onBackgroundError?: (error: Error) => void;
  /**
   * Test hook, called at named points of the write and compaction paths (`compaction:manifest-written`,
   * ...); the crash tests kill the process there. Not for production use.
   */
  onPoint?: (point: string) => void;
}

/** The defaults of {@link JsonFileBackendOptions}, in one place. */
export const JSON_DEFAULTS = {
  /** Opens for writing. */
  readOnly: false,
  /** Compacts in the background once the log outgrows the snapshot. */
  autoCompact: true,
  /** Log bytes below which auto-compaction never starts: 64 MiB. */
  compactLogBytes: 64 * 1024 * 1024,
  /** Log segments are preallocated to 4 MiB. */
  segmentBytes: 4 * 1024 * 1024,
  /** The largest serialised row: 8 MiB. */
  maxRowBytes: 8 * 1024 * 1024,
  /** The largest serialised transaction: 64 MiB. */
  maxTransactionBytes: 64 * 1024 * 1024,
} as const;

/** The defaults of {@link JsonFileSourceOptions}, in one place. */
export const JSON_SOURCE_DEFAULTS = {
  /**
   * Worker threads hashing beside the main one: one fewer than the cores, at most 3 (a compare
   * also needs a core for the database's own digest when it runs on the same host).
   */
  hashThreads: Math.max(0, Math.min(3, availableParallelism() - 1)),
  /**
   * A worker is started only when each thread gets at least 100,000 rows: a worker costs about
   * 40 MB of RSS and its start, and on a 2-core host took a third off a million-row compare but
   * nothing measurable off a 100k-row one (docs/performance.md).
   */
  minRowsPerHashThread: 100_000,
};

/** Hard ceiling of one line in any file of the format: a longer line is corruption, never an allocation. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/** Options with every default applied. */
export interface ResolvedOptions {
  dir: string;
  readOnly: boolean;
  autoCompact: boolean;
  compactLogBytes: number;
  segmentBytes: number;
  maxRowBytes: number;
  maxTransactionBytes: number;
  fs: FsLayer;
  onBackgroundError: (error: Error) => void;
  onPoint: (point: string) => void;
}

/** Applies defaults and rejects nonsense (ValidationError naming the option). */
export function resolveOptions(options: JsonFileBackendOptions): ResolvedOptions {
  const issues: { path: string; message: string }[] = [];
  if (typeof options?.dir !== "string" || options.dir.length === 0 || options.dir.includes("\0")) {
    issues.push({ path: "dir", message: "must be a non-empty path" });
  }
  const size = (name: "compactLogBytes" | "segmentBytes" | "maxRowBytes" | "maxTransactionBytes", max: number): number => {
    const value = options?.[name] ?? JSON_DEFAULTS[name];
    if (!Number.isSafeInteger(value) || value < 1024 || value > max) {
      issues.push({ path: name, message: `must be an integer between 1024 and ${max}` });
    }
    return value;
  };
  const resolved: ResolvedOptions = {
    dir: options?.dir,
    readOnly: options?.readOnly ?? JSON_DEFAULTS.readOnly,
    autoCompact: options?.autoCompact ?? JSON_DEFAULTS.autoCompact,
    compactLogBytes: size("compactLogBytes", Number.MAX_SAFE_INTEGER),
    segmentBytes: size("segmentBytes", 64 * 1024 * 1024),
    maxRowBytes: size("maxRowBytes", MAX_LINE_BYTES / 2),
    maxTransactionBytes: size("maxTransactionBytes", MAX_LINE_BYTES / 2),
    fs: options?.fs ?? realFs,
    onBackgroundError: options?.onBackgroundError ?? ((error) => process.emitWarning(error)),
    onPoint: options?.onPoint ?? (() => {}),
  };
  if (resolved.maxRowBytes > resolved.maxTransactionBytes) {
    issues.push({ path: "maxRowBytes", message: "must not exceed maxTransactionBytes" });
  }
  if (issues.length > 0) throw new ValidationError("jsonFileBackend options", issues);
  return resolved;
}
