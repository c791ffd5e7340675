import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStore, exportLegacy, importLegacy, LEGACY_METADATA_KEY, LegacyFileError, MOOD_LABELS, memoryBackend, type LegacyMapping } from "../../src/index.js";
import { rowIdOf } from "../../src/legacy/kept.js";
import { parseAppTime } from "../../src/legacy/timestamps.js";
import { COLLECTION_NAMES } from "../../src/model/collections.js";
import { generateAppData, type AppData } from "./app-data.js";
import { allRows, expectExportedAsRead, recordsOf } from "./helpers.js";

const ZONE = "Europe/Paris";
const FILES = ["topics.json", "entries.json", "sessions.json", "messages.json"] as const;
const COLLECTION = { "topics.json": "topics", "entries.json": "journalEntries", "sessions.json": "chatSessions", "messages.json": "messages" } as const;
const LOCAL = new Set(["topics.json", "entries.json"]);
const fixedClock = () => new Date("2026-11-01T00:00:00.000Z");
const text0 = (s: string) => s;

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "journal-legacy-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** What the row must hold for one source field the row maps directly (no kept original). */
function expectField(file: string, field: string, value: unknown, row: Record<string, unknown>, key: string): void {
  const zone = LOCAL.has(file) ? ZONE : "UTC";
  const at = (v: unknown) => new Date(parseAppTime(v, zone)!.ms).toISOString();
  const where = `${file} ${key} ${field}`;
  switch (field) {
    case "id":
      return void expect(value, where).toBe(key);
    case "created_at":
    case "timestamp":
      return void expect(row.createdAt, where).toBe(at(value));
    case "updated_at":
      return void expect(row.updatedAt, where).toBe(at(value));
    case "last_entry_date":
      return void expect(row.lastEntryAt, where).toBe(value === null ? null : at(value));
    case "last_activity":
      return void expect(row.lastMessageAt, where).toBe(value === null ? null : at(value));
    case "mood":
      return void expect(row.mood, where).toBe(value === null ? null : MOOD_LABELS[value as string]);
    case "sentiment_score":
      return void expect(row.aiAnalysis, where).toEqual(value === null ? null : { sentiment: value });
    case "topic_id":
      return void expect(row.topicId, where).toBe(value === null ? null : rowIdOf("topics.json", value as string));
    case "session_id":
      return void expect(row.sessionId, where).toBe(rowIdOf("sessions.json", value as string));
    case "metadata": {
      const { [LEGACY_METADATA_KEY]: _info, ...rest } = row.metadata as Record<string, unknown>;
      return void expect(rest, where).toEqual(value);
    }
    default: {
      const to: Record<string, string> = {
        is_favorite: "favorite",
        word_count: "wordCount",
        entry_count: "entryCount",
        message_count: "messageCount",
        session_type: "sessionType",
      };
      return void expect(row[to[field] ?? field], where).toEqual(value);
    }
  }
}

/** Checks every field of every source record against the store: in its row field, or kept. */
async function expectEverySourceField(data: AppData, backend: ReturnType<typeof memoryBackend>, skipped: Set<string>): Promise<number> {
  let checked = 0;
  for (const file of FILES) {
    const records = await recordsOf(data.dir, file);
    for (const [key, record] of records) {
      const row = (await backend.get(COLLECTION[file], rowIdOf(file, key))) as unknown as Record<string, unknown> | null;
      if (skipped.has(`${file}:${key}`)) {
        expect(row, `${file} ${key} was reported as not imported`).toBeNull();
        continue;
      }
      expect(row, `${file} ${key}`).not.toBeNull();
      const info = ((row!.metadata as Record<string, unknown>)[LEGACY_METADATA_KEY] ?? {}) as {
        key?: string;
        kept?: Record<string, { value?: unknown; absent?: true }>;
        extra?: Record<string, unknown>;
      };
      expect(info.key ?? row!.id).toBe(key);
      for (const [field, value] of Object.entries(record)) {
        checked++;
        if (info.extra && field in info.extra) expect(info.extra[field], `${file} ${key} ${field} (extra)`).toEqual(value);
        else if (info.kept?.[field]) expect(info.kept[field]!.value, `${file} ${key} ${field} (kept)`).toEqual(value);
        else expectField(file, field, value, row!, key);
      }
      for (const [field, kept] of Object.entries(info.kept ?? {})) {
        if (kept.absent) expect(Object.prototype.hasOwnProperty.call(record, field), `${file} ${key} ${field} absent`).toBe(false);
      }
    }
  }
  return checked;
}

