/**
 * Writes a directory in the journaling app's own layout, the data `importLegacy` brings in
 * (docs/import.md): `topics.json`, `entries.json`, `sessions.json`, `messages.json`, each one
 * object keyed by id, as Python's `json.dumps(indent=2)` writes it (non-ASCII escaped), with
 * snake_case fields and naive timestamps (local time for topics and entries, UTC for sessions
 * and messages; microseconds as Python's `isoformat()` prints them). Seeded: the same sizes
 * always write the same files. Used by the demo (examples/cutover.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** How many records of each file to write. */
export interface LegacyAppSize {
  topics: number;
  entries: number;
  sessions: number;
  messages: number;
}

/** The demo's dataset: a few hundred entries, a few topics, chat sessions with their messages. */
export const DEMO_APP_SIZE: LegacyAppSize = { topics: 6, entries: 300, sessions: 10, messages: 200 };

const MOODS = ["very_negative", "negative", "neutral", "positive", "very_positive"];
const PHRASES = [
  "A calm morning by the lake",
  "Stormy meeting, breathing helped",
  "Café au lait and a long walk",
  "Slept badly, 😴 but the evening was good",
  "Dinner with family 👨‍👩‍👧",
  "Read a chapter, wrote three pages",
];

/** mulberry32: a small seeded PRNG, so the files are the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON as Python's `json.dumps(value, indent=2)` writes it: non-ASCII as `\uXXXX` escapes. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Writes the four files into `dir` (created if needed) and returns how many records each holds.
 * References are consistent (every entry's topic and message's session exists; counters are
 * right), so every record imports; the import still has work to do: labels to map, microseconds
 * and app-only fields to keep, local times to read in the app's zone.
 */
export async function writeLegacyApp(dir: string, size: LegacyAppSize = DEMO_APP_SIZE, seed = 7): Promise<Record<string, number>> {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const uuid4 = () => {
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`;
  };
  // Python's datetime.isoformat(): microseconds only when there are some.
  const naive = (ms: number) => {
    const micros = Math.floor(rand() * 1_000_000);
    return `${new Date(ms).toISOString().slice(0, 19)}${micros ? `.${String(micros).padStart(6, "0")}` : ""}`;
  };
  const start = Date.UTC(2025, 8, 1, 7, 30);
  const HOUR = 3_600_000;

  const topics: Record<string, Record<string, unknown>> = {};
  const topicIds = Array.from({ length: size.topics }, uuid4);
  for (const [i, id] of topicIds.entries()) {
    const created = naive(start + i * HOUR);
    topics[id] = { id, name: `Topic ${i + 1}`, description: i % 2 ? null : "Things worth writing down", color: "#7aa2f7", tags: [], metadata: {}, created_at: created, updated_at: created, entry_count: 0, last_entry_date: null };
  }

  const entries: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < size.entries; i++) {
    const id = uuid4();
    const created = naive(start + i * 7 * HOUR);
    const content = `${pick(PHRASES)}. ${pick(PHRASES)}.`;
    const topicId = i % 3 === 0 && topicIds.length ? pick(topicIds) : null;
    if (topicId) {
      topics[topicId]!.entry_count = (topics[topicId]!.entry_count as number) + 1;
      topics[topicId]!.last_entry_date = created;
    }
    entries[id] = {
      id,
      title: `Day ${i + 1}`,
      content,
      entry_type: topicId ? "topic" : "journal",
      topic_id: topicId,
      tags: i % 2 ? ["work"] : ["home", "evening"],
      template_id: null,
      created_at: created,
      updated_at: created,
      mood: i % 10 === 0 ? null : pick(MOODS),
      sentiment_score: Math.round((rand() * 2 - 1) * 1000) / 1000,
      word_count: content.split(/\s+/).filter(Boolean).length,
      metadata: {},
      is_favorite: i % 7 === 0,
      version: 1,
      parent_entry_id: null,
    };
  }

  const sessions: Record<string, Record<string, unknown>> = {};
  const sessionIds = Array.from({ length: size.sessions }, uuid4);
  const sessionStarts = sessionIds.map((_, i) => start + i * 24 * HOUR);
  for (const [i, id] of sessionIds.entries()) {
    const created = naive(sessionStarts[i]!);
    sessions[id] = { id, session_type: pick(["general", "reflection", "cbt"]), title: `Chat ${i + 1}`, description: null, status: i % 4 === 3 ? "completed" : "active", created_at: created, updated_at: created, last_activity: created, message_count: 0, tags: [], metadata: {} };
  }

  const messages: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < size.messages && sessionIds.length; i++) {
    const id = uuid4();
    const s = i % sessionIds.length;
    const session = sessions[sessionIds[s]!]!;
    const n = session.message_count as number;
    const at = naive(sessionStarts[s]! + (n + 1) * 60_000);
    session.message_count = n + 1;
    session.last_activity = at;
    messages[id] = { id, session_id: session.id, content: n % 2 ? "How did that feel?" : pick(PHRASES), role: n % 2 ? "assistant" : "user", timestamp: at, metadata: {} };
  }

  await mkdir(dir, { recursive: true });
  const files = { "topics.json": topics, "entries.json": entries, "sessions.json": sessions, "messages.json": messages };
  for (const [file, records] of Object.entries(files)) await writeFile(join(dir, file), pythonJson(records));
  return Object.fromEntries(Object.entries(files).map(([file, records]) => [file, Object.keys(records).length]));
}
