/**
 * `npm run demo`: a tour of @journal/store on the JSON-file backend (today's storage), then the
 * whole cutover to an embedded PostgreSQL (examples/cutover.ts), starting from the app's own
 * files (examples/legacy-app.ts) imported with `importLegacy`. Every call in the tour works the
 * same on the in-memory and PostgreSQL backends. `npm run demo -- --json` prints only the
 * cutover's summary, as JSON.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConflictError, ValidationError, createStore, jsonFileBackend } from "../src/index.js";
import { runCutover } from "./cutover.js";

const asJson = process.argv.includes("--json");
const console = asJson ? { ...globalThis.console, log: () => {}, table: () => {} } : globalThis.console;

const dir = await mkdtemp(join(tmpdir(), "journal-store-demo-"));
let store = createStore({ backend: jsonFileBackend({ dir }) });
console.log("JSON store in", dir);

const ada = await store.users.create({ email: "ada@example.com", displayName: "Ada", passwordHash: "argon2id$..." });
console.log("user created:", ada.id, ada.email, "(password hash hidden:", !("passwordHash" in ada), ")");
console.log("found by email, any case:", (await store.users.getByEmail("ADA@Example.com"))?.displayName);

const monday = await store.entries.create({
  userId: ada.id,
  title: "Monday",
  content: "A calm morning by the lake, then a busy afternoon.",
  tags: ["work", " calm ", "work"],
  mood: 7,
  entryDate: "2026-03-02",
});
await store.entries.create({ userId: ada.id, title: "Tuesday", content: "Stormy meeting. Breathing helped.", tags: ["work"], mood: 4, entryDate: "2026-03-03" });
console.log("tags are trimmed and de-duplicated:", monday.tags, "| words:", monday.wordCount);

const updated = await store.entries.update(monday.id, { mood: 8 }, { expectedVersion: monday.version });
console.log("updated to version", updated.version);
try {
  await store.entries.update(monday.id, { mood: 9 }, { expectedVersion: monday.version });
} catch (error) {
  if (error instanceof ConflictError) console.log("stale write refused:", error.code, error.reason);
}

const page = await store.entries.list({ userId: ada.id, tags: ["work"], limit: 1 });
const next = await store.entries.list({ userId: ada.id, tags: ["work"], limit: 1, cursor: page.nextCursor });
console.log("paged list:", page.items[0]?.title, "then", next.items[0]?.title);
console.log("search 'CALM lake':", (await store.entries.search({ userId: ada.id, text: "CALM lake" })).items.map((e) => e.title));

const chat = await store.sessions.create({ userId: ada.id, title: "Evening reflection" });
await Promise.all(["Hi", "How was today?", "Better than yesterday."].map((content) => store.messages.append({ sessionId: chat.id, role: "user", content })));
const messages = await store.messages.list({ sessionId: chat.id });
console.log("concurrent appends got sequences:", messages.items.map((m) => m.sequence), "| session count:", (await store.sessions.get(chat.id))?.messageCount);

const analytics = await store.analytics.refresh(ada.id);
const week = analytics.find((r) => r.period === "week");
console.log("week of", week?.periodStart, "→", week?.entryCount, "entries, mood", week?.averageMood, "streak", week?.streak, "top tags", week?.topTags);

try {
  await store.entries.create({ userId: ada.id, content: "bad\u0000byte", mood: Number.NaN });
} catch (error) {
  if (error instanceof ValidationError) console.log("rejected, nothing stored:", error.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
}

await store
  .transaction(async (tx) => {
    await tx.entries.create({ userId: ada.id, content: "written inside a transaction" });
    throw new Error("changed my mind");
  })
  .catch(() => {});
console.log("after a rolled-back transaction:", (await store.entries.list({ userId: ada.id })).items.length, "entries");

await store.close();
store = createStore({ backend: jsonFileBackend({ dir }) });
console.log("reopened:", (await store.entries.list({ userId: ada.id })).items.length, "entries survived; files:", (await readdir(dir)).join(", "));

await store.users.delete(ada.id);
console.log("user deleted; entries left:", (await store.entries.list({ userId: ada.id })).items.length, "| tombstone kept for sync:", (await store.backend.get("users", ada.id))?.deleted);
await store.close();
await rm(dir, { recursive: true, force: true });

console.log("\n== the cutover: the app's own files -> JSON store -> PostgreSQL, with the app running");
const summary = await runCutover((line) => console.log(line));
if (asJson) globalThis.console.log(JSON.stringify(summary, null, 2));
else {
  console.log("\nIn plain words: the app's own files came in without losing a record; every row moved to");
  console.log("PostgreSQL while the app kept writing; compare found the sides equal;");
  console.log("a difference planted on PostgreSQL was caught by a shadow read and repaired; the cutover gate held");
  console.log("PostgreSQL back until enough shadow reads (100) had agreed; now it serves");
  console.log("reads while the JSON files are still written, so rolling back is one stage move away.\n");
  console.table(Object.fromEntries(summary.legacyImport.map((f) => [f.file, { read: f.read, imported: f.imported, "not imported": f.notImported }])));
  console.table({
    "rows moved": summary.rowsMoved,
    "backfill rows/s": summary.backfillRowsPerSecond,
    "live writes during backfill": summary.liveWritesDuringBackfill,
    "divergences found": summary.divergencesFound,
    "divergences repaired": summary.divergencesRepaired,
    "shadow consistency": summary.shadowConsistency,
    "write p50 json / postgres (ms)": `${summary.p50Ms.json.toFixed(2)} / ${summary.p50Ms.postgres.toFixed(2)}`,
    "write p99 json / postgres (ms)": `${summary.p99Ms.json.toFixed(2)} / ${summary.p99Ms.postgres.toFixed(2)}`,
    "seconds": summary.seconds,
  });
}
