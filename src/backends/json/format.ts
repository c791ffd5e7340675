import type { Stored } from "../../backend.js";
import { isCollectionName } from "../../model/collections.js";
import { isId } from "../../model/ids.js";
import { isPlainObject } from "../../model/json.js";
import type { CollectionName } from "../../model/rows.js";

/**
 * The on-disk format (docs/json-format.md): file names, the version every file carries, and the
 * codecs of manifest, log lines and snapshot lines. Every file is UTF-8 JSON, one value per line
 * except the manifest. Decoders validate shape and return null (or throw via the caller) on
 * anything else; nothing read is merged into an object by plain assignment, so keys such as
 * `__proto__` stay data.
 */

/** The format version written into every file; readers refuse a newer one. */
export const FORMAT_VERSION = 1;
/** The format's name, the `format` of the manifest. */
export const FORMAT_NAME = "journal-store";
/** The manifest: which snapshot and which log segments make up the store. */
export const MANIFEST = "manifest.json";
/** The writer lock (a directory). */
export const LOCK_DIR = "writer.lock";

const pad = (n: number) => String(n).padStart(8, "0");

/** File name of log segment `n`. */
export function segmentName(n: number): string {
  return `log-${pad(n)}.jsonl`;
}

/** File name of a snapshot of `collection` for generation `generation`. */
export function snapshotName(generation: number, collection: CollectionName): string {
  return `snapshot-${pad(generation)}-${collection}.jsonl`;
}

/** What a file name in the store directory is. */
export type FileKind =
  | { kind: "manifest" }
  | { kind: "segment"; number: number }
  | { kind: "snapshot"; generation: number; collection: CollectionName }
  | { kind: "tmp" }
  | { kind: "lock" }
  | { kind: "legacy"; collection: CollectionName }
  | { kind: "other" };

/** Classifies a file name of the store directory. */
export function classify(name: string): FileKind {
  if (name === MANIFEST) return { kind: "manifest" };
  if (name === LOCK_DIR) return { kind: "lock" };
  if (name.endsWith(".tmp")) return { kind: "tmp" };
  let m = /^log-(\d{8,15})\.jsonl$/.exec(name);
  if (m) return { kind: "segment", number: Number(m[1]) };
  m = /^snapshot-(\d{8,15})-([A-Za-z]+)\.jsonl$/.exec(name);
  if (m && isCollectionName(m[2])) return { kind: "snapshot", generation: Number(m[1]), collection: m[2] };
  m = /^([A-Za-z]+)\.json$/.exec(name);
  if (m && isCollectionName(m[1])) return { kind: "legacy", collection: m[1] };
  return { kind: "other" };
}

/** One collection's snapshot, as the manifest lists it. */
export interface SnapshotRef {
  file: string;
  rows: number;
  bytes: number;
}

/**
 * The manifest: the store is the snapshot of generation `generation` plus the log segments
 * numbered `generation` and up. Replaced atomically by compaction.
 */
export interface Manifest {
  format: typeof FORMAT_NAME;
  version: number;
  /** First log segment not folded into the snapshot. */
  generation: number;
  /** Last transaction number the snapshot holds. */
  tx: number;
  /** Highest changeSeq handed out when the snapshot was taken. */
  seq: number;
  /** Snapshot file per collection; absent means empty. */
  snapshots: Partial<Record<CollectionName, SnapshotRef>>;
  /** When it was written (informational). */
  writtenAt: string;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Parses a manifest; returns the problem as a string when it is not one. */
export function decodeManifest(text: string): Manifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "does not parse as JSON";
  }
  if (!isPlainObject(value) || value.format !== FORMAT_NAME) return "is not a journal-store manifest";
  if (!Number.isSafeInteger(value.version) || (value.version as number) < 1) return "has no format version";
  if ((value.version as number) > FORMAT_VERSION) {
    return `was written by format version ${String(value.version)}; this version of @journal/store reads up to ${FORMAT_VERSION}`;
  }
  if (!isCount(value.generation) || value.generation < 1 || !isCount(value.tx) || !isCount(value.seq)) {
    return "has an invalid generation, tx or seq";
  }
  if (!isPlainObject(value.snapshots)) return "has no snapshots object";
  const snapshots: Partial<Record<CollectionName, SnapshotRef>> = {};
  for (const [name, ref] of Object.entries(value.snapshots)) {
    if (!isCollectionName(name)) return `names an unknown collection ${JSON.stringify(name)}`;
    if (ref === null) continue;
    if (!isPlainObject(ref) || ref.file !== snapshotName(value.generation, name) || !isCount(ref.rows) || !isCount(ref.bytes)) {
      return `has an invalid snapshot entry for ${name}`;
    }
    snapshots[name] = { file: ref.file, rows: ref.rows, bytes: ref.bytes };
  }
  return {
    format: FORMAT_NAME,
    version: value.version as number,
    generation: value.generation,
    tx: value.tx,
    seq: value.seq,
    snapshots,
    writtenAt: typeof value.writtenAt === "string" ? value.writtenAt : "",
  };
}

