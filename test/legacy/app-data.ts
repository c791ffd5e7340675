import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { toPythonJson } from "../../src/legacy/python-json.js";
import { prng } from "../support/prng.js";

/**
 * Generates a directory in the app's own layout (topics.json, entries.json, sessions.json,
 * messages.json), seeded, with what a real app accumulates: unicode (emoji, non-Latin scripts,
 * escaped surrogate pairs as Python writes them), records of older versions missing later fields,
 * dangling topic ids, empty-string ids, timestamps inside a clock change (Europe/Paris), drifted
 * counters, keys that are not UUIDs, mixed timestamp formats, fields no mapping knows, and one
 * file written as an array instead of an object.
 */


const TEXTS = [
  "A calm morning walk",
  "Café au lait, naïve résumé — Zürich",
  "日本語のテキスト、今日は晴れ",
  "Привет, как дела? Всё хорошо",
  "שלום עולם مرحبا بالعالم",
  "🧘‍♀️ meditation then 👩‍👩‍👧 family time 👍🏽",
  "Ελληνικά: οδός, ΟΔΟΣ",
  "tabs\tand\nnewlines\r\nand  double  spaces",
  "quotes \" and backslashes \\ and {\"json\": true}",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 beyond the BMP 𠀀",
];
const MOODS = ["very_positive", "positive", "neutral", "negative", "very_negative"];

/** What was generated, for the assertions. */
export interface AppData {
  dir: string;
  files: Record<string, unknown>;
  counts: { topics: number; entries: number; sessions: number; messages: number };
  /** Entry keys whose topic_id names no topic. */
  danglingTopicEntries: string[];
  /** Message keys whose session_id names no session. */
  orphanMessages: string[];
}

function uuid(rand: () => number, upper = false): string {
  const hex = () => Math.floor(rand() * 16).toString(16);
  const s = (n: number) => Array.from({ length: n }, hex).join("");
  const id = `${s(8)}-${s(4)}-4${s(3)}-${"89ab"[Math.floor(rand() * 4)]}${s(3)}-${s(12)}`;
  return upper ? id.toUpperCase() : id;
}

function naive(ms: number, micro: boolean, rand: () => number): string {
  const iso = new Date(ms).toISOString().slice(0, 19);
  if (!micro) return iso;
  return `${iso}.${String(Math.floor(rand() * 1_000_000)).padStart(6, "0")}`;
}

