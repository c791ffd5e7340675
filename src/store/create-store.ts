import type { Backend } from "../backend.js";
import { uuidv7, type IdGenerator } from "../model/ids.js";
import { DEFAULTS } from "../model/limits.js";
import { systemClock, type Clock } from "../model/time.js";
import { atomically, type StoreContext } from "./context.js";
import { analyticsRepository, type AnalyticsRepository } from "./repositories/analytics.js";
import { contentRepository, type ContentRepository } from "./repositories/content.js";
import { entriesRepository, type EntriesRepository } from "./repositories/entries.js";
import { messagesRepository, type MessagesRepository } from "./repositories/messages.js";
import { migrationLogsRepository, type MigrationLogsRepository } from "./repositories/migration-logs.js";
import { topicsRepository, type TopicsRepository } from "./repositories/topics.js";
import { sessionsRepository, type SessionsRepository } from "./repositories/sessions.js";
import { usersRepository, type UsersRepository } from "./repositories/users.js";

/** Options of {@link createStore}. */
export interface StoreOptions {
  /** Where rows live: `memoryBackend()`, `jsonFileBackend({ dir })`, `postgresBackend(...)`, `dualWriteBackend(...)`. */
  backend: Backend;
  /** The time source for `createdAt`/`updatedAt` (default: the system clock). Inject one for deterministic tests. */
  clock?: Clock;
  /** The id generator for new rows (default: UUIDv7). Must return lowercase UUIDs. */
  ids?: IdGenerator;
  /** Read-modify-write attempts of an update without `expectedVersion` (default 5). */
  updateAttempts?: number;
}

/** The repositories, available on the store and inside a transaction. */
export interface Repositories {
  /** Accounts, unique by email among live users. */
  users: UsersRepository;
  /** Topics entries are grouped under. */
  topics: TopicsRepository;
  /** Journal entries, with filters and text search. */
  entries: EntriesRepository;
  /** AI chat sessions. */
  sessions: SessionsRepository;
  /** Messages of chat sessions, appended in sequence. */
  messages: MessagesRepository;
  /** The psychology content library. */
  content: ContentRepository;
  /** Per-user analytics (day, week, month). */
  analytics: AnalyticsRepository;
  /** The sync tools' own run log. */
  migrationLogs: MigrationLogsRepository;
}

/** What a transaction callback receives: the repositories, bound to the transaction. */
export interface TransactionScope extends Repositories {
  /** Nested calls join the enclosing transaction. */
  transaction<T>(fn: (tx: TransactionScope) => Promise<T>): Promise<T>;
}

/** The typed store an app codes against, the same whatever backend is underneath. */
export interface Store extends TransactionScope {
  /** The backend this store writes to. */
  readonly backend: Backend;
  /**
   * Runs `fn` all-or-nothing across repositories: if it throws, nothing it wrote is kept and the
   * error is rethrown.
   */
  transaction<T>(fn: (tx: TransactionScope) => Promise<T>): Promise<T>;
  /** Closes the backend (files, locks, connections). */
  close(): Promise<void>;
}

/**
 * Creates the typed storage facade over a backend. Inputs are validated here, once, for every
 * backend; ids, versions and timestamps are assigned here, so both sides of a dual write receive
 * identical rows.
 *
 * @example
 * ```ts
 * const store = createStore({ backend: memoryBackend() });
 * const ada = await store.users.create({ email: "ada@example.com", displayName: "Ada" });
 * await store.entries.create({ userId: ada.id, content: "A calm morning.", tags: ["calm"] });
 * ```
 */
export function createStore(options: StoreOptions): Store {
  const ctx: StoreContext = {
    backend: options.backend,
    ops: options.backend,
    inTransaction: false,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? (() => uuidv7()),
    updateAttempts: options.updateAttempts ?? DEFAULTS.updateAttempts,
  };
  return {
    ...scope(ctx),
    backend: options.backend,
    close: () => options.backend.close(),
  };
}

function scope(ctx: StoreContext): TransactionScope {
  return {
    users: usersRepository(ctx),
    topics: topicsRepository(ctx),
    entries: entriesRepository(ctx),
    sessions: sessionsRepository(ctx),
    messages: messagesRepository(ctx),
    content: contentRepository(ctx),
    analytics: analyticsRepository(ctx),
    migrationLogs: migrationLogsRepository(ctx),
    transaction: (fn) => atomically(ctx, (tx) => fn(scope(tx))),
  };
}
