import type { Store } from "../store/create-store.js";

/** Creates a user with a unique email; the common first step of most cases. */
export async function seedUser(store: Store, name = "ada") {
  return store.users.create({ email: `${name}@example.com`, displayName: name, passwordHash: `hash-of-${name}` });
}

/** Creates a user with `count` entries on consecutive days from 2026-01-01, tags and moods varied. */
export async function seedEntries(store: Store, count: number, name = "ada") {
  const user = await seedUser(store, name);
  const entries = [];
  for (let i = 0; i < count; i++) {
    entries.push(
      await store.entries.create({
        userId: user.id,
        title: `Day ${i}`,
        content: `entry number ${i}`,
        entryDate: `2026-01-${String((i % 28) + 1).padStart(2, "0")}`,
        tags: i % 2 === 0 ? ["even", `t${i % 3}`] : ["odd", `t${i % 3}`],
        mood: (i % 10) + 1,
        favorite: i % 4 === 0,
      }),
    );
  }
  return { user, entries };
}
