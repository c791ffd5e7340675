import type { Backend, ReplicationOutcome } from "../backend.js";
import { ValidationError } from "../errors.js";
import { userModel } from "../model/entities/users.js";
import { newRow } from "../model/entity.js";
import { isId, uuidv5 } from "../model/ids.js";
import type { ChatSessionRow, MessageRow } from "../model/rows.js";
import { systemClock, toTimestamp, type Clock } from "../model/time.js";
import type { Store } from "../store/create-store.js";
import { type LegacyFileContent, readLegacyFile } from "./files.js";
import { isUuidKey, rowIdOf } from "./kept.js";
import { DEFAULT_LEGACY_MAPPING, LEGACY_METADATA_KEY, type LegacyMapping, type LegacyRow } from "./mapping.js";
import { checkMapping, backendOf, zoneOf } from "./options.js";
import { emptyFileReport, totalsOf, type LegacyFileReport, type LegacyImportReport } from "./report.js";
import { type ConvertedRecord, type FilePlan, type ResolvedRef, finishRow, planFile, recordToRow } from "./to-row.js";

/** The user an import's rows belong to: an existing user's id, or the fields of one to create. */
export type LegacyUser =
  | string
  | {
      /** The user's id (default: derived, fixed, so a re-run finds the same user). */
      id?: string;
      /** The user's email (default: a placeholder address). */
      email?: string;
      /** The user's display name (default: `Journal owner`). */
      displayName?: string;
      /** The user's IANA time zone (default: the import's `timezone`). */
      timezone?: string;
    };

/** Options of {@link importLegacy}. */
export interface ImportLegacyOptions {
  /** The app's data directory. */
  dir: string;
  /** Where the rows go: a store or any backend. */
  into: Store | Backend;
  /** The app's layout (default: {@link DEFAULT_LEGACY_MAPPING}). */
  mapping?: LegacyMapping;
  /** IANA zone of the naive timestamps of files marked `localTime` (default `UTC`). */
  timezone?: string;
  /** Whose rows they are (default: one user derived for the directory's owner, created once). */
  user?: LegacyUser;
  /** Rows per replication batch (default 250: smaller batches keep less garbage alive at once). */
  batchSize?: number;
  /** The time source for a user this import creates (default: the system clock). */
  clock?: Clock;
  /**
   * Stops the import after the batch being written when aborted: the report says `interrupted`
   * and counts what is in the store. Nothing is left half-written; a re-run finishes the import.
   */
  signal?: AbortSignal;
}

/** The user created when none is given; its id is fixed, so a re-run finds it. */
const DEFAULT_USER = { id: uuidv5("journal-store legacy owner"), email: "owner@journal.invalid", displayName: "Journal owner" };
const DEFAULT_BATCH = 250;

/**
 * Imports an app's own JSON files into a store, losing nothing: every field of every record lands
 * in a row field or in that row's `metadata["journal-store:legacy"]`, and the report lists every
 * record not imported with its reason. Every file is read and checked whole before anything is
 * written, so a corrupt or truncated file is a `LegacyFileError` (naming file and position) with nothing
 * imported. Rows are written with `applyReplicated` at version 1 with the app's own timestamps:
 * a re-run writes nothing new (same ids, reported as `unchanged`), and a row changed through the
 * store since stays as it is.
 *
 * @example
 * ```ts
 * const report = await importLegacy({ dir: "./app-data", into: store, timezone: "Europe/Paris" });
 * for (const f of report.files) console.log(f.file, f.imported, f.skipped);
 * ```
 */
export async function importLegacy(options: ImportLegacyOptions): Promise<LegacyImportReport> {
  if (typeof options.dir !== "string" || options.dir.length === 0) {
    throw new ValidationError("legacy", [{ path: "dir", message: "must be a directory path" }]);
  }
  const mapping = options.mapping ?? DEFAULT_LEGACY_MAPPING;
  checkMapping(mapping);
  const zone = zoneOf(options.timezone);
  const backend = backendOf(options.into, "into");
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError("legacy", [{ path: "batchSize", message: "must be a positive whole number" }]);
  const opened: LegacyFileContent[] = [];
  try {
    return await importFiles(options, mapping, zone, backend, batchSize, opened);
  } finally {
    // A file is closed once its last record is read; an import stopped early closes the rest.
    for (const content of opened) content.close();
  }
}

