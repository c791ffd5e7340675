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
  id: uuid("id").primaryKey(),
  version: integer("version").notNull(),
  createdAt: instant("created_at").notNull(),
  updatedAt: instant("updated_at").notNull(),
  deleted: boolean("deleted").notNull(),
  changeSeq: bigint("change_seq", { mode: "number" }).notNull(),
});

/** Users; `email_key` (the folded email) is unique among live users. */
export const users = journalStore.table(
  "users",
  {
    ...base(),
    email: text("email").notNull(),
    emailKey: text("email_key").notNull(),
    displayName: text("display_name").notNull(),
    passwordHash: text("password_hash"),
    privacyLevel: text("privacy_level").notNull(),
    preferences: jsonb("preferences").$type<JsonObject>().notNull(),
    timezone: text("timezone").notNull(),
    active: boolean("active").notNull(),
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
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    description: text("description"),
    color: text("color"),
    tags: text("tags").array().notNull(),
    entryCount: integer("entry_count").notNull(),
    lastEntryAt: instant("last_entry_at"),
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
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    topicId: uuid("topic_id").references(() => topics.id),
    title: text("title").notNull(),
    content: text("content").notNull(),
    searchText: text("search_text").notNull(),
    mood: integer("mood"),
    energy: integer("energy"),
    tags: text("tags").array().notNull(),
    entryDate: date("entry_date", { mode: "string" }).notNull(),
    favorite: boolean("favorite").notNull(),
    metadata: jsonb("metadata").$type<JsonObject>().notNull(),
    aiAnalysis: jsonb("ai_analysis").$type<JsonObject>(),
    embedding: doublePrecision("embedding").array(),
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
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    sessionType: text("session_type").notNull(),
    aiConfig: jsonb("ai_config").$type<JsonObject>().notNull(),
    status: text("status").notNull(),
    description: text("description"),
    tags: text("tags").array().notNull(),
    metadata: jsonb("metadata").$type<JsonObject>().notNull(),
    messageCount: integer("message_count").notNull(),
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
    sessionId: uuid("session_id")
      .notNull()
      .references(() => chatSessions.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role").notNull(),
    content: text("content").notNull(),
    sequence: integer("sequence").notNull(),
    citations: jsonb("citations").$type<Json[]>().notNull(),
    latencyMs: integer("latency_ms"),
    tokens: integer("tokens"),
    model: text("model"),
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
    title: text("title").notNull(),
    content: text("content").notNull(),
    searchText: text("search_text").notNull(),
    category: text("category").notNull(),
    tags: text("tags").array().notNull(),
    evidenceLevel: text("evidence_level").notNull(),
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
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    period: text("period").notNull(),
    periodStart: date("period_start", { mode: "string" }).notNull(),
    entryCount: integer("entry_count").notNull(),
    averageMood: doublePrecision("average_mood"),
    wordCount: integer("word_count").notNull(),
    topTags: text("top_tags").array().notNull(),
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
    runId: text("run_id").notNull(),
    operation: text("operation").notNull(),
    collection: text("collection"),
    status: text("status").notNull(),
    counts: jsonb("counts").$type<JsonObject>().notNull(),
    checkpoint: jsonb("checkpoint").$type<Json>(),
    divergencesFound: integer("divergences_found").notNull(),
    divergencesRepaired: integer("divergences_repaired").notNull(),
    startedAt: instant("started_at").notNull(),
    finishedAt: instant("finished_at"),
    durationMs: bigint("duration_ms", { mode: "number" }),
    error: text("error"),
  },
  (t) => [
    index("migration_logs_run_id_started_at_id").on(t.runId, t.startedAt, t.id),
    index("migration_logs_started_at_id").on(t.startedAt, t.id),
    index("migration_logs_created_at_id").on(t.createdAt, t.id),
    index("migration_logs_change_seq").on(t.changeSeq),
  ],
);
