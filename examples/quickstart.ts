/**
 * The smallest useful program: a store on a directory of JSON files, a user, a few entries, a
 * list and a search, an update, a delete, a chat session with messages, and a clean close.
 *
 *   npx tsx examples/quickstart.ts           # in a temporary directory, removed at the end
 *   npx tsx examples/quickstart.ts ./data    # in ./data, kept: run it again to add more
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStore, jsonFileBackend } from "../src/index.js";

const keep = process.argv[2];
const dir = keep ?? (await mkdtemp(join(tmpdir(), "journal-quickstart-")));

// One store over one directory. The same calls work over memoryBackend() or PostgreSQL.
const store = createStore({ backend: jsonFileBackend({ dir }) });
try {
  // Emails are unique among users (in any case), so a second run finds Ada instead of failing.
  const ada = (await store.users.getByEmail("ada@example.com")) ?? (await store.users.create({ email: "ada@example.com", displayName: "Ada" }));
  console.log("user:", ada.displayName);

  // Entries belong to a user. The store trims and de-duplicates tags and derives the word count.
  const monday = await store.entries.create({ userId: ada.id, title: "Monday", content: "A calm morning by the lake.", tags: ["calm", " calm"], mood: 7 });
  const tuesday = await store.entries.create({ userId: ada.id, title: "Tuesday", content: "Stormy meeting at work.", tags: ["work"], mood: 4 });
  await store.entries.create({ userId: ada.id, title: "Wednesday", content: "Back to the lake after work.", tags: ["work", "calm"], mood: 6 });
  console.log("created:", monday.title, monday.tags, `${monday.wordCount} words`);

  // Lists page by cursor (`nextCursor`); search matches every word, in any case.
  const calm = await store.entries.list({ userId: ada.id, tags: ["calm"], limit: 10 });
  console.log("tagged calm:", calm.items.map((e) => e.title).sort().join(", "));
  const hits = await store.entries.search({ userId: ada.id, text: "LAKE" });
  console.log("search 'LAKE':", hits.items.map((e) => e.title).sort().join(", "));

  // An update names the version it read: a write made since in between is refused (ConflictError).
  const updated = await store.entries.update(monday.id, { mood: 8 }, { expectedVersion: monday.version });
  console.log("updated:", updated.title, "mood", updated.mood, "version", updated.version);

  // A delete leaves a tombstone (for sync); reads no longer see the entry.
  await store.entries.delete(tuesday.id);
  console.log("deleted:", tuesday.title, "| get:", await store.entries.get(tuesday.id));

  // A chat session; each appended message gets the session's next sequence number.
  const chat = await store.sessions.create({ userId: ada.id, title: "Evening reflection" });
  await store.messages.append({ sessionId: chat.id, role: "user", content: "Today was calm." });
  await store.messages.append({ sessionId: chat.id, role: "assistant", content: "What made it calm?" });
  for (const m of (await store.messages.list({ sessionId: chat.id })).items) console.log(`message ${m.sequence} ${m.role}: ${m.content}`);
} finally {
  // Close flushes the files and releases the directory's writer lock.
  await store.close();
  if (!keep) await rm(dir, { recursive: true, force: true });
}
console.log(keep ? `done; the store is in ${keep}` : "done");
