import type { JournalEntryRow, UserRow } from "../src/model/rows.js";
import { entryModel } from "../src/model/entities/entries.js";
import { newRow } from "../src/model/entity.js";
import { userModel } from "../src/model/entities/users.js";

/** Rows for the JSON benchmark: journal entries with about 1 KB of content, as the facade builds them. */

const T0 = Date.UTC(2026, 0, 1);
const WORDS = "calm morning walk coffee rain meeting tired grateful anxious focus sleep run journal friend book music".split(" ");

/** A deterministic lowercase UUID for bench row `n`. */
export function benchId(n: number, kind: number): string {
  return `0191${kind.toString(16).padStart(4, "0")}-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** The benchmark's user. */
export function userRow(): UserRow {
  return newRow(userModel, { email: "bench@example.com", displayName: "Bench" }, benchId(1, 1), new Date(T0).toISOString());
}

/** Journal entry `n` (about 1 KB of content; its searchText is derived, as the facade does). */
export function entryRow(n: number, userId: string): JournalEntryRow {
  let content = "";
  for (let i = 0; content.length < 1000; i++) content += `${WORDS[(n * 7 + i * 3) % WORDS.length]} `;
  const at = new Date(T0 + n * 1000).toISOString();
  const input = { userId, title: `Day ${n}`, content, mood: (n % 10) + 1, tags: ["bench", `t${n % 7}`], entryDate: at.slice(0, 10), favorite: n % 5 === 0 };
  return newRow(entryModel, input, benchId(n, 2), at);
}

/** The `q` quantile of `values` (milliseconds). */
export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}
