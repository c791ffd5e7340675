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
  /** When the row was inserted (set by the facade's clock). */
  createdAt: Timestamp;
  /** When the row last changed; equals `createdAt` until the first update. */
  updatedAt: Timestamp;
  /** True for a tombstone: the row was deleted, its personal content cleared. */
  deleted: boolean;
}

/** How visible a user's content is. */
export type PrivacyLevel = "private" | "friends" | "public";

/** A user account: the owner of every entry, topic, session and analytics row. */
export interface UserRow extends RowBase {
  /** The email address as the user typed it (trimmed). */
  email: string;
  /** Derived: the folded email, unique among live users. */
  emailKey: string;
  /** The name the app shows for the user. */
  displayName: string;
  /** Stored so sync copies everything; never returned by the facade unless asked for. */
  passwordHash: string | null;
  /** Who may see the user's content. */
  privacyLevel: PrivacyLevel;
  /** Free-form app settings (theme, reminders, ...). */
  preferences: JsonObject;
  /** IANA time zone name. */
  timezone: string;
  /** False for a deactivated account; the row stays. */
  active: boolean;
  /** The last successful sign-in, or null if never. */
  lastLoginAt: Timestamp | null;
}

/** A journal entry: what a user wrote on a day, with mood, tags and optional AI analysis. */
export interface JournalEntryRow extends RowBase {
  /** The owning user's id. */
  userId: string;
  /** The topic the entry belongs to, or null. Deleting the topic detaches the entry (sets null). */
  topicId: string | null;
  /** The entry's title; may be empty. */
  title: string;
  /** The entry's text. */
  content: string;
  /** Derived: folded title and content, what text search matches. */
  searchText: string;
  /** 1..10, or null. */
  mood: number | null;
  /** 1..10, or null. */
  energy: number | null;
  /** Free-form labels, in the order written. */
  tags: string[];
  /** The day the entry is about (the user's calendar day), not when it was saved. */
  entryDate: CalendarDate;
  /** True when the user starred the entry. */
  favorite: boolean;
  /** Free-form app data attached to the entry. */
  metadata: JsonObject;
  /** Sentiment, emotions, themes: whatever the AI pipeline produced, or null. */
  aiAnalysis: JsonObject | null;
  /** A vector embedding of the content for similarity search, or null. */
  embedding: number[] | null;
  /** Derived: the content's whitespace-separated words (`wordCountOf`); the title is not counted. */
  wordCount: number;
}

/**
 * A topic a user groups journal entries under. `entryCount` and `lastEntryAt` are stored as
 * written (an imported app's own counters); the store does not maintain them.
 */
export interface TopicRow extends RowBase {
  /** The owning user's id. */
  userId: string;
  /** The topic's name, unique per user among live topics. */
  name: string;
  /** A longer description, or null. */
  description: string | null;
  /** A display colour as the app writes it (e.g. `#7aa2f7`), or null. */
  color: string | null;
  /** Free-form labels. */
  tags: string[];
  /** The number of entries as the app last counted them (not maintained by the store). */
  entryCount: number;
  /** The newest entry's time as the app last recorded it, or null. */
  lastEntryAt: Timestamp | null;
  /** Free-form app data. */
  metadata: JsonObject;
}

/** Where a chat session is in its life cycle. */
export type SessionStatus = "active" | "paused" | "completed" | "archived";

/** A conversation between a user and the AI assistant. */
export interface ChatSessionRow extends RowBase {
  /** The owning user's id. */
  userId: string;
  /** The session's title. */
  title: string;
  /** What the session is for, e.g. `general`, `cbt`, `reflection`. */
  sessionType: string;
  /** Model and prompt settings the app ran the session with. */
  aiConfig: JsonObject;
  /** Where the session is in its life cycle. */
  status: SessionStatus;
  /** A longer description, or null. */
  description: string | null;
  /** Free-form labels. */
  tags: string[];
  /** Free-form app data. */
  metadata: JsonObject;
  /** Maintained by `messages.append`: the last sequence number handed out. */
  messageCount: number;
  /** When the last message was appended, or null. */
  lastMessageAt: Timestamp | null;
}

