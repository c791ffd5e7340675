import type { JournalEntryRow, UserRow } from "../src/model/rows.js";
import { entryModel } from "../src/model/entities/entries.js";
import { newRow } from "../src/model/entity.js";
import { userModel } from "../src/model/entities/users.js";

/**
 * Rows of the sync benchmark: USERS users and journal entries of about 1.3 KB each as JSON (the
 * row as the contract sees it: about 400 characters of content, its derived searchText, tags,
 * metadata), spread over the users, built by the facade's own `newRow`. Deterministic, so the
 * parent and its children build the same rows.
 */

/** Users the entries are spread over. */
export const USERS = 1000;

const T0 = Date.UTC(2025, 0, 1);
const WORDS = "calm morning walk coffee rain meeting tired grateful anxious focus sleep run journal friend book music garden family work quiet".split(" ");

/** A deterministic lowercase UUID (v7 layout) for row `n` of kind `kind`. */
export function syncBenchId(kind: number, n: number): string {
  return `0193${kind.toString(16).padStart(4, "0")}-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** User `n` (0-based). */
export function benchUser(n: number): UserRow {
  return newRow(userModel, { email: `user${n}@example.com`, displayName: `User ${n}` }, syncBenchId(1, n), new Date(T0).toISOString());
}

/** Journal entry `n` (0-based) of user `n % USERS`. */
export function benchEntry(n: number): JournalEntryRow {
  let content = "";
  for (let i = 0; content.length < 410; i++) content += `${WORDS[(n * 7 + i * 3) % WORDS.length]} `;
  const at = new Date(T0 + n * 60_000).toISOString();
  const input = {
    userId: syncBenchId(1, n % USERS),
    title: `Day ${n}: ${WORDS[n % WORDS.length]}`,
    content,
    mood: (n % 10) + 1,
    energy: (n % 5) + 1,
    tags: ["bench", `t${n % 7}`, WORDS[n % WORDS.length]!],
    entryDate: at.slice(0, 10),
    favorite: n % 5 === 0,
    metadata: { source: "bench", weather: WORDS[(n * 3) % WORDS.length]!, location: { city: "Zürich", lat: 47.37, lon: 8.54 } },
  };
  return newRow(entryModel, input, syncBenchId(2, n), at);
}