describe("importLegacy / exportLegacy", () => {
  it("imports every record of a realistic directory, every source field in its row field or kept beside it", async () => {
    const data = await generateAppData(join(scratch, "app"), 1);
    const backend = memoryBackend();
    const report = await importLegacy({ dir: data.dir, into: createStore({ backend }), timezone: ZONE, clock: fixedClock });
    const skipped = new Set(report.files.flatMap((f) => f.skipped.map((s) => `${f.file}:${s.key}`)));
    // Only the message whose session does not exist is refused, and it is named with its reason.
    expect([...skipped]).toEqual(data.orphanMessages.map((k) => `messages.json:${k}`));
    expect(report.files.find((f) => f.file === "messages.json")!.skipped[0]!.reason).toMatch(/session_id names no record of sessions\.json/);
    const byFile = Object.fromEntries(report.files.map((f) => [f.file, f]));
    expect(byFile["entries.json"]!.read).toBe(data.counts.entries);
    expect(byFile["entries.json"]!.imported).toBe(data.counts.entries);
    expect(byFile["messages.json"]!.shape).toBe("array");
    expect(byFile["entries.json"]!.dangling.map((d) => d.key).sort()).toEqual([...data.danglingTopicEntries].sort());
    // Two entries inside a clock change, each with created_at and updated_at equal: two of each.
    expect(byFile["entries.json"]!.clockChanges).toEqual({ ambiguous: 2, skipped: 2 });
    expect(byFile["entries.json"]!.fields).toMatchObject({ title: "title", mood: "mood", entry_type: `metadata["${LEGACY_METADATA_KEY}"].extra` });
    expect(byFile["entries.json"]!.keptOriginals.word_count).toBeGreaterThan(0); // drifted counters
    expect(report.totals).toMatchObject({ read: 6 + 60 + 5 + 40, skipped: 1 });
    const checked = await expectEverySourceField(data, backend, skipped);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(checked).toBeGreaterThan(1000);
    // One user owns everything; sessions count their imported messages; messages are numbered per session.
    expect(await backend.count("users")).toBe(1);
    const sessions = await allRows(backend, "chatSessions");
    const messages = await allRows(backend, "messages");
    for (const s of sessions) {
      const own = messages.filter((m) => m.sessionId === s.id).map((m) => m.sequence as number).sort((a, b) => a - b);
      expect(own).toEqual(own.map((_, i) => i + 1));
      expect(s.messageCount).toBe(own.length);
    }
    // The clock-change rule: the skipped 02:30 is 03:30 CEST, the repeated 02:15 is the earlier (CEST) one.
    const entries = await recordsOf(data.dir, "entries.json");
    const keyAt = (t: string) => [...entries].find(([, r]) => r.created_at === t)![0];
    expect((await backend.get("journalEntries", rowIdOf("entries.json", keyAt("2026-03-29T02:30:00"))))!.createdAt).toBe("2026-03-29T01:30:00.000Z");
    expect((await backend.get("journalEntries", rowIdOf("entries.json", keyAt("2026-10-25T02:15:00.250000"))))!.createdAt).toBe("2026-10-25T00:15:00.250Z");
  });

  it("exports a directory that reproduces every imported record field by field", async () => {
    const data = await generateAppData(join(scratch, "app"), 2);
    const store = createStore({ backend: memoryBackend() });
    const report = await importLegacy({ dir: data.dir, into: store, timezone: ZONE });
    const out = join(scratch, "out");
    const exported = await exportLegacy({ from: store, dir: out, timezone: ZONE });
    expect(exported.files.map((f) => f.records)).toEqual([6, 60, 5, 40 - data.orphanMessages.length]);
    const skipped = Object.fromEntries(report.files.map((f) => [f.file, f.skipped.map((s) => s.key)]));
    expect(await expectExportedAsRead(data.dir, out, FILES, skipped)).toBe(6 + 60 + 5 + 40 - data.orphanMessages.length);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(text0(await readFile(join(out, "entries.json"), "utf8"))).toContain('"__proto__": {');
    // Written as the app writes: indent 2, non-ASCII escaped (surrogate pairs for emoji).
    const text = await readFile(join(out, "entries.json"), "utf8");
    expect(text).toMatch(/^\{\n {2}"/);
    expect(/[^\x00-\x7f]/.test(text)).toBe(false);
  });

  it("rows changed, added or deleted through the store since the import come out in the app's format", async () => {
    const data = await generateAppData(join(scratch, "app"), 3);
    let ms = Date.UTC(2026, 11, 24, 17, 30, 0, 120);
    const store = createStore({ backend: memoryBackend(), clock: () => new Date(ms++) });
    await importLegacy({ dir: data.dir, into: store, timezone: ZONE });
    const source = await recordsOf(data.dir, "entries.json");
    const [changedKey, changedRecord] = [...source].find(([k, r]) => /^[0-9a-f-]{36}$/.test(k) && typeof r.mood === "string" && r.id === k)!;
    const [deletedKey] = [...source].find(([k]) => k !== changedKey)!;
    const changed = await store.entries.update(rowIdOf("entries.json", changedKey), { mood: 2, content: "rewritten today", tags: ["new"] });
    await store.entries.delete(rowIdOf("entries.json", deletedKey));
    const user = (await store.backend.scan("users", { limit: 1 }))[0]!;
    const created = await store.entries.create({ userId: user.id, title: "Fresh", content: "written after the import 😀" });
    const out = join(scratch, "out");
    await exportLegacy({ from: store, dir: out, timezone: ZONE });
    const back = await recordsOf(out, "entries.json");
    expect(back.has(deletedKey)).toBe(false);
    expect(back.get(changedKey)).toEqual({
      ...changedRecord,
      mood: "very_negative",
      content: "rewritten today",
      tags: ["new"],
      word_count: changed.wordCount,
      updated_at: "2026-12-24T18:30:00.120000", // the store's instant, in the app's local time and format
    });
    expect(back.get(created.id)).toEqual({
      title: "Fresh",
      content: "written after the import 😀",
      topic_id: null,
      tags: [],
      id: created.id,
      created_at: "2026-12-24T18:30:00.122000",
      updated_at: "2026-12-24T18:30:00.122000",
      mood: null,
      sentiment_score: null,
      word_count: created.wordCount,
      metadata: {},
      is_favorite: false,
      entry_type: "journal",
      template_id: null,
      version: 1,
      parent_entry_id: null,
    });
  });

  it("importing twice changes nothing: same ids, no duplicates, every row reported unchanged", async () => {
    const data = await generateAppData(join(scratch, "app"), 4);
    const backend = memoryBackend();
    const first = await importLegacy({ dir: data.dir, into: backend, timezone: ZONE });
    const before = await Promise.all(COLLECTION_NAMES.map((c) => allRows(backend, c)));
    const second = await importLegacy({ dir: data.dir, into: backend, timezone: ZONE });
    expect(second.userCreated).toBe(false);
    expect(second.userId).toBe(first.userId);
    expect(second.totals).toEqual({ ...first.totals, imported: 0, unchanged: first.totals.imported });
    expect(await Promise.all(COLLECTION_NAMES.map((c) => allRows(backend, c)))).toEqual(before);
  });

  it("stops after the batch being written when its signal aborts, and a re-run finishes with the same rows", async () => {
    const data = await generateAppData(join(scratch, "app"), 6);
    const full = memoryBackend();
    const whole = await importLegacy({ dir: data.dir, into: full, timezone: ZONE, clock: fixedClock });

    const backend = memoryBackend();
    const controller = new AbortController();
    let entryBatches = 0;
    // Aborts while the second batch of entries is being written: that batch completes, nothing after it starts.
    const aborting = new Proxy(backend, {
      get(target, prop, receiver) {
        if (prop === "applyReplicated") {
          return (collection: string, rows: never[]) => {
            if (collection === "journalEntries" && ++entryBatches === 2) controller.abort();
            return target.applyReplicated(collection as never, rows);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const first = await importLegacy({ dir: data.dir, into: aborting, timezone: ZONE, batchSize: 10, signal: controller.signal, clock: fixedClock });
    expect(first.interrupted).toBe(true);
    expect(entryBatches).toBe(2);
    const entries = first.files.find((f) => f.file === "entries.json")!;
    expect(entries.imported).toBe(20);
    expect(await backend.count("journalEntries")).toBe(20);
    expect(first.files.find((f) => f.file === "messages.json")!.imported).toBe(0);
    expect(await backend.count("messages")).toBe(0);

    const second = await importLegacy({ dir: data.dir, into: backend, timezone: ZONE, clock: fixedClock });
    expect(second.interrupted).toBe(false);
    expect(second.totals.imported + second.totals.unchanged).toBe(whole.totals.imported);
    expect(second.totals.unchanged).toBe(first.totals.imported);
    for (const c of COLLECTION_NAMES) expect(await allRows(backend, c), c).toEqual(await allRows(full, c));
  });

  it("a truncated or corrupt file is an error naming the file and position, and nothing is imported", async () => {
    const data = await generateAppData(join(scratch, "app"), 5);
    const text = await readFile(join(data.dir, "entries.json"), "utf8");
    await writeFile(join(data.dir, "entries.json"), text.slice(0, Math.floor(text.length / 2)));
    const backend = memoryBackend();
    const error = await importLegacy({ dir: data.dir, into: backend, timezone: ZONE }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(LegacyFileError);
    const truncated = error as LegacyFileError;
    expect(truncated.code).toBe("LEGACY_FILE");
    expect(truncated).toMatchObject({ file: "entries.json", offset: Math.floor(text.length / 2) }); // wherever the cut falls, even inside an escape
    expect(truncated.message).toMatch(/entries\.json: ends before its JSON does \(truncated\) at line \d+, column \d+/);
    for (const c of COLLECTION_NAMES) expect(await backend.count(c)).toBe(0);

    const lines = text.split("\n");
    lines[4] = lines[4]!.replace(/,$/, ""); // a missing comma on line 5
    await writeFile(join(data.dir, "entries.json"), lines.join("\n"));
    const corrupt = (await importLegacy({ dir: data.dir, into: backend, timezone: ZONE }).then(() => null, (e: unknown) => e)) as LegacyFileError;
    expect(corrupt).toBeInstanceOf(LegacyFileError);
    expect(corrupt).toMatchObject({ file: "entries.json", line: 6, column: 5 });
    expect(corrupt.message).not.toContain(lines[5]!.trim()); // the file's content stays out of the error
    for (const c of COLLECTION_NAMES) expect(await backend.count(c)).toBe(0);
  });

  it("refuses bad options with ValidationErrors naming them", async () => {
    const backend = memoryBackend();
    await expect(importLegacy({ dir: scratch, into: backend, timezone: "Mars/Olympus" })).rejects.toThrow(/timezone/);
    await expect(importLegacy({ dir: scratch, into: backend, mapping: { files: [{ file: "../x.json", collection: "topics", fields: {} }] } })).rejects.toThrow(/mapping\.files\.0\.file/);
    await expect(importLegacy({ dir: scratch, into: backend, user: "not-a-uuid" })).rejects.toThrow(/user/);
    const late: LegacyMapping = { files: [{ file: "a.json", collection: "journalEntries" as const, fields: { t: { to: "topicId", ref: "b.json" } } }, { file: "b.json", collection: "topics" as const, fields: {} }] };
    await expect(importLegacy({ dir: scratch, into: backend, mapping: late })).rejects.toThrow(/mapping\.files\.0\.fields\.t\.ref/);
    for (const c of COLLECTION_NAMES) expect(await backend.count(c)).toBe(0);
    await expect(exportLegacy({ from: backend, dir: scratch, timezone: "Nowhere/Else" })).rejects.toThrow(/timezone/);
  });

  it("another app passes its own mapping: an array file, its own field names, a conversion and a hook", async () => {
    const dir = join(scratch, "other");
    await writeFile(join(scratch, "placeholder"), "");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir));
    const notes = [
      { uid: "n1", body: "first note", stamp: 1767225600, stars: 3, pinned: "yes" },
      { uid: "n2", body: "second", stamp: 1767312000, stars: 5, pinned: "no", color: "red" },
    ];
    await writeFile(join(dir, "notes.json"), JSON.stringify(notes));
    const epochSeconds = {
      toStore: (v: unknown) => (typeof v === "number" ? new Date(v * 1000).toISOString() : null),
      toLegacy: (v: unknown) => (typeof v === "string" ? Date.parse(v) / 1000 : null),
    };
    const mapping = {
      files: [
        {
          file: "notes.json",
          collection: "journalEntries" as const,
          shape: "array" as const,
          fields: { uid: { to: "id" }, body: { to: "content" }, stamp: { to: "createdAt", as: epochSeconds }, stars: { to: "mood" } },
          hooks: {
            toInput: (input: Record<string, unknown>, record: Readonly<Record<string, unknown>>) => void (input.favorite = record.pinned === "yes"),
            toRecord: (record: Record<string, unknown>, row: Readonly<Record<string, unknown>>) => void (record.pinned = row.favorite ? "yes" : "no"),
          },
        },
      ],
    };
    const backend = memoryBackend();
    const report = await importLegacy({ dir, into: backend, mapping });
    expect(report.files[0]).toMatchObject({ read: 2, imported: 2, skipped: [], derivedIds: 2 });
    const rows = await allRows(backend, "journalEntries");
    expect(rows.map((r) => [r.content, r.mood, r.favorite, r.createdAt])).toEqual(
      expect.arrayContaining([
        ["first note", 3, true, "2026-01-01T00:00:00.000Z"],
        ["second", 5, false, "2026-01-02T00:00:00.000Z"],
      ]),
    );
    const out = join(scratch, "other-out");
    await exportLegacy({ from: backend, dir: out, mapping });
    const back = JSON.parse(await readFile(join(out, "notes.json"), "utf8")) as Record<string, unknown>[];
    expect(back.sort((a, b) => String(a.uid).localeCompare(String(b.uid)))).toEqual(notes);
  });
});

describe("importLegacy edge cases", () => {
  it("a record holding a value no backend can store is refused by name, with the field and the reason", async () => {
    const dir = join(scratch, "bad");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(dir);
    const good = "11111111-1111-4111-8111-111111111111";
    const bad = "22222222-2222-4222-8222-222222222222";
    // Escaped lone surrogate and NUL, as JSON text: valid JSON, unstorable in PostgreSQL.
    const text = `{"${good}": {"content": "fine", "created_at": "2026-01-01T10:00:00"}, "${bad}": {"content": "lone \\ud800 here", "note": "nul \\u0000"}}`;
    await writeFile(join(dir, "entries.json"), text);
    const backend = memoryBackend();
    const report = await importLegacy({ dir, into: backend, user: { email: "me@example.com", displayName: "Me" } });
    const entries = report.files.find((f) => f.file === "entries.json")!;
    expect(entries.imported).toBe(1);
    expect(entries.skipped).toEqual([{ key: bad, reason: "content contains a lone surrogate: no backend can store it" }]);
    expect(report.files.filter((f) => f.file !== "entries.json").every((f) => !f.present)).toBe(true);
    expect((await backend.get("users", report.userId))?.email).toBe("me@example.com");
  });

  it("imports into an existing user by id, and exports only that user's rows when asked", async () => {
    const data = await generateAppData(join(scratch, "app"), 9, { topics: 2, entries: 10, sessions: 2, messages: 6 });
    const store = createStore({ backend: memoryBackend() });
    const other = await store.users.create({ email: "other@example.com", displayName: "Other" });
    await store.entries.create({ userId: other.id, content: "not theirs" });
    const owner = await store.users.create({ email: "owner@example.com", displayName: "Owner" });
    const report = await importLegacy({ dir: data.dir, into: store, user: owner.id, timezone: ZONE });
    expect(report).toMatchObject({ userId: owner.id, userCreated: false });
    const out = join(scratch, "out");
    await exportLegacy({ from: store, dir: out, user: owner.id, timezone: ZONE });
    const back = await recordsOf(out, "entries.json");
    expect(back.size).toBe(10);
    for (const [key, record] of back) expect(record).toEqual((await recordsOf(data.dir, "entries.json")).get(key));
    await expect(importLegacy({ dir: data.dir, into: store, user: "01900000-0000-7000-8000-00000000dead" })).rejects.toThrow(/user: names no live user/);
  });
});
