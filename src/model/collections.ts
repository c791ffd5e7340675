import { ValidationError } from "../errors.js";
import type { AnyRow, CollectionName, RowTypes } from "./rows.js";
import { searchTextOf } from "./text.js";
import { copyData } from "./json.js";

/**
 * What a backend needs to know about each collection, beyond row shapes: field kinds (for
 * column types and filter checks), owners (integrity and cascades), unique keys among live rows,
 * the fields a query may order by, and what a tombstone clears. Every backend reads these
 * specs, so the integrity rules are written once.
 */

/** The kind of value a field holds. Kinds ending in `?` in docs are nullable (`nullable: true`). */
export type FieldKind =
  | "uuid"
  | "text"
  | "integer"
  | "number"
  | "boolean"
  | "timestamp"
  | "date"
  | "json"
  | "textArray"
  | "numberArray";

/** One field of a collection. */
export interface FieldSpec {
  /** What the field holds. */
  kind: FieldKind;
  /** True when the field may be null. */
  nullable?: boolean;
}

/** A row field that must name a live row of another collection. */
export interface OwnerSpec {
  /** The row field holding the owner's id. */
  field: string;
  /** The owner's collection. */
  collection: CollectionName;
  /**
   * The field may be null (no owner). Deleting the owner then detaches its live rows (the field
   * becomes null, a new version) instead of deleting them.
   */
  optional?: boolean;
}

/** A unique key among live rows, over one or more non-null fields. */
export interface UniqueKeySpec {
  /** Stable key name, reported in conflicts (e.g. `emailKey`). */
  name: string;
  /** The fields of the key, in order. */
  fields: readonly string[];
}

/**
 * A field computed from other fields of the same row (PostgreSQL stores it to index it). A
 * backend that holds rows in memory may leave it out while it equals `compute(row)`, and
 * recompute it on read. It is never sortable, indexed, unique or an owner.
 */
export interface DerivedFieldSpec {
  /** The derived field's name. */
  field: string;
  /** The derivation; undefined when the row's inputs are not what it expects. */
  compute: (row: Readonly<Record<string, unknown>>) => unknown;
}

/** `searchText` from `title` and `content`, as the facade derives it. */
const searchTextField: DerivedFieldSpec = {
  field: "searchText",
  compute: (row) => (typeof row.title === "string" && typeof row.content === "string" ? searchTextOf(row.title, row.content) : undefined),
};

/** Everything the contract says about one collection. */
export interface CollectionSpec<C extends CollectionName = CollectionName> {
  /** The collection's name. */
  name: C;
  /** Every field of the row, with its kind. */
  fields: Readonly<Record<keyof RowTypes[C] & string, FieldSpec>>;
  /** The fields that name owning rows (integrity checks and cascading deletes). */
  owners: readonly OwnerSpec[];
  /** The unique keys among live rows. */
  uniqueKeys: readonly UniqueKeySpec[];
  /** Fields a query may order by: non-null times, numbers, dates (always tie-broken by id). */
  sortable: readonly (keyof RowTypes[C] & string)[];
  /** Fields a backend should index for equality filters (owners are always indexed). */
  indexed: readonly (keyof RowTypes[C] & string)[];
  /** Fields a tombstone resets, with the value it resets them to. */
  cleared: Readonly<Partial<RowTypes[C]>>;
  /** Fields derived from others of the row (see {@link DerivedFieldSpec}). */
  derived: readonly DerivedFieldSpec[];
  /** Operational records of each store: never replicated, never compared. */
  local?: boolean;
}

const base = {
  id: { kind: "uuid" },
  version: { kind: "integer" },
  createdAt: { kind: "timestamp" },
  updatedAt: { kind: "timestamp" },
  deleted: { kind: "boolean" },
} as const satisfies Record<string, FieldSpec>;

const users: CollectionSpec<"users"> = {
  name: "users",
  fields: {
    ...base,
    email: { kind: "text" },
    emailKey: { kind: "text" },
    displayName: { kind: "text" },
    passwordHash: { kind: "text", nullable: true },
    privacyLevel: { kind: "text" },
    preferences: { kind: "json" },
    timezone: { kind: "text" },
    active: { kind: "boolean" },
    lastLoginAt: { kind: "timestamp", nullable: true },
  },
  owners: [],
  uniqueKeys: [{ name: "emailKey", fields: ["emailKey"] }],
  sortable: ["createdAt", "updatedAt"],
  indexed: ["emailKey"],
  cleared: { email: "", emailKey: "", displayName: "", passwordHash: null, preferences: {}, lastLoginAt: null },
  derived: [],
};

