import type { Json, JsonObject } from "./json.js";
import type { CalendarDate, Timestamp } from "./time.js";

/**
 * The stored shape of every collection: full rows, exactly as both sides of a dual write hold
 * them. The facade builds these; backends store them unchanged.
 */

/** Fields every row has. */
export interface RowBase {
  /** Lowercase UUID: v7 for new rows, v5 for rows with a natural key. */
  id: string;
  /** 1 on insert, +1 on every change (a delete is a change). */
  version: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** True for a tombstone: the row was deleted, its personal content cleared. */
  deleted: boolean;
}

/** How visible a user's content is. */
export type PrivacyLevel = "private" | "friends" | "public";

export interface UserRow extends RowBase {
  email: string;
  /** Derived: the folded email, unique among live users. */
  emailKey: string;
  displayName: string;
  /** Stored so sync copies everything; never returned by the facade unless asked for. */
  passwordHash: string | null;
  privacyLevel: PrivacyLevel;
  preferences: JsonObject;
  /** IANA time zone name. */
  timezone: string;
  active: boolean;
  lastLoginAt: Timestamp | null;
}

export interface JournalEntryRow extends RowBase {
  userId: string;
  /** The topic the entry belongs to, or null. Deleting the topic detaches the entry (sets null). */
  topicId: string | null;
  title: string;
  content: string;
  /** Derived: folded title and content, what text search matches. */
  searchText: string;
  /** 1..10, or null. */
  mood: number | null;
  /** 1..10, or null. */
  energy: number | null;
  tags: string[];
  entryDate: CalendarDate;
  favorite: boolean;
  metadata: JsonObject;
  /** Sentiment, emotions, themes: whatever the AI pipeline produced, or null. */
  aiAnalysis: JsonObject | null;
  embedding: number[] | null;
  /** Derived: the content's whitespace-separated words (`wordCountOf`); the title is not counted. */
  wordCount: number;
}

/**
 * A topic a user groups journal entries under. `entryCount` and `lastEntryAt` are stored as
 * written (an imported app's own counters); the store does not maintain them.
 */
export interface TopicRow extends RowBase {
  userId: string;
  name: string;
  description: string | null;
  /** A display colour as the app writes it (e.g. `#7aa2f7`), or null. */
  color: string | null;
  tags: string[];
  entryCount: number;
  lastEntryAt: Timestamp | null;
  metadata: JsonObject;
}

export type SessionStatus = "active" | "paused" | "completed" | "archived";

export interface ChatSessionRow extends RowBase {
  userId: string;
  title: string;
  /** What the session is for, e.g. `general`, `cbt`, `reflection`. */
  sessionType: string;
  aiConfig: JsonObject;
  status: SessionStatus;
  description: string | null;
  tags: string[];
  metadata: JsonObject;
  /** Maintained by `messages.append`: the last sequence number handed out. */
  messageCount: number;
  lastMessageAt: Timestamp | null;
}

export type MessageRole = "user" | "assistant" | "system";

export interface MessageRow extends RowBase {
  sessionId: string;
  /** The session's owner, copied on append. */
  userId: string;
  role: MessageRole;
  content: string;
  /** 1, 2, 3... within the session, unique among live messages. */
  sequence: number;
  citations: Json[];
  latencyMs: number | null;
  tokens: number | null;
  model: string | null;
  metadata: JsonObject;
}

export type EvidenceLevel = "strong" | "moderate" | "emerging" | "expert-opinion";

export interface PsychologyContentRow extends RowBase {
  title: string;
  content: string;
  /** Derived: folded title and content. */
  searchText: string;
  category: string;
  tags: string[];
  evidenceLevel: EvidenceLevel;
  source: string | null;
}

export type AnalyticsPeriod = "day" | "week" | "month";

export interface UserAnalyticsRow extends RowBase {
  userId: string;
  period: AnalyticsPeriod;
  /** First day of the period (Monday for weeks, the 1st for months). */
  periodStart: CalendarDate;
  entryCount: number;
  averageMood: number | null;
  wordCount: number;
  topTags: string[];
  /** Consecutive days with entries, ending at the period's last entry day. */
  streak: number;
}

export type MigrationStatus = "running" | "completed" | "failed";

export interface MigrationLogRow extends RowBase {
  runId: string;
  /** `backfill`, `compare`, `repair`, ... */
  operation: string;
  collection: string | null;
  status: MigrationStatus;
  counts: JsonObject;
  checkpoint: Json | null;
  divergencesFound: number;
  divergencesRepaired: number;
  startedAt: Timestamp;
  finishedAt: Timestamp | null;
  durationMs: number | null;
  error: string | null;
}

/** Row type of each collection, by collection name. */
export interface RowTypes {
  users: UserRow;
  topics: TopicRow;
  journalEntries: JournalEntryRow;
  chatSessions: ChatSessionRow;
  messages: MessageRow;
  psychologyContent: PsychologyContentRow;
  userAnalytics: UserAnalyticsRow;
  migrationLogs: MigrationLogRow;
}

/** A collection name. */
export type CollectionName = keyof RowTypes;

/** Any row of any collection. */
export type AnyRow = RowTypes[CollectionName];
