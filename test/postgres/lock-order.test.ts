import { describe, expect, it } from "vitest";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { newRow } from "../../src/model/entity.js";
import { messageModel } from "../../src/model/entities/messages.js";
import { uuidv7 } from "../../src/model/ids.js";
import { createStore } from "../../src/store/create-store.js";
import { useTestDatabase } from "../support/postgres.js";

// Lock order across connections: a transaction that locks a session (as messages.append does)
// and then writes under it, while another connection deletes the session's user (the user
// locked, then its sessions tombstoned). Owners are locked top-most first, before the row, so
// the delete waits for the append instead of the two deadlocking.

const url = useTestDatabase(async (u) => void (await migrate(u)));

describe("lock order", () => {
  it("a session locked for an append and its user's delete wait for each other; neither fails", async () => {
    const appender = postgresBackend({ connectionString: url(), poolSize: 2 });
    const deleter = createStore({ backend: postgresBackend({ connectionString: url(), poolSize: 2 }) });
    try {
      const user = await deleter.users.create({ email: `lock-${Date.now()}@example.com`, displayName: "Ada" });
      const session = await deleter.sessions.create({ userId: user.id, title: "s" });
      let locked!: () => void;
      const sessionLocked = new Promise<void>((resolve) => (locked = resolve));
      const append = appender.transaction(async (tx) => {
        const s = await tx.get("chatSessions", session.id, { forUpdate: true });
        locked();
        await new Promise((r) => setTimeout(r, 300)); // the delete starts and waits meanwhile
        const at = new Date().toISOString();
        const message = newRow(messageModel, { sessionId: session.id, role: "user", content: "hi" }, uuidv7(), at);
        await tx.insert("messages", { ...message, userId: user.id, sequence: 1 });
        await tx.update("chatSessions", { ...s!, version: s!.version + 1, messageCount: 1, lastMessageAt: at, updatedAt: at }, s!.version);
      });
      await sessionLocked;
      const deletion = deleter.users.delete(user.id);
      await expect(append).resolves.toBeUndefined();
      await expect(deletion).resolves.toBeUndefined();
      // The delete ran after the append committed, so its cascade took the new message too.
      const page = await appender.query("messages", { where: [{ field: "sessionId", op: "eq", value: session.id }], orderBy: { field: "id", direction: "asc" }, limit: 10 });
      expect(page.rows).toEqual([]);
      const scanned = await appender.scan("messages", { limit: 10 });
      expect(scanned.filter((m) => m.sessionId === session.id).map((m) => m.deleted)).toEqual([true]);
    } finally {
      await appender.close();
      await deleter.close();
    }
  });
});
