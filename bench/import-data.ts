import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { toPythonJson } from "../src/legacy/python-json.js";

/**
 * The benchmark's app directory: `entries` journal entries (about 600 characters of content,
 * some non-ASCII, so the file is escaped the way Python writes it) and a few topics, in the
 * app's own layout. Returns the bytes of the files.
 */

const WORDS = "calm morning walk coffee rain meeting tired grateful anxious focus sleep run journal friend book music café 日本 😀".split(" ");
const MOODS = ["very_positive", "positive", "neutral", "negative", "very_negative"];

function hexId(n: number, kind: number): string {
  return `${kind.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** Writes topics.json and entries.json into `dir`; returns their total size in bytes. */
export async function writeBenchApp(dir: string, entries: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  const topics: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++) {
    const id = hexId(i + 1, 1);
    topics[id] = { name: `Topic ${i}`, description: null, color: "#7aa2f7", tags: [], id, created_at: "2025-01-01T09:00:00", updated_at: "2025-01-01T09:00:00", entry_count: 0, last_entry_date: null, metadata: {} };
  }
  const out: Record<string, unknown> = {};
  const t0 = Date.UTC(2024, 0, 1, 7, 0, 0);
  for (let n = 0; n < entries; n++) {
    let content = "";
    for (let i = 0; content.length < 600; i++) content += `${WORDS[(n * 7 + i * 3) % WORDS.length]} `;
    const id = hexId(n + 1, 2);
    const at = new Date(t0 + n * 600_000).toISOString().slice(0, 19);
    out[id] = {
      title: `Day ${n}`,
      content,
      entry_type: n % 4 === 0 ? "topic" : "journal",
      topic_id: n % 4 === 0 ? hexId((n % 20) + 1, 1) : null,
      tags: ["daily", `t${n % 7}`],
      template_id: null,
      id,
      created_at: at,
      updated_at: n % 3 === 0 ? `${at}.123456` : at,
      mood: MOODS[n % 5],
      sentiment_score: (n % 100) / 100,
      word_count: content.split(/\s+/).filter(Boolean).length,
      metadata: {},
      is_favorite: n % 9 === 0,
      version: 1,
      parent_entry_id: null,
    };
  }
  await writeFile(join(dir, "topics.json"), toPythonJson(topics));
  await writeFile(join(dir, "entries.json"), toPythonJson(out));
  return (await stat(join(dir, "topics.json"))).size + (await stat(join(dir, "entries.json"))).size;
}
