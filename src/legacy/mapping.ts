import type { Json, JsonObject } from "../model/json.js";
import { isPlainObject } from "../model/json.js";
import type { RowTypes } from "../model/rows.js";
import { formatWallTime, parseAppTime } from "./timestamps.js";

/**
 * How an app's own JSON files map onto the store: which file holds which collection, which
 * source field goes to which row field and how its value converts each way. A mapping is data
 * (with a function hook per file for what data cannot say), so another app passes its own;
 * {@link DEFAULT_LEGACY_MAPPING} is the layout of the app this package is first built for.
 *
 * Nothing is lost whatever the mapping says: a source field no rule names, a value a conversion
 * cannot read, or one that does not come back unchanged (`toLegacy(toStore(v)) !== v`) is kept
 * in the row's `metadata` under {@link LEGACY_METADATA_KEY}, and `exportLegacy` writes it back.
 */

/** The metadata key under which an imported row keeps what no row field holds exactly. */
export const LEGACY_METADATA_KEY = "journal-store:legacy";

/** The collections an app's files can hold (each owned, directly or not, by the one user). */
export type LegacyCollection = "topics" | "journalEntries" | "chatSessions" | "messages";

/** What a conversion sees besides the value. */
export interface LegacyContext {
  /** The IANA zone the file's naive timestamps are read in (`UTC` unless the file is local time). */
  zone: string;
  /** Told of every timestamp a clock change made ambiguous or skipped (counted in the report). */
  clockChange?(kind: "ambiguous" | "skipped"): void;
}

/**
 * A value conversion between a source field and a row field. `toStore` returns
 * {@link LEGACY_INVALID} for a value it cannot read (the row gets the model's default and the original
 * is kept). `same` is an optional fast answer to `toLegacy(stored) deep-equals value`.
 */
export interface LegacyConversion {
  /** The row value for a file value, or {@link LEGACY_INVALID} when it cannot be read. */
  toStore(value: unknown, ctx: LegacyContext): unknown;
  /** The file value for a row value (what `exportLegacy` writes). */
  toLegacy(stored: unknown, ctx: LegacyContext): unknown;
  /** A fast answer to `toLegacy(stored)` deep-equals `value` (optional). */
  same?(value: unknown, stored: unknown, ctx: LegacyContext): boolean;
}

/** Returned by {@link LegacyConversion.toStore} for a value it cannot read. */
export const LEGACY_INVALID: unique symbol = Symbol("journal-store:invalid");

/**
 * One source field's rule:
 * - `{ to }`: copied into row field `to` (the model validates it);
 * - `{ to, as }`: converted by a named or given conversion; `as: "derived"` means the store
 *   computes `to` itself (a word count, a message count) and the source value is kept when it
 *   differs;
 * - `{ to, ref }`: an id naming a record of file `ref`, mapped to that record's row id; a
 *   reference to no record becomes null (or refuses the record, when `to` cannot be null) and
 *   is reported.
 * `to: "id"` is the record's own id; `createdAt`/`updatedAt` are the row's timestamps.
 */
export type LegacyFieldRule =
  | {
      /** The row field the value goes to. */
      to: string;
      /** The conversion: a built-in name or your own. */
      as?: LegacyConversionName | LegacyConversion;
      /** Not a reference. */
      ref?: undefined;
    }
  | {
      /** The row field the referenced row's id goes to. */
      to: string;
      /** The legacy file whose record key the value names. */
      ref: string;
      /** No conversion: a reference is resolved to the row id. */
      as?: undefined;
    };

/** The built-in conversions, by name. */
export type LegacyConversionName = "timestamp" | "moodLabel" | "sentiment" | "derived";

/** Function hooks for what a mapping cannot say; both run after the field rules. */
export interface LegacyHooks {
  /** Adjusts the create input built from `record` before the model validates it. */
  toInput?(input: Record<string, unknown>, record: Readonly<Record<string, unknown>>, ctx: LegacyContext): void;
  /**
   * Adjusts the record written for `row` by `exportLegacy` (`row.metadata` without the reserved
   * key); `fromApp` is true for rows the import wrote (they carry the reserved key).
   */
  toRecord?(record: Record<string, unknown>, row: Readonly<Record<string, unknown>>, ctx: LegacyContext, fromApp: boolean): void;
}

/** One file of the app's layout. */
export interface LegacyFileMapping {
  /** The file name inside the directory: letters, digits, `.`, `_`, `-` only. */
  file: string;
  /** The collection the file's records go to. */
  collection: LegacyCollection;
  /** Naive timestamps of this file are wall times in the import's `timezone` (else UTC). */
  localTime?: boolean;
  /** How `exportLegacy` writes the file: one object keyed by id (default) or an array. Import reads both. */
  shape?: "object" | "array";
  /** Source field -> rule, in the order the app writes its fields. */
  fields: Readonly<Record<string, LegacyFieldRule>>;
  /** Values `exportLegacy` writes for source fields no rule maps, on rows that did not come from the app. */
  exportDefaults?: Readonly<JsonObject>;
  /** Code for what the field rules cannot say. */
  hooks?: LegacyHooks;
}

/** An app's layout: its files, owners before what they own (topics before entries, sessions before messages). */
export interface LegacyMapping {
  /** The files, owners first. */
  files: readonly LegacyFileMapping[];
}

/** The mood labels of the default mapping and the 1..10 mood each becomes (label = the pair it falls in). */
export const MOOD_LABELS: Readonly<Record<string, number>> = {
  very_negative: 1,
  negative: 3,
  neutral: 5,
  positive: 7,
  very_positive: 9,
};
const LABEL_OF_PAIR = ["very_negative", "negative", "neutral", "positive", "very_positive"] as const;