/** The manifest's text: indented, for people. */
export function encodeManifest(manifest: Omit<Manifest, "format" | "version">): string {
  return `${JSON.stringify({ format: FORMAT_NAME, version: FORMAT_VERSION, ...manifest }, null, 2)}\n`;
}

/** First line of a log segment: which segment it is, its first transaction, and where the previous one ends. */
export interface SegmentHeader {
  segment: number;
  /** Number of the first transaction written to this segment. */
  firstTx: number;
  /** The segment this one continues, and the byte length of its valid part (null: starts the log). */
  prev: { segment: number; end: number } | null;
}

/** Encodes a segment header line (with its newline). */
export function encodeSegmentHeader(h: SegmentHeader): string {
  return `${JSON.stringify({ "journal-store": "log", version: FORMAT_VERSION, segment: h.segment, firstTx: h.firstTx, prev: h.prev })}\n`;
}

/** Decodes a segment header, or returns the problem. */
export function decodeSegmentHeader(text: string, expected: number): SegmentHeader | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return "header does not parse";
  }
  if (!isPlainObject(v) || v["journal-store"] !== "log") return "is not a journal-store log segment";
  if (!Number.isSafeInteger(v.version) || (v.version as number) > FORMAT_VERSION || (v.version as number) < 1) {
    return `has unsupported format version ${String(v.version)}`;
  }
  if (v.segment !== expected || !isCount(v.firstTx) || v.firstTx < 1) return "header does not match its file name";
  const prev = v.prev;
  if (prev !== null && (!isPlainObject(prev) || !isCount(prev.segment) || !isCount(prev.end) || prev.segment >= expected)) {
    return "header has an invalid prev";
  }
  return { segment: expected, firstTx: v.firstTx, prev: prev === null ? null : { segment: prev.segment as number, end: prev.end as number } };
}

/** First line of a snapshot file. */
export interface SnapshotHeader {
  collection: CollectionName;
  generation: number;
  rows: number;
}

/** Encodes a snapshot header line. */
export function encodeSnapshotHeader(h: SnapshotHeader): string {
  return `${JSON.stringify({ "journal-store": "snapshot", version: FORMAT_VERSION, collection: h.collection, generation: h.generation, rows: h.rows })}\n`;
}

/** Encodes a snapshot's last line, which proves the file is complete. */
export function encodeSnapshotTrailer(rows: number): string {
  return `${JSON.stringify({ end: "snapshot", rows })}\n`;
}

/** Decodes a snapshot header, or returns the problem. */
export function decodeSnapshotHeader(text: string): SnapshotHeader | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return "header does not parse";
  }
  if (!isPlainObject(v) || v["journal-store"] !== "snapshot") return "is not a journal-store snapshot";
  if (!Number.isSafeInteger(v.version) || (v.version as number) > FORMAT_VERSION || (v.version as number) < 1) {
    return `has unsupported format version ${String(v.version)}`;
  }
  if (!isCollectionName(v.collection) || !isCount(v.generation) || !isCount(v.rows)) return "has an invalid header";
  return { collection: v.collection, generation: v.generation, rows: v.rows };
}

/** True when `text` is a snapshot trailer for `rows` rows. */
export function isSnapshotTrailer(value: unknown, rows: number): boolean {
  return isPlainObject(value) && value.end === "snapshot" && value.rows === rows;
}

/** True when `value` has the shape every stored row has (the backend checks no more: rows are the facade's). */
export function isStoredRow(value: unknown): value is Stored {
  return (
    isPlainObject(value) &&
    isId(value.id) &&
    Number.isSafeInteger(value.version) &&
    (value.version as number) >= 1 &&
    isCount(value.changeSeq) &&
    typeof value.deleted === "boolean" &&
    typeof value.createdAt === "string" &&
    typeof value.updatedAt === "string"
  );
}

/** One change of a logged transaction. */
export type LogChange = { collection: CollectionName; row: Stored } | { collection: CollectionName; id: string; row: null };

/** One log line: a committed transaction. */
export interface LogRecord {
  tx: number;
  /** The highest changeSeq handed out when it committed. */
  seq: number;
  changes: LogChange[];
  /** Present on the last line of a group commit: the first transaction of that group. */
  group: number | undefined;
}

/** Decodes a log line, or returns null when it is not a valid transaction line. */
export function decodeLogLine(text: string): LogRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isPlainObject(v) || !isCount(v.tx) || !isCount(v.seq) || !Array.isArray(v.changes)) return null;
  if (v.group !== undefined && !isCount(v.group)) return null;
  const changes: LogChange[] = [];
  for (const c of v.changes as unknown[]) {
    if (!isPlainObject(c)) return null;
    if (c.put !== undefined) {
      if (!isCollectionName(c.put) || !isStoredRow(c.row)) return null;
      changes.push({ collection: c.put, row: c.row });
    } else {
      if (!isCollectionName(c.purge) || !isId(c.id)) return null;
      changes.push({ collection: c.purge, id: c.id, row: null });
    }
  }
  return { tx: v.tx, seq: v.seq, changes, group: v.group as number | undefined };
}
