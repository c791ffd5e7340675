import type { LegacyCollection } from "./mapping.js";

/**
 * What `importLegacy` did, file by file: nothing read is dropped without a line here. Keys are
 * the records' own keys (ids as the app wrote them); reasons are words, never record content.
 */

/** A record that was read but not imported, and why. */
export interface LegacySkippedRecord {
  /** The record's own key as the file holds it. */
  key: string;
  /** Why it was skipped, in words (never the record's content). */
  reason: string;
}

/** A reference to a record that does not exist: imported as null, the original kept. */
export interface LegacyDanglingReference {
  /** The referring record's key. */
  key: string;
  /** The field holding the reference. */
  field: string;
  /** The id the record named. */
  value: string;
}

/** One file's part of the report. */
export interface LegacyFileReport {
  /** The file's name in the directory. */
  file: string;
  /** The collection its records go to. */
  collection: LegacyCollection;
  /** False when the directory has no such file (nothing to import from it). */
  present: boolean;
  /** How the file holds its records. */
  shape: "object" | "array" | null;
  /** Records found in the file. */
  read: number;
  /** Records whose row was written by this run. */
  imported: number;
  /** Records whose row was already stored, equal or newer (a re-run): nothing written. */
  unchanged: number;
  /** Every record read but not imported, with its key and the reason. */
  skipped: LegacySkippedRecord[];
  /** Where each source field went: `row field`, or `metadata["journal-store:legacy"]` for fields no rule maps. */
  fields: Record<string, string>;
  /** Per source field, how many records keep their original value beside the row (absent, unreadable or not round-tripping). */
  keptOriginals: Record<string, number>;
  /** References to missing records: imported as null, the original kept. */
  dangling: LegacyDanglingReference[];
  /** Records whose key is not a UUID (or is empty): their row id is a UUIDv5 of file and key. */
  derivedIds: number;
  /** Naive timestamps that a clock change made ambiguous (read as the earlier instant) or skipped (read past the gap). */
  clockChanges: {
    /** Timestamps in a repeated hour (clocks set back), read as the earlier instant. */
    ambiguous: number;
    /** Timestamps in a skipped hour (clocks set forward), read past the gap. */
    skipped: number;
  };
}

/** The whole import. */
export interface LegacyImportReport {
  /** The user every imported row belongs to, and whether this run created it. */
  userId: string;
  /** True when this run created the user (false: it existed). */
  userCreated: boolean;
  /** The zone naive local timestamps were read in. */
  timezone: string;
  /** One report per legacy file, in import order. */
  files: LegacyFileReport[];
  /**
   * True when the import's `signal` stopped it before the end: what the report counts is in the
   * store, the rest is not (a re-run with the same options finishes it; rows already in are
   * reported `unchanged`).
   */
  interrupted: boolean;
  /** The per-file counts added up. */
  totals: {
    /** Records found. */
    read: number;
    /** Records whose row was written. */
    imported: number;
    /** Records already stored, equal or newer. */
    unchanged: number;
    /** Records read but not imported. */
    skipped: number;
  };
}

/** An empty report for one file. */
export function emptyFileReport(file: string, collection: LegacyCollection): LegacyFileReport {
  return {
    file,
    collection,
    present: false,
    shape: null,
    read: 0,
    imported: 0,
    unchanged: 0,
    skipped: [],
    fields: {},
    keptOriginals: {},
    dangling: [],
    derivedIds: 0,
    clockChanges: { ambiguous: 0, skipped: 0 },
  };
}

/** Adds up the per-file counts. */
export function totalsOf(files: readonly LegacyFileReport[]): LegacyImportReport["totals"] {
  const totals = { read: 0, imported: 0, unchanged: 0, skipped: 0 };
  for (const f of files) {
    totals.read += f.read;
    totals.imported += f.imported;
    totals.unchanged += f.unchanged;
    totals.skipped += f.skipped.length;
  }
  return totals;
}

/** What `exportLegacy` wrote, per file. */
export interface LegacyExportReport {
  /** One entry per file written. */
  files: {
    /** The file's name in the directory. */
    file: string;
    /** The collection it holds. */
    collection: LegacyCollection;
    /** Records written. */
    records: number;
    /** The file's size in bytes. */
    bytes: number;
  }[];
}
