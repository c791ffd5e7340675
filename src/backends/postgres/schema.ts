import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { Json, JsonObject } from "../../model/json.js";

/**
 * The PostgreSQL schema of @journal/store, as Drizzle tables. drizzle-kit generates the shipped
 * migrations (`drizzle/`) from this file, so it imports `drizzle-orm/pg-core` only.
 *
 * - Every table lives in the `journal_store` schema, so it never collides with the host app's.
 * - Tombstones are rows (`deleted = true`); unique keys hold among live rows only, as partial
 *   unique indexes.
 * - `change_seq` comes from one sequence and is set by the backend's SQL on every write.
 * - Timestamps are `timestamptz(3)` without server-side defaults: the facade sets every instant.
 * - TypeScript keys equal the row field names of `model/rows.ts`; columns are snake_case.
 */

/** The PostgreSQL schema that holds every table of the package. */
export const journalStore = pgSchema("journal_store");

/** One sequence for every table's `change_seq`, so a value orders writes across the backend. */
export const changeSeq = journalStore.sequence("change_seq");

/**
 * Storage parameters of the GIN indexes written on every insert: no pending list (see
 * docs/postgres.md, Indexes). The value is the text `"false"`, not a boolean: PostgreSQL reports
 * `reloptions` as text, and drizzle-kit push compares it with the schema's value as is, so a
 * boolean made every push plan to drop and rebuild these indexes (drizzle-orm issue 6079).
 */
const GIN_WRITE_THROUGH = { fastupdate: "false" } as const;

const instant = (name: string) => timestamp(name, { precision: 3, withTimezone: true, mode: "string" });

/** Columns every row has. */
const base = () => ({
  /** `id`: the row id (lowercase UUID), the primary key. */
  id: uuid("id").primaryKey(),
  /** `version`: 1 on insert, +1 on every change. */
  version: integer("version").notNull(),
  /** `created_at`: when the row was inserted. */
  createdAt: instant("created_at").notNull(),
  /** `updated_at`: when the row last changed. */
  updatedAt: instant("updated_at").notNull(),
  /** `deleted`: true for a tombstone. */
  deleted: boolean("deleted").notNull(),
  /** `change_seq`: the value of the `change_seq` sequence at the row's last write, for change feeds. */
  changeSeq: bigint("change_seq", { mode: "number" }).notNull(),
});

/** Users; `email_key` (the folded email) is unique among live users. */
export const users = journalStore.table(
  "users",
  {
    ...base(),
    /** `email`: the email address as typed. */
    email: text("email").notNull(),
    /** `email_key`: the folded email, unique among live users. */
    emailKey: text("email_key").notNull(),
    /** `display_name`: the name the app shows. */
    displayName: text("display_name").notNull(),
    /** `password_hash`: the password hash, or null. */
    passwordHash: text("password_hash"),
    /** `privacy_level`: `private`, `friends` or `public`. */
    privacyLevel: text("privacy_level").notNull(),
    /** `preferences`: app settings (JSON object). */
    preferences: jsonb("preferences").$type<JsonObject>().notNull(),
    /** `timezone`: IANA time zone name. */
    timezone: text("timezone").notNull(),
    /** `active`: false for a deactivated account. */
    active: boolean("active").notNull(),
    /** `last_login_at`: the last sign-in, or null. */
    lastLoginAt: instant("last_login_at"),
  },
  (t) => [
    uniqueIndex("users_email_key_live").on(t.emailKey).where(sql`deleted = false`),
    index("users_created_at_id").on(t.createdAt, t.id),
    index("users_updated_at_id").on(t.updatedAt, t.id),
    index("users_change_seq").on(t.changeSeq),
  ],
);

/** Topics a user groups entries under. */
export const topics = journalStore.table(
  "topics",
  {
    ...base(),
    /** `user_id`: the owning user. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** `name`: the topic name, unique per user among live topics. */
    name: text("name").notNull(),
    /** `description`: a longer description, or null. */
    description: text("description"),
    /** `color`: a display colour, or null. */
    color: text("color"),
    /** `tags`: free-form labels. */
    tags: text("tags").array().notNull(),
    /** `entry_count`: the number of entries. */
    entryCount: integer("entry_count").notNull(),
    /** `last_entry_at`: the newest entry's time, or null. */
    lastEntryAt: instant("last_entry_at"),
    /** `metadata`: free-form app data (JSON object). */
    metadata: jsonb("metadata").$type<JsonObject>().notNull(),
  },
  (t) => [
    index("topics_user_created_at_id").on(t.userId, t.createdAt, t.id),
    index("topics_user_updated_at_id").on(t.userId, t.updatedAt, t.id),
    index("topics_change_seq").on(t.changeSeq),
  ],
);