/** The import itself, once the options are checked; every file it opens is added to `opened`. */
async function importFiles(options: ImportLegacyOptions, mapping: LegacyMapping, zone: string, backend: Backend, batchSize: number, opened: LegacyFileContent[]): Promise<LegacyImportReport> {
  // Read and check every file first: a bad file stops the import before anything is written.
  const contents: (LegacyFileContent | null)[] = [];
  for (const file of mapping.files) {
    const content = await readLegacyFile(options.dir, file.file);
    if (content) opened.push(content);
    contents.push(content);
  }

  const reports = mapping.files.map((f) => emptyFileReport(f.file, f.collection));
  const { userId, created } = await ensureUser(backend, options.user, zone, options.clock ?? systemClock);

  // Record keys -> row ids, for every file, so references resolve whatever the file order.
  const idsOf = new Map<string, Map<string, string>>();
  const keysOf = new Map<string, Map<string, string>>();
  const accepted = new Map<string, Set<string>>();
  const recordKeys: string[][] = [];
  mapping.files.forEach((f, i) => {
    const content = contents[i];
    const ids = new Map<string, string>();
    const keys = new Map<string, string>();
    const resolved: string[] = [];
    for (let index = 0; index < (content?.size ?? 0); index++) {
      const key = content!.keyAt(index) ?? arrayKey(content!.recordAt(index), index);
      resolved.push(key);
      const id = rowIdOf(f.file, key);
      if (!keys.has(id)) {
        ids.set(key, id);
        keys.set(id, key);
      }
    }
    recordKeys.push(resolved);
    idsOf.set(f.file, ids);
    keysOf.set(f.file, keys);
    accepted.set(f.file, new Set());
  });
  const keyOf = (file: string, id: string) => keysOf.get(file)?.get(id);
  const liveElsewhere = new Map<string, boolean>();
  const pendingChecks: { file: string; id: string }[] = [];

  const plans = mapping.files.map((f) => planFile(f, { zone: f.localTime ? zone : "UTC" }));
  // Sessions wait for their messages (message count, sequence numbers); everything else streams.
  const held = new Map<number, ConvertedRecord[]>();
  const sessionIndex = mapping.files.findIndex((f) => f.collection === "chatSessions");
  const messageIndex = mapping.files.findIndex((f) => f.collection === "messages");

  const signal = options.signal;
  const finish = (interrupted: boolean): LegacyImportReport => ({ userId, userCreated: created, timezone: zone, files: reports, totals: totalsOf(reports), interrupted });
  for (let i = 0; i < mapping.files.length; i++) {
    if (signal?.aborted) return finish(true);
    const plan = plans[i]!;
    const report = reports[i]!;
    const content = contents[i];
    if (!content) continue;
    contents[i] = null;
    report.present = true;
    report.shape = content.shape;
    report.read = content.size;
    fieldsReport(plan, report);
    const resolve = (file: string, value: unknown): ResolvedRef => {
      if (value === null || value === "" || value === undefined) return { id: null };
      if (typeof value !== "string") return { dangling: true };
      const id = idsOf.get(file)?.get(value) ?? rowIdOf(file, value);
      if (accepted.get(file)?.has(id)) return { id };
      if (liveElsewhere.get(id)) return { id };
      if (!liveElsewhere.has(id)) pendingChecks.push({ file, id });
      return { dangling: true };
    };
    let converted: ConvertedRecord[] = [];
    const seen = new Set<string>();
    // Sessions wait for their messages and messages for each other (numbering); other files stream in batches.
    const streams = !(i === sessionIndex && messageIndex > i) && i !== messageIndex;
    const writer = new BatchWriter(backend, plan, report, keyOf, accepted);
    const fileKeys = recordKeys[i]!;
    for (let r = 0; r < content.size; r++) {
      const raw = content.recordAt(r);
      content.release(r); // the parsed record lives on only in its row
      const key = fileKeys[r]!;
      noteExtraFields(plan, raw, report);
      const id = rowIdOf(plan.mapping.file, key);
      if (!isUuidKey(key)) report.derivedIds++;
      if (seen.has(id)) {
        report.skipped.push({ key, reason: "another record of the file has the same id" });
        continue;
      }
      seen.add(id);
      const dangling: { field: string; value: string }[] = [];
      const notes = { dangling: (field: string, value: string) => dangling.push({ field, value }) };
      let result = recordToRow(plan, key, id, raw, userId, resolve, notes);
      if (pendingChecks.length > 0) {
        // A reference outside the files may name a row already in the store.
        let found = false;
        for (const check of pendingChecks.splice(0)) {
          const target = mapping.files.find((f) => f.file === check.file)!;
          const row = await backend.get(target.collection, check.id);
          const live = row !== null && !row.deleted;
          liveElsewhere.set(check.id, live);
          found ||= live;
        }
        if (found) {
          dangling.length = 0;
          result = recordToRow(plan, key, id, raw, userId, resolve, notes);
        }
      }
      if (typeof result === "string") {
        report.skipped.push({ key, reason: result });
        continue;
      }
      for (const d of dangling) report.dangling.push({ key, ...d });
      accepted.get(plan.mapping.file)!.add(id);
      converted.push(result);
      if (streams && converted.length >= batchSize) {
        await writer.push(converted);
        converted = [];
        if (signal?.aborted) {
          await writer.done();
          return finish(true);
        }
      }
    }
    if (i === sessionIndex && messageIndex > i) {
      held.set(i, converted);
      continue;
    }
    if (i === messageIndex) {
      numberMessages(converted);
      if (held.has(sessionIndex)) {
        countMessages(held.get(sessionIndex)!, converted);
        await writeAll(new BatchWriter(backend, plans[sessionIndex]!, reports[sessionIndex]!, keyOf, accepted), held.get(sessionIndex)!, batchSize);
        held.delete(sessionIndex);
      }
    }
    await writeAll(writer, converted, batchSize);
  }
  for (const [index, rows] of held) {
    if (signal?.aborted) return finish(true);
    countMessages(rows, []);
    await writeAll(new BatchWriter(backend, plans[index]!, reports[index]!, keyOf, accepted), rows, batchSize);
  }
  return finish(false);
}

