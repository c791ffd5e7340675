/**
 * @journal/store: typed storage for a journaling app, with in-memory, JSON-file and PostgreSQL
 * backends behind one contract. PostgreSQL lives in `@journal/store/postgres`, the conformance
 * suite in `@journal/store/testing`, so this entry loads neither `pg` nor a test runner
 * (`createStoreFromEnv` imports PostgreSQL dynamically, only for a stage that uses it).
 */
export { createStore } from "./store/create-store.js";
export type { Repositories, Store, StoreOptions, TransactionScope } from "./store/create-store.js";
export type { DeleteOptions, Entity, ListResult, PageOptions, UpdateOptions } from "./store/crud.js";
export type { User, UserWithPasswordHash, UsersRepository, UserReadOptions, ListUsersOptions } from "./store/repositories/users.js";
export type { Topic, TopicsRepository, ListTopicsOptions } from "./store/repositories/topics.js";
export type { JournalEntry, EntriesRepository, ListEntriesOptions, SearchEntriesOptions } from "./store/repositories/entries.js";
export type { ChatSession, SessionsRepository, ListSessionsOptions } from "./store/repositories/sessions.js";
export type { Message, MessagesRepository, ListMessagesOptions } from "./store/repositories/messages.js";
export type { PsychologyContent, ContentRepository, ListContentOptions, SearchContentOptions } from "./store/repositories/content.js";
export type { UserAnalytics, AnalyticsRepository, ListAnalyticsOptions } from "./store/repositories/analytics.js";
export type { MigrationLog, MigrationLogsRepository, ListMigrationLogsOptions } from "./store/repositories/migration-logs.js";
export type { CreateUserInput, UserPatch } from "./model/entities/users.js";
export type { CreateTopicInput, TopicPatch } from "./model/entities/topics.js";
export type { CreateEntryInput, EntryPatch } from "./model/entities/entries.js";
export type { CreateSessionInput, SessionPatch } from "./model/entities/sessions.js";
export type { AppendMessageInput, MessagePatch } from "./model/entities/messages.js";
export type { CreateContentInput, ContentPatch } from "./model/entities/content.js";
export type { CreateMigrationLogInput, MigrationLogPatch } from "./model/entities/migration-logs.js";

export {
  importLegacy,
  exportLegacy,
  DEFAULT_LEGACY_MAPPING,
  LEGACY_METADATA_KEY,
  MOOD_LABELS,
  LEGACY_INVALID,
} from "./legacy/index.js";
export type * from "./legacy/index.js";

export { memoryBackend } from "./backends/memory.js";
export { dualWriteBackend, DualWriteBackend, DUAL_WRITE_DEFAULTS, GATED_STAGES } from "./dual-write/index.js";
export type { DualWriteOptions, DualWriteStats, OperationStats, ShadowWindowStats, PassResult, RefusedRow, SecondaryWrites, SecondaryFailure, ShadowCompare } from "./dual-write/index.js";
export type * from "./events.js";
export { backfill, compare, repair, SYNC_DEFAULTS } from "./sync/index.js";
export type {
  BackfillOptions, BackfillReport, BackfillCounts, BackfillCheckpoint, CompareOptions, CompareReport, CompareCounts, CompareStrategy, Settles,
  RepairOptions, RepairReport, Unresolved, SyncOptions, SyncProgress, RowDivergence, RunReport, RunStatus,
} from "./sync/index.js";
export { STAGES, STAGE_NAMES, isStage } from "./model/stages.js";
export type { Stage, Side, StageRouting } from "./model/stages.js";
export { createStoreFromEnv, configFromEnv, redactUrl } from "./env.js";
export type { EnvSource, StoreConfig, PostgresConfig, DualWriteConfig } from "./env.js";
export { jsonFileBackend, jsonFileSource, CorruptStoreError, LockedError, JSON_DEFAULTS, JSON_SOURCE_DEFAULTS } from "./backends/json/index.js";
export type { JsonFileBackend, JsonFileBackendOptions, JsonFileSource, JsonFileSourceOptions, LockHolder, FsLayer } from "./backends/json/index.js";

export type * from "./backend.js";
export type * from "./model/rows.js";
export type { Json, JsonObject } from "./model/json.js";
export type { Clock, Timestamp, CalendarDate } from "./model/time.js";
export type { IdGenerator } from "./model/ids.js";
export { uuidv7, uuidv5, isId } from "./model/ids.js";
export { COLLECTIONS, COLLECTION_NAMES } from "./model/collections.js";
export type { CollectionSpec, DerivedFieldSpec, FieldSpec, FieldKind, OwnerSpec, UniqueKeySpec } from "./model/collections.js";
export { LIMITS, DEFAULTS } from "./model/limits.js";
export { diffRows, rowsEqual } from "./diff.js";
export { encodeCursor, decodeCursor } from "./cursor.js";
export type { CursorPosition } from "./cursor.js";
export {
  JournalStoreError,
  ValidationError,
  NotFoundError,
  ConflictError,
  BackendError,
  ClosedError,
  ConfigError,
  LegacyFileError,
  CutoverRefusedError,
  UsageError,
} from "./errors.js";
export type { ErrorCode, ValidationIssue, ConflictReason, ConfigIssue, CutoverCondition } from "./errors.js";