/** Journal entries of a user; searched through `search_text` and tags. */
export const journalEntries = journalStore.table(
  "journal_entries",
  {
    ...base(),
    /** `user_id`: the owning user. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** `topic_id`: the entry's topic, or null. */
    topicId: uuid("topic_id").references(() => topics.id),
    /** `title`: the title. */
    title: text("title").notNull(),
    /** `content`: the text. */
    content: text("content").notNull(),
    /** `search_text`: folded title and content, what text search matches. */
    searchText: text("search_text").notNull(),
    /** `mood`: 1..10, or null. */
    mood: integer("mood"),
    /** `energy`: 1..10, or null. */
    energy: integer("energy"),
    /** `tags`: free-form labels. */
    tags: text("tags").array().notNull(),
    /** `entry_date`: the calendar day the entry is about. */
    entryDate: date("entry_date", { mode: "string" }).notNull(),
    /** `favorite`: true when starred. */
    favorite: boolean("favorite").notNull(),
    /** `metadata`: free-form app data (JSON object). */
    metadata: jsonb("metadata").$type<JsonObject>().notNull(),
    /** `ai_analysis`: the AI pipeline's analysis, or null. */
    aiAnalysis: jsonb("ai_analysis").$type<JsonObject>(),
    /** `embedding`: the content's vector embedding, or null. */
    embedding: doublePrecision("embedding").array(),
    /** `word_count`: the number of words. */
    wordCount: integer("word_count").notNull(),
  },
  (t) => [
    index("journal_entries_user_entry_date_id").on(t.userId, t.entryDate, t.id),
    index("journal_entries_user_created_at_id").on(t.userId, t.createdAt, t.id),
    index("journal_entries_user_updated_at_id").on(t.userId, t.updatedAt, t.id),
    index("journal_entries_tags").using("gin", t.tags).with(GIN_WRITE_THROUGH),
    index("journal_entries_search_text_trgm").using("gin", t.searchText.op("gin_trgm_ops")).with(GIN_WRITE_THROUGH),
    index("journal_entries_change_seq").on(t.changeSeq),
    index("journal_entries_topic_entry_date_id").on(t.topicId, t.entryDate, t.id),
  ],
);

/** AI chat sessions of a user. */
export const chatSessions = journalStore.table(
  "chat_sessions",
  {
    ...base(),
    /** `user_id`: the owning user. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** `title`: the title. */
    title: text("title").notNull(),
    /** `session_type`: what the session is for. */
    sessionType: text("session_type").notNull(),
    /** `ai_config`: model and prompt settings (JSON object). */
    aiConfig: jsonb("ai_config").$type<JsonObject>().notNull(),
    /** `status`: the life-cycle status. */
    status: text("status").notNull(),
    /** `description`: a longer description, or null. */
    description: text("description"),
    /** `tags`: free-form labels. */
    tags: text("tags").array().notNull(),
    /** `metadata`: free-form app data (JSON object). */
    metadata: jsonb("metadata").$type<JsonObject>().notNull(),
    /** `message_count`: the last message sequence number handed out. */
    messageCount: integer("message_count").notNull(),
    /** `last_message_at`: when the last message was appended, or null. */
    lastMessageAt: instant("last_message_at"),
  },
  (t) => [
    index("chat_sessions_user_created_at_id").on(t.userId, t.createdAt, t.id),
    index("chat_sessions_user_updated_at_id").on(t.userId, t.updatedAt, t.id),
    index("chat_sessions_change_seq").on(t.changeSeq),
  ],
);

/** Messages of a chat session; (session, sequence) is unique among live messages. */
export const messages = journalStore.table(
  "messages",
  {
    ...base(),
    /** `session_id`: the chat session. */
    sessionId: uuid("session_id")
      .notNull()
      .references(() => chatSessions.id),
    /** `user_id`: the owning user. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** `role`: `user`, `assistant` or `system`. */
    role: text("role").notNull(),
    /** `content`: the text. */
    content: text("content").notNull(),
    /** `sequence`: 1, 2, 3... within the session. */
    sequence: integer("sequence").notNull(),
    /** `citations`: sources the assistant cited (JSON array). */
    citations: jsonb("citations").$type<Json[]>().notNull(),
    /** `latency_ms`: the model's answer time in ms, or null. */
    latencyMs: integer("latency_ms"),
    /** `tokens`: tokens used, or null. */
    tokens: integer("tokens"),
    /** `model`: the model that wrote the message, or null. */
    model: text("model"),
    /** `metadata`: free-form app data (JSON object). */
    metadata: jsonb("metadata").$type<JsonObject>().notNull(),
  },
  (t) => [
    uniqueIndex("messages_session_sequence_live").on(t.sessionId, t.sequence).where(sql`deleted = false`),
    index("messages_session_sequence_id").on(t.sessionId, t.sequence, t.id),
    index("messages_session_created_at_id").on(t.sessionId, t.createdAt, t.id),
    index("messages_user_id").on(t.userId),
    index("messages_change_seq").on(t.changeSeq),
  ],
);