const topics: CollectionSpec<"topics"> = {
  name: "topics",
  fields: {
    ...base,
    userId: { kind: "uuid" },
    name: { kind: "text" },
    description: { kind: "text", nullable: true },
    color: { kind: "text", nullable: true },
    tags: { kind: "textArray" },
    entryCount: { kind: "integer" },
    lastEntryAt: { kind: "timestamp", nullable: true },
    metadata: { kind: "json" },
  },
  owners: [{ field: "userId", collection: "users" }],
  uniqueKeys: [],
  sortable: ["createdAt", "updatedAt"],
  indexed: [],
  cleared: { name: "", description: null, color: null, tags: [], metadata: {} },
  derived: [],
};

const journalEntries: CollectionSpec<"journalEntries"> = {
  name: "journalEntries",
  fields: {
    ...base,
    userId: { kind: "uuid" },
    topicId: { kind: "uuid", nullable: true },
    title: { kind: "text" },
    content: { kind: "text" },
    searchText: { kind: "text" },
    mood: { kind: "integer", nullable: true },
    energy: { kind: "integer", nullable: true },
    tags: { kind: "textArray" },
    entryDate: { kind: "date" },
    favorite: { kind: "boolean" },
    metadata: { kind: "json" },
    aiAnalysis: { kind: "json", nullable: true },
    embedding: { kind: "numberArray", nullable: true },
    wordCount: { kind: "integer" },
  },
  owners: [
    { field: "userId", collection: "users" },
    { field: "topicId", collection: "topics", optional: true },
  ],
  uniqueKeys: [],
  sortable: ["entryDate", "createdAt", "updatedAt", "wordCount"],
  indexed: [],
  cleared: {
    title: "",
    content: "",
    searchText: "",
    mood: null,
    energy: null,
    tags: [],
    metadata: {},
    aiAnalysis: null,
    embedding: null,
    wordCount: 0,
  },
  derived: [searchTextField],
};

const chatSessions: CollectionSpec<"chatSessions"> = {
  name: "chatSessions",
  fields: {
    ...base,
    userId: { kind: "uuid" },
    title: { kind: "text" },
    sessionType: { kind: "text" },
    aiConfig: { kind: "json" },
    status: { kind: "text" },
    description: { kind: "text", nullable: true },
    tags: { kind: "textArray" },
    metadata: { kind: "json" },
    messageCount: { kind: "integer" },
    lastMessageAt: { kind: "timestamp", nullable: true },
  },
  owners: [{ field: "userId", collection: "users" }],
  uniqueKeys: [],
  sortable: ["createdAt", "updatedAt"],
  indexed: [],
  cleared: { title: "", aiConfig: {}, description: null, tags: [], metadata: {} },
  derived: [],
};

const messages: CollectionSpec<"messages"> = {
  name: "messages",
  fields: {
    ...base,
    sessionId: { kind: "uuid" },
    userId: { kind: "uuid" },
    role: { kind: "text" },
    content: { kind: "text" },
    sequence: { kind: "integer" },
    citations: { kind: "json" },
    latencyMs: { kind: "integer", nullable: true },
    tokens: { kind: "integer", nullable: true },
    model: { kind: "text", nullable: true },
    metadata: { kind: "json" },
  },
  owners: [
    { field: "sessionId", collection: "chatSessions" },
    { field: "userId", collection: "users" },
  ],
  uniqueKeys: [{ name: "sessionSequence", fields: ["sessionId", "sequence"] }],
  sortable: ["sequence", "createdAt"],
  indexed: [],
  cleared: { content: "", citations: [], metadata: {} },
  derived: [],
};

const psychologyContent: CollectionSpec<"psychologyContent"> = {
  name: "psychologyContent",
  fields: {
    ...base,
    title: { kind: "text" },
    content: { kind: "text" },
    searchText: { kind: "text" },
    category: { kind: "text" },
    tags: { kind: "textArray" },
    evidenceLevel: { kind: "text" },
    source: { kind: "text", nullable: true },
  },
  owners: [],
  uniqueKeys: [],
  sortable: ["createdAt", "updatedAt"],
  indexed: ["category"],
  cleared: {},
  derived: [searchTextField],
};

