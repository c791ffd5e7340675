import type { JournalEntryRow, UserRow } from "../src/model/rows.js";
import { entryModel } from "../src/model/entities/entries.js";
import { emailKeyOf } from "../src/model/text.js";

/** Rows for the JSON benchmark: journal entries with about 1 KB of content, as the facade builds them. */

const T0 = Date.UTC(2026, 0, 1);
const WORDS = "calm morning walk coffee rain meeting tired grateful anxious focus sleep run journal friend book music".split(" ");

/** A deterministic lowercase UUID for bench row `n`. */
export function benchId(n: number, kind: number): string {
  return `0191${kind.toString(16).padStart(4, "0")}-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** The benchmark's user. */
export function userRow(): UserRow {
  const at = new Date(T0).toISOString();
  return {
    id: benchId(1, 1), version: 1, createdAt: at, updatedAt: at, deleted: false,
    email: "bench@example.com", emailKey: emailKeyOf("bench@example.com"), displayName: "Bench", passwordHash: null,
    privacyLevel: "private", preferences: {}, timezone: "UTC", active: true, lastLoginAt: null,
  };
}

/** Journal entry `n` (about 1 KB of content, plus its derived searchText). */
export function entryRow(n: number, userId: string): JournalEntryRow {
  let content = "";
  for (let i = 0; content.length < 1000; i++) content += `${WORDS[(n * 7 + i * 3) % WORDS.length]} `;
  const title = `Day ${n}`;
  const at = new Date(T0 + n * 1000).toISOString();
  return entryModel.derive({
    id: benchId(n, 2), version: 1, createdAt: at, updatedAt: at, deleted: false, userId, title, content,
    searchText: "", mood: (n % 10) + 1, energy: null, tags: ["bench", `t${n % 7}`],
    entryDate: at.slice(0, 10), favorite: n % 5 === 0, metadata: {}, aiAnalysis: null, embedding: null,
    wordCount: 0,
  });
}

/** The `q` quantile of `values` (milliseconds). */
export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}
