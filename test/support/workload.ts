import type { Store } from "../../src/store/create-store.js";

/** Options of {@link writeStream}. */
export interface StreamOptions {
  /** Concurrent writers, each with its own user and chat session. */
  writers: number;
  /** Writes per writer. */
  steps: number;
  /** Random source (a seeded PRNG for reproducible runs). */
  rnd: () => number;
  /** Awaited after every acknowledged write with the running count (inject faults here). */
  onAck?: (acked: number) => Promise<void> | void;
}

/**
 * A stream of app writes through the facade: per writer, entries created, updated and deleted,
 * messages appended to a session, and now and then the whole user deleted (a cascade of
 * tombstones in one transaction) and a new one created. Every write must be acknowledged: a
 * rejected write rejects the stream. Resolves with the number of writes acknowledged.
 */
export async function writeStream(store: Store, options: StreamOptions): Promise<number> {
  const { rnd } = options;
  let acked = 0;
  const ack = async () => {
    acked++;
    await options.onAck?.(acked);
  };
  const writer = async (w: number) => {
    let user = await store.users.create({ email: `writer${w}-${Math.floor(rnd() * 1e9)}@example.com`, displayName: `w${w}` });
    let session = await store.sessions.create({ userId: user.id, title: `s${w}` });
    await ack();
    let entries: string[] = [];
    for (let i = 0; i < options.steps; i++) {
      const r = rnd();
      if (r < 0.35 || entries.length === 0) {
        const e = await store.entries.create({ userId: user.id, title: `w${w} e${i}`, content: `step ${i}`, tags: ["t", `w${w}`], mood: 1 + (i % 10) });
        entries.push(e.id);
      } else if (r < 0.6) {
        await store.entries.update(entries[Math.floor(rnd() * entries.length)]!, { mood: 1 + Math.floor(rnd() * 10), content: `updated ${i}` });
      } else if (r < 0.7) {
        const at = Math.floor(rnd() * entries.length);
        await store.entries.delete(entries[at]!);
        entries.splice(at, 1);
      } else if (r < 0.97) {
        await store.messages.append({ sessionId: session.id, role: rnd() < 0.5 ? "user" : "assistant", content: `m${i}` });
      } else {
        await store.users.delete(user.id);
        user = await store.users.create({ email: `writer${w}-${Math.floor(rnd() * 1e9)}@example.com`, displayName: `w${w}` });
        session = await store.sessions.create({ userId: user.id, title: `s${w}` });
        entries = [];
      }
      await ack();
    }
  };
  await Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w + 1)));
  return acked;
}