const userAnalytics: CollectionSpec<"userAnalytics"> = {
  name: "userAnalytics",
  fields: {
    ...base,
    userId: { kind: "uuid" },
    period: { kind: "text" },
    periodStart: { kind: "date" },
    entryCount: { kind: "integer" },
    averageMood: { kind: "number", nullable: true },
    wordCount: { kind: "integer" },
    topTags: { kind: "textArray" },
    streak: { kind: "integer" },
  },
  owners: [{ field: "userId", collection: "users" }],
  uniqueKeys: [{ name: "userPeriod", fields: ["userId", "period", "periodStart"] }],
  sortable: ["periodStart", "createdAt"],
  indexed: [],
  cleared: { topTags: [] },
  derived: [],
};

const migrationLogs: CollectionSpec<"migrationLogs"> = {
  name: "migrationLogs",
  fields: {
    ...base,
    runId: { kind: "text" },
    operation: { kind: "text" },
    collection: { kind: "text", nullable: true },
    status: { kind: "text" },
    counts: { kind: "json" },
    checkpoint: { kind: "json", nullable: true },
    divergencesFound: { kind: "integer" },
    divergencesRepaired: { kind: "integer" },
    startedAt: { kind: "timestamp" },
    finishedAt: { kind: "timestamp", nullable: true },
    durationMs: { kind: "integer", nullable: true },
    error: { kind: "text", nullable: true },
  },
  owners: [],
  uniqueKeys: [],
  sortable: ["startedAt", "createdAt"],
  indexed: ["runId"],
  cleared: {},
  derived: [],
  local: true,
};

/** Every collection's spec, by name, in owner-before-owned order. */
export const COLLECTIONS: { readonly [C in CollectionName]: CollectionSpec<C> } = {
  users,
  topics,
  journalEntries,
  chatSessions,
  messages,
  psychologyContent,
  userAnalytics,
  migrationLogs,
};

/** Collection names with owners before what they own (backfill order; purge runs it reversed). */
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as CollectionName[];

/** Collections that replicate (dual write, backfill, compare): all but each store's own operational records. */
export const REPLICATED_COLLECTIONS: readonly CollectionName[] = COLLECTION_NAMES.filter((c) => !COLLECTIONS[c].local);

/** The spec of one collection (loosely typed, for code generic over collections). */
export function specOf(collection: CollectionName): CollectionSpec {
  return COLLECTIONS[collection] as unknown as CollectionSpec;
}

/** True when `name` is a collection of the contract. */
export function isCollectionName(name: unknown): name is CollectionName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(COLLECTIONS, name);
}

/**
 * Throws a ValidationError naming `name` (issue "unknown collection") unless it is a collection
 * of the contract. Every backend calls it first in every read and write that names a collection,
 * in and out of transactions, so a typo or a prototype name (`constructor`) is refused the same
 * way everywhere instead of reaching a table lookup (suite `collections`).
 */
export function checkCollection(name: unknown): asserts name is CollectionName {
  if (!isCollectionName(name)) throw new ValidationError(String(name), [{ path: "", message: "unknown collection" }]);
}

/**
 * The collections that own rows of `collection`'s kind: [(child collection, owner field, whether
 * the reference is optional, so a delete detaches instead of cascading)].
 */
export function childrenOf(collection: CollectionName): { collection: CollectionName; field: string; optional: boolean }[] {
  const out: { collection: CollectionName; field: string; optional: boolean }[] = [];
  for (const name of COLLECTION_NAMES) {
    for (const owner of specOf(name).owners) {
      if (owner.collection === collection) out.push({ collection: name, field: owner.field, optional: owner.optional === true });
    }
  }
  return out;
}

/** The tombstone of `row`: same id, owner ids and createdAt; version + 1; personal content cleared. */
export function tombstoneOf<R extends AnyRow>(collection: CollectionName, row: R, updatedAt: string): R {
  const cleared = specOf(collection).cleared as Partial<R>;
  return { ...row, ...copyData(cleared), version: row.version + 1, updatedAt, deleted: true };
}