/** Naive timestamps in the file's zone <-> millisecond ISO instants. */
const timestamp: LegacyConversion = {
  toStore(value, ctx) {
    const parsed = parseAppTime(value, ctx.zone);
    if (!parsed) return value === null ? null : LEGACY_INVALID;
    if (parsed.clock !== "ok") ctx.clockChange?.(parsed.clock);
    return new Date(parsed.ms).toISOString();
  },
  toLegacy: (stored, ctx) => (typeof stored === "string" ? formatWallTime(Date.parse(stored), ctx.zone) : null),
  same(value, stored, ctx) {
    if (value === null || stored === null) return value === stored;
    const parsed = parseAppTime(value, ctx.zone);
    return parsed !== null && parsed.canonical && typeof stored === "string" && Date.parse(stored) === parsed.ms;
  },
};

/**
 * A mood label <-> the numeric mood (1..10): each label becomes one number of its pair
 * (very_negative 1-2, negative 3-4, neutral 5-6, positive 7-8, very_positive 9-10), and any
 * number reads back as its pair's label, so an imported label is recovered exactly and a mood
 * set later through the store still exports as a label.
 */
const moodLabel: LegacyConversion = {
  toStore: (value) =>
    value === null ? null : typeof value === "string" && Object.prototype.hasOwnProperty.call(MOOD_LABELS, value) ? MOOD_LABELS[value] : LEGACY_INVALID,
  toLegacy: (stored) => (typeof stored === "number" ? LABEL_OF_PAIR[Math.min(4, Math.max(0, Math.ceil(stored / 2) - 1))] : null),
};

/** A sentiment score <-> `aiAnalysis.sentiment`. */
const sentiment: LegacyConversion = {
  toStore: (value) => (value === null ? null : typeof value === "number" && Number.isFinite(value) ? { sentiment: value } : LEGACY_INVALID),
  toLegacy: (stored) => (isPlainObject(stored) && typeof stored.sentiment === "number" ? stored.sentiment : null),
};

/** The store computes the field; the source value is only compared (and kept when it differs). */
const derived: LegacyConversion = {
  toStore: () => LEGACY_INVALID,
  toLegacy: (stored) => stored,
};

/** The built-in conversions. */
export const CONVERSIONS: Readonly<Record<LegacyConversionName, LegacyConversion>> = { timestamp, moodLabel, sentiment, derived };

/** The default mapping's entry type for an entry written through the store: `topic` when it belongs to a topic. */
function entryType(record: Record<string, unknown>, row: Readonly<Record<string, unknown>>, _ctx: LegacyContext, fromApp: boolean): void {
  if (!fromApp) record.entry_type = row.topicId ? "topic" : "journal";
}

/**
 * The layout of the app this package is first built for: one directory with `topics.json`,
 * `entries.json`, `sessions.json` and `messages.json`, each one JSON object keyed by id, snake_case
 * fields; entries and topics in the server's local time, sessions and messages in UTC. Field by
 * field in docs/import.md.
 */
export const DEFAULT_LEGACY_MAPPING: LegacyMapping = {
  files: [
    {
      file: "topics.json",
      collection: "topics",
      localTime: true,
      fields: {
        name: { to: "name" },
        description: { to: "description" },
        color: { to: "color" },
        tags: { to: "tags" },
        id: { to: "id" },
        created_at: { to: "createdAt", as: "timestamp" },
        updated_at: { to: "updatedAt", as: "timestamp" },
        entry_count: { to: "entryCount" },
        last_entry_date: { to: "lastEntryAt", as: "timestamp" },
        metadata: { to: "metadata" },
      },
    },
    {
      file: "entries.json",
      collection: "journalEntries",
      localTime: true,
      fields: {
        title: { to: "title" },
        content: { to: "content" },
        topic_id: { to: "topicId", ref: "topics.json" },
        tags: { to: "tags" },
        id: { to: "id" },
        created_at: { to: "createdAt", as: "timestamp" },
        updated_at: { to: "updatedAt", as: "timestamp" },
        mood: { to: "mood", as: "moodLabel" },
        sentiment_score: { to: "aiAnalysis", as: "sentiment" },
        word_count: { to: "wordCount", as: "derived" },
        metadata: { to: "metadata" },
        is_favorite: { to: "favorite" },
      },
      exportDefaults: { entry_type: "journal", template_id: null, version: 1, parent_entry_id: null },
      hooks: { toRecord: entryType },
    },
    {
      file: "sessions.json",
      collection: "chatSessions",
      fields: {
        id: { to: "id" },
        session_type: { to: "sessionType" },
        title: { to: "title" },
        description: { to: "description" },
        status: { to: "status" },
        created_at: { to: "createdAt", as: "timestamp" },
        updated_at: { to: "updatedAt", as: "timestamp" },
        last_activity: { to: "lastMessageAt", as: "timestamp" },
        message_count: { to: "messageCount", as: "derived" },
        tags: { to: "tags" },
        metadata: { to: "metadata" },
      },
    },
    {
      file: "messages.json",
      collection: "messages",
      fields: {
        id: { to: "id" },
        session_id: { to: "sessionId", ref: "sessions.json" },
        content: { to: "content" },
        role: { to: "role" },
        timestamp: { to: "createdAt", as: "timestamp" },
        metadata: { to: "metadata" },
      },
    },
  ],
};

/** The conversion of a rule (none for a plain copy or a reference). */
export function conversionOf(rule: LegacyFieldRule): LegacyConversion | undefined {
  if (rule.as === undefined) return undefined;
  return typeof rule.as === "string" ? CONVERSIONS[rule.as] : rule.as;
}

/** The row type of a legacy collection. */
export type LegacyRow = RowTypes[LegacyCollection];

/** A JSON value, as the helpers above pass them. */
export type { Json };