/** The psychology content library, browsed by category and searched like entries. */
export const psychologyContent = journalStore.table(
  "psychology_content",
  {
    ...base(),
    /** `title`: the title. */
    title: text("title").notNull(),
    /** `content`: the text. */
    content: text("content").notNull(),
    /** `search_text`: folded title and content, what text search matches. */
    searchText: text("search_text").notNull(),
    /** `category`: the content category. */
    category: text("category").notNull(),
    /** `tags`: free-form labels. */
    tags: text("tags").array().notNull(),
    /** `evidence_level`: how well research supports the content. */
    evidenceLevel: text("evidence_level").notNull(),
    /** `source`: where the content comes from, or null. */
    source: text("source"),
  },
  (t) => [
    index("psychology_content_category_created_at_id").on(t.category, t.createdAt, t.id),
    index("psychology_content_created_at_id").on(t.createdAt, t.id),
    index("psychology_content_tags").using("gin", t.tags).with(GIN_WRITE_THROUGH),
    index("psychology_content_search_text_trgm").using("gin", t.searchText.op("gin_trgm_ops")).with(GIN_WRITE_THROUGH),
    index("psychology_content_change_seq").on(t.changeSeq),
  ],
);

/** Per-user analytics; (user, period, period start) is unique among live rows. */
export const userAnalytics = journalStore.table(
  "user_analytics",
  {
    ...base(),
    /** `user_id`: the owning user. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** `period`: `day`, `week` or `month`. */
    period: text("period").notNull(),
    /** `period_start`: the first day of the period. */
    periodStart: date("period_start", { mode: "string" }).notNull(),
    /** `entry_count`: the number of entries. */
    entryCount: integer("entry_count").notNull(),
    /** `average_mood`: mean mood of entries with one, or null. */
    averageMood: doublePrecision("average_mood"),
    /** `word_count`: the number of words. */
    wordCount: integer("word_count").notNull(),
    /** `top_tags`: the most used tags. */
    topTags: text("top_tags").array().notNull(),
    /** `streak`: consecutive days with entries. */
    streak: integer("streak").notNull(),
  },
  (t) => [
    uniqueIndex("user_analytics_user_period_live")
      .on(t.userId, t.period, t.periodStart)
      .where(sql`deleted = false`),
    index("user_analytics_user_period_start_id").on(t.userId, t.period, t.periodStart, t.id),
    index("user_analytics_user_created_at_id").on(t.userId, t.createdAt, t.id),
    index("user_analytics_change_seq").on(t.changeSeq),
  ],
);

/** Sync runs (backfill, compare, repair) of this store: operational, never replicated. */
export const migrationLogs = journalStore.table(
  "migration_logs",
  {
    ...base(),
    /** `run_id`: the run the step belongs to. */
    runId: text("run_id").notNull(),
    /** `operation`: `backfill`, `compare`, `repair`, .... */
    operation: text("operation").notNull(),
    /** `collection`: the collection worked on, or null. */
    collection: text("collection"),
    /** `status`: the life-cycle status. */
    status: text("status").notNull(),
    /** `counts`: per-operation counters (JSON object). */
    counts: jsonb("counts").$type<JsonObject>().notNull(),
    /** `checkpoint`: where to resume, or null. */
    checkpoint: jsonb("checkpoint").$type<Json>(),
    /** `divergences_found`: rows found different. */
    divergencesFound: integer("divergences_found").notNull(),
    /** `divergences_repaired`: rows repaired. */
    divergencesRepaired: integer("divergences_repaired").notNull(),
    /** `started_at`: when the step started. */
    startedAt: instant("started_at").notNull(),
    /** `finished_at`: when the step finished, or null. */
    finishedAt: instant("finished_at"),
    /** `duration_ms`: how long the step took in ms, or null. */
    durationMs: bigint("duration_ms", { mode: "number" }),
    /** `error`: why the step failed, or null. */
    error: text("error"),
  },
  (t) => [
    index("migration_logs_run_id_started_at_id").on(t.runId, t.startedAt, t.id),
    index("migration_logs_started_at_id").on(t.startedAt, t.id),
    index("migration_logs_created_at_id").on(t.createdAt, t.id),
    index("migration_logs_change_seq").on(t.changeSeq),
  ],
);