/** Writes the app's four files into `dir` and returns what they hold. */
export async function generateAppData(dir: string, seed: number, size = { topics: 6, entries: 60, sessions: 5, messages: 40 }): Promise<AppData> {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const t0 = Date.UTC(2026, 0, 10, 8, 0, 0);
  const topics: Record<string, unknown> = {};
  const topicKeys: string[] = [];
  for (let i = 0; i < size.topics; i++) {
    const key = i === 1 ? `topic-${i}` : uuid(rand, i === 2);
    topicKeys.push(key);
    const created = naive(t0 + i * 3_600_000, i % 2 === 0, rand);
    topics[key] = {
      name: `${pick(TEXTS).slice(0, 20)} ${i}`,
      description: i % 3 === 0 ? null : pick(TEXTS),
      color: i % 4 === 0 ? null : `#${Math.floor(rand() * 0xffffff).toString(16).padStart(6, "0")}`,
      tags: i % 2 ? ["work", "🏷️"] : [],
      id: i === 3 ? "" : key,
      created_at: created,
      updated_at: created,
      entry_count: Math.floor(rand() * 50), // drifted: not the real count
      last_entry_date: i % 2 ? naive(t0 + 86_400_000 * 3, false, rand) : null,
      metadata: i === 4 ? { icon: "📁", order: i } : {},
      ...(i === 5 ? { archived: true } : {}),
    };
  }
  const entries: Record<string, unknown> = {};
  const danglingTopicEntries: string[] = [];
  for (let i = 0; i < size.entries; i++) {
    const key = i % 17 === 5 ? `legacy-${i}` : uuid(rand);
    // A few entries written inside the spring-forward gap and the repeated autumn hour in Paris.
    const created =
      i === 7
        ? "2026-03-29T02:30:00"
        : i === 8
          ? "2026-10-25T02:15:00.250000"
          : i === 9
            ? new Date(t0 + i * 7_200_000).toISOString().slice(0, 16).replace("T", " ")
            : naive(t0 + i * 7_200_000 + Math.floor(rand() * 1000) * 1000, i % 3 === 0, rand);
    const content = `${pick(TEXTS)} ${pick(TEXTS)} #${i}`;
    const old = i % 11 === 3; // written by an older app version: later fields missing
    let topicId: unknown = i % 4 === 0 ? pick(topicKeys) : null;
    if (i % 13 === 2) topicId = "";
    if (i % 19 === 4) {
      topicId = uuid(rand);
      danglingTopicEntries.push(key);
    }
    const record: Record<string, unknown> = {
      title: i % 5 === 0 ? "" : `Day ${i} ${pick(TEXTS).slice(0, 12)}`,
      content,
      entry_type: topicId ? "topic" : "journal",
      topic_id: topicId,
      tags: i % 3 === 0 ? ["daily", " spaced ", "daily"] : ["daily"],
      template_id: i % 7 === 0 ? uuid(rand) : null,
      id: key,
      created_at: created,
      updated_at: i % 6 === 0 ? naive(t0 + i * 7_200_000 + 600_000, true, rand) : created,
      mood: i % 10 === 0 ? null : i % 23 === 1 ? "meh" : pick(MOODS),
      sentiment_score: i % 8 === 0 ? null : Math.round(rand() * 1000) / 1000,
      word_count: i % 9 === 0 ? 999 : content.split(/\s+/).filter(Boolean).length,
      metadata: i % 12 === 0 ? { source: "import", nested: { n: i } } : {},
      is_favorite: i % 5 === 1,
      version: 1 + (i % 3),
      parent_entry_id: i % 10 === 3 ? "" : null,
    };
    if (old) for (const f of ["sentiment_score", "word_count", "metadata", "is_favorite", "version", "parent_entry_id", "template_id", "entry_type"]) delete record[f];
    if (i === 12) record.id = ""; // an empty id inside a keyed record
    if (i === 14) {
      // Keys that must stay plain data: an unmapped `__proto__` field and one in the metadata.
      Object.defineProperty(record, "__proto__", { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
      const metadata = { note: "x" };
      Object.defineProperty(metadata, "__proto__", { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
      record.metadata = metadata;
    }
    entries[key] = record;
  }
  const sessions: Record<string, unknown> = {};
  const sessionKeys: string[] = [];
  for (let i = 0; i < size.sessions; i++) {
    const key = i === 2 ? `sess-${i}` : uuid(rand);
    sessionKeys.push(key);
    const created = naive(t0 + i * 5_000_000, i % 2 === 0, rand);
    sessions[key] = {
      id: key,
      session_type: i === 3 ? "" : pick(["general", "cbt", "reflection"]),
      title: `Chat ${i} ${pick(TEXTS).slice(0, 10)}`,
      description: i % 2 ? pick(TEXTS) : null,
      status: ["active", "paused", "completed", "archived", "closed"][i % 5],
      created_at: created,
      updated_at: created,
      last_activity: naive(t0 + i * 5_000_000 + 900_000, true, rand),
      message_count: 3, // drifted
      tags: i % 2 ? ["evening"] : [],
      metadata: {},
      ...(i === 0 ? { model: "gpt-x" } : {}),
    };
    if (i === 4) delete (sessions[key] as Record<string, unknown>).description;
  }
  const messages: unknown[] = [];
  const orphanMessages: string[] = [];
  for (let i = 0; i < size.messages; i++) {
    const key = i % 9 === 4 ? `msg-${i}` : uuid(rand);
    let sessionId: string = pick(sessionKeys);
    if (i === 13) {
      sessionId = uuid(rand);
      orphanMessages.push(key);
    }
    messages.push({
      id: key,
      session_id: sessionId,
      content: pick(TEXTS),
      role: i % 2 ? "assistant" : "user",
      timestamp: naive(t0 + (i % 7) * 60_000, i % 2 === 1, rand), // same second in several sessions
      ...(i % 5 === 0 ? {} : { metadata: i % 3 ? { tokens: i } : {} }),
    });
  }
  await mkdir(dir, { recursive: true });
  // entries and sessions as Python writes them (non-ASCII escaped, surrogate pairs); topics raw UTF-8.
  await writeFile(join(dir, "topics.json"), JSON.stringify(topics, null, 2));
  await writeFile(join(dir, "entries.json"), toPythonJson(entries));
  await writeFile(join(dir, "sessions.json"), toPythonJson(sessions));
  await writeFile(join(dir, "messages.json"), toPythonJson(messages)); // an array instead of an object
  return {
    dir,
    files: { "topics.json": topics, "entries.json": entries, "sessions.json": sessions, "messages.json": messages },
    counts: { topics: size.topics, entries: size.entries, sessions: size.sessions, messages: size.messages },
    danglingTopicEntries,
    orphanMessages,
  };
}
