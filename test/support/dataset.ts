import type { Store } from "../../src/store/create-store.js";
import { prng } from "./random-ops.js";

const TEXTS = [
  "plain words about a calm morning",
  "Ünïcödé café naïve Zürich",
  "emoji 🧘‍♀️ 👩‍👩‍👧 astral 𝒜𝒷𝒸 and CJK 日本語のテキスト",
  "RTL שלום עולם مرحبا بالعالم",
  "quotes \" ' and back\\slash and 100% _wild_",
  "",
  "x".repeat(20_000),
];

/**
 * Fills a store with every collection: users, entries (unicode, large texts, empty arrays, nulls,
 * JSON, embeddings), sessions with messages, content, analytics, and deletes that leave
 * tombstones (cascading ones included). Deterministic for a seed.
 */
export async function generateDataset(store: Store, options: { users?: number; entriesPerUser?: number; seed?: number } = {}) {
  const rand = prng(options.seed ?? 7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const users = [];
  for (let u = 0; u < (options.users ?? 4); u++) {
    const user = await store.users.create({ email: `user${u}@example.com`, displayName: pick(TEXTS).slice(0, 100) || "name", preferences: { theme: u % 2 ? "dark" : "light", nested: { a: [1, 2.5, null] } } });
    users.push(user);
    const topics = [];
    for (let t = 0; t < 3; t++) topics.push(await store.topics.create({ userId: user.id, name: `topic ${t} ${pick(TEXTS).slice(0, 50)}`, tags: t ? ["t"] : [], metadata: { t } }));
    for (let i = 0; i < (options.entriesPerUser ?? 12); i++) {
      const entry = await store.entries.create({
        userId: user.id,
        topicId: rand() < 0.5 ? null : pick(topics).id,
        title: pick(TEXTS).slice(0, 200),
        content: pick(TEXTS),
        tags: rand() < 0.3 ? [] : [pick(["work", "home", "Ünï", "🧘"]), pick(["calm", "busy"])],
        mood: rand() < 0.3 ? null : 1 + Math.floor(rand() * 10),
        metadata: rand() < 0.5 ? {} : { source: "gen", n: i, deep: { list: [i, "x", { k: true }] } },
        aiAnalysis: rand() < 0.5 ? null : { sentiment: rand(), emotions: ["joy"] },
        embedding: rand() < 0.7 ? null : [rand(), -rand(), 0, 1e-7],
        entryDate: `2026-0${1 + (i % 9)}-1${i % 10}`,
      });
      if (i % 5 === 4) await store.entries.delete(entry.id);
      else if (i % 3 === 0) await store.entries.update(entry.id, { favorite: true, tags: [] });
    }
    await store.topics.delete(topics[2]!.id); // its entries are detached, not deleted
    const session = await store.sessions.create({ userId: user.id, title: "chat", aiConfig: { model: "m", temperature: 0.5 } });
    for (let m = 0; m < 6; m++) {
      await store.messages.append({ sessionId: session.id, role: m % 2 ? "assistant" : "user", content: pick(TEXTS), citations: m % 2 ? [{ id: m }] : [], tokens: m * 10 });
    }
    await store.analytics.refresh(user.id);
  }
  for (let c = 0; c < 5; c++) {
    await store.content.create({ title: `article ${c}`, content: pick(TEXTS) || "body", category: "cbt", tags: c % 2 ? [] : ["sleep"], evidenceLevel: "strong", source: c % 2 ? null : "a book" });
  }
  // A deleted user: its entries, sessions, messages and analytics become tombstones too.
  await store.users.delete(users[users.length - 1]!.id);
  return { users };
}