/** The key of an array element: its `id` when that is a non-empty string or a number, else its position. */
function arrayKey(record: unknown, index: number): string {
  const id = typeof record === "object" && record !== null ? (record as Record<string, unknown>).id : undefined;
  if (typeof id === "string" && id.length > 0) return id;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  return `#${index}`;
}

/** Records where each mapped source field of the file goes, and counts clock changes into the report. */
function fieldsReport(plan: FilePlan, report: LegacyFileReport): void {
  for (const { field, rule } of plan.rules) report.fields[field] = rule.to;
  plan.ctx.clockChange = (kind) => void report.clockChanges[kind]++;
}

const EXTRA_TARGET = `metadata["${LEGACY_METADATA_KEY}"].extra`;

/** Adds the source fields of `raw` that no rule maps to the report (they are kept as extra). */
function noteExtraFields(plan: FilePlan, raw: unknown, report: LegacyFileReport): void {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return;
  for (const field of Object.keys(raw)) {
    if (plan.mapped.has(field) || Object.prototype.hasOwnProperty.call(report.fields, field)) continue;
    Object.defineProperty(report.fields, field, { value: EXTRA_TARGET, enumerable: true, writable: true, configurable: true });
  }
}

/** Sequence numbers per session: by time, then record key (the app keeps no order of its own). */
function numberMessages(messages: ConvertedRecord[]): void {
  const bySession = new Map<string, ConvertedRecord[]>();
  for (const m of messages) {
    const row = m.row as MessageRow;
    let list = bySession.get(row.sessionId);
    if (!list) bySession.set(row.sessionId, (list = []));
    list.push(m);
  }
  for (const list of bySession.values()) {
    list.sort((a, b) => (a.row.createdAt < b.row.createdAt ? -1 : a.row.createdAt > b.row.createdAt ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    list.forEach((m, n) => void ((m.row as MessageRow).sequence = n + 1));
  }
}

/** A session's message count is the last sequence number handed out: its imported messages. */
function countMessages(sessions: ConvertedRecord[], messages: ConvertedRecord[]): void {
  const counts = new Map<string, number>();
  for (const m of messages) {
    const row = m.row as MessageRow;
    counts.set(row.sessionId, Math.max(counts.get(row.sessionId) ?? 0, row.sequence));
  }
  for (const s of sessions) (s.row as ChatSessionRow).messageCount = counts.get(s.row.id) ?? 0;
}

/** Writes `converted` in batches of `batchSize` and waits until every batch is stored. */
async function writeAll(writer: BatchWriter, converted: ConvertedRecord[], batchSize: number): Promise<void> {
  for (let from = 0; from < converted.length; from += batchSize) await writer.push(converted.slice(from, from + batchSize));
  await writer.done();
}

/** Batches kept in flight at once: the next batch is converted while the previous one is made durable. */
const IN_FLIGHT = 2;

/**
 * Attaches kept values and writes batches of rows with `applyReplicated`, counting outcomes into
 * the report. Up to {@link IN_FLIGHT} batches are in flight, so converting one overlaps the
 * durable write (a JSON store's fsync, a database round trip) of the one before.
 */
class BatchWriter {
  private readonly inFlight: Promise<void>[] = [];
  private readonly stored: Set<string>;
  private readonly count: (field: string) => void;

  constructor(
    private readonly backend: Backend,
    private readonly plan: FilePlan,
    private readonly report: LegacyFileReport,
    private readonly keyOf: (file: string, id: string) => string | undefined,
    accepted: Map<string, Set<string>>,
  ) {
    this.stored = accepted.get(plan.mapping.file)!;
    this.count = (field) => void (report.keptOriginals[field] = (report.keptOriginals[field] ?? 0) + 1);
  }

  /** Starts writing one batch; waits while too many are in flight. */
  async push(converted: readonly ConvertedRecord[]): Promise<void> {
    const rows: LegacyRow[] = [];
    const keys: string[] = [];
    for (const c of converted) {
      const row = finishRow(this.plan, c, this.keyOf, this.count);
      if (typeof row === "string") {
        this.report.skipped.push({ key: c.key, reason: row });
        this.stored.delete(c.row.id);
      } else {
        rows.push(row);
        keys.push(c.key);
      }
    }
    if (rows.length === 0) return;
    const written = this.backend.applyReplicated(this.plan.mapping.collection, rows as never).then((outcomes) => {
      outcomes.forEach((o, n) => {
        if (!tally(o, keys[n]!, this.report)) this.stored.delete(o.id);
      });
    });
    written.catch(() => undefined); // rethrown where it is awaited; not unhandled meanwhile
    this.inFlight.push(written);
    if (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
  }

  /** Waits for every batch started. */
  async done(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }
}

/** Counts one outcome; false when the row is not in the store. */
function tally(o: ReplicationOutcome, key: string, report: LegacyFileReport): boolean {
  if (o.outcome === "applied") report.imported++;
  else if (o.outcome === "stale") report.unchanged++;
  else if (o.outcome === "missing-owner") report.skipped.push({ key, reason: `its owner ${o.ownerCollection} ${o.ownerId} is missing or deleted in the store` });
  else if (o.reason === "version") report.skipped.push({ key, reason: `the store already holds this row at version ${o.storedVersion} with other content (the file changed since it was imported)` });
  else report.skipped.push({ key, reason: `unique key ${o.key} is held by ${o.holderId}` });
  return o.outcome === "applied" || o.outcome === "stale";
}

/** Finds or creates the user the rows belong to. */
async function ensureUser(backend: Backend, user: LegacyUser | undefined, zone: string, clock: Clock): Promise<{ userId: string; created: boolean }> {
  if (typeof user === "string") {
    if (!isId(user)) throw new ValidationError("legacy", [{ path: "user", message: "must be a lowercase UUID or the fields of a user" }]);
    const row = await backend.get("users", user);
    if (!row || row.deleted) throw new ValidationError("legacy", [{ path: "user", message: "names no live user" }]);
    return { userId: user, created: false };
  }
  const id = user?.id ?? DEFAULT_USER.id;
  if (!isId(id)) throw new ValidationError("legacy", [{ path: "user.id", message: "must be a lowercase UUID" }]);
  const existing = await backend.get("users", id);
  if (existing && !existing.deleted) return { userId: id, created: false };
  if (existing) throw new ValidationError("legacy", [{ path: "user.id", message: "names a deleted user" }]);
  const input = userModel.createSchema.safeParse({
    email: user?.email ?? DEFAULT_USER.email,
    displayName: user?.displayName ?? DEFAULT_USER.displayName,
    timezone: user?.timezone ?? zone,
  });
  if (!input.success) {
    throw new ValidationError("legacy", input.error.issues.map((i) => ({ path: `user.${i.path.join(".")}`, message: i.message })));
  }
  const row = newRow(userModel, input.data, id, toTimestamp(clock()));
  const [outcome] = await backend.applyReplicated("users", [row]);
  if (outcome?.outcome !== "applied" && outcome?.outcome !== "stale") {
    throw new ValidationError("legacy", [{ path: "user", message: `could not be created (${outcome?.outcome ?? "no outcome"})` }]);
  }
  return { userId: id, created: outcome.outcome === "applied" };
}