/** Who wrote a message. */
export type MessageRole = "user" | "assistant" | "system";

/** One message of a chat session. */
export interface MessageRow extends RowBase {
  /** The session the message belongs to. */
  sessionId: string;
  /** The session's owner, copied on append. */
  userId: string;
  /** Who wrote the message. */
  role: MessageRole;
  /** The message text. */
  content: string;
  /** 1, 2, 3... within the session, unique among live messages. */
  sequence: number;
  /** Sources the assistant cited, as the app stores them. */
  citations: Json[];
  /** How long the model took to answer, in milliseconds, or null. */
  latencyMs: number | null;
  /** Tokens the model used, or null. */
  tokens: number | null;
  /** The model that wrote the message, or null. */
  model: string | null;
  /** Free-form app data. */
  metadata: JsonObject;
}

/** How well research supports a piece of psychology content. */
export type EvidenceLevel = "strong" | "moderate" | "emerging" | "expert-opinion";

/** A psychology article or exercise the app shows to users (not owned by a user). */
export interface PsychologyContentRow extends RowBase {
  /** The content's title. */
  title: string;
  /** The content's text. */
  content: string;
  /** Derived: folded title and content. */
  searchText: string;
  /** The content's category, e.g. `anxiety`. */
  category: string;
  /** Free-form labels. */
  tags: string[];
  /** How well research supports the content. */
  evidenceLevel: EvidenceLevel;
  /** Where the content comes from (a citation or URL), or null. */
  source: string | null;
}

/** The length of an analytics period. */
export type AnalyticsPeriod = "day" | "week" | "month";

/** A user's writing statistics for one day, week or month. */
export interface UserAnalyticsRow extends RowBase {
  /** The user the statistics are about. */
  userId: string;
  /** The period's length. */
  period: AnalyticsPeriod;
  /** First day of the period (Monday for weeks, the 1st for months). */
  periodStart: CalendarDate;
  /** Entries written in the period. */
  entryCount: number;
  /** The mean mood of entries with a mood, or null when none had one. */
  averageMood: number | null;
  /** Words written in the period. */
  wordCount: number;
  /** The most used tags, most frequent first. */
  topTags: string[];
  /** Consecutive days with entries, ending at the period's last entry day. */
  streak: number;
}

/** Where a migration run is. */
export type MigrationStatus = "running" | "completed" | "failed";

/** One step of a migration run (backfill, compare, repair), as the sync tools log it. */
export interface MigrationLogRow extends RowBase {
  /** The run this step belongs to; one run logs several rows. */
  runId: string;
  /** `backfill`, `compare`, `repair`, ... */
  operation: string;
  /** The collection the step worked on, or null for a whole-run row. */
  collection: string | null;
  /** Where the step is. */
  status: MigrationStatus;
  /** Per-operation counters (read, written, skipped, ...). */
  counts: JsonObject;
  /** Where to resume, or null when the step finished. */
  checkpoint: Json | null;
  /** Rows found different between the two sides. */
  divergencesFound: number;
  /** Of those, rows the step repaired. */
  divergencesRepaired: number;
  /** When the step started. */
  startedAt: Timestamp;
  /** When the step finished, or null while running. */
  finishedAt: Timestamp | null;
  /** How long the step took, or null while running. */
  durationMs: number | null;
  /** Why the step failed, or null. */
  error: string | null;
}

/** Row type of each collection, by collection name. */
export interface RowTypes {
  /** Users. */
  users: UserRow;
  /** Topics. */
  topics: TopicRow;
  /** Journal entries. */
  journalEntries: JournalEntryRow;
  /** Chat sessions. */
  chatSessions: ChatSessionRow;
  /** Chat messages. */
  messages: MessageRow;
  /** Psychology content. */
  psychologyContent: PsychologyContentRow;
  /** Per-user analytics. */
  userAnalytics: UserAnalyticsRow;
  /** The sync tools' own log. */
  migrationLogs: MigrationLogRow;
}

/** A collection name. */
export type CollectionName = keyof RowTypes;

/** Any row of any collection. */
export type AnyRow = RowTypes[CollectionName];
