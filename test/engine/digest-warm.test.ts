import { describe, expect, it } from "vitest";
import { memoryBackend } from "../../src/backends/memory.js";
import { digestByScan } from "../../src/digest.js";
import { newRow } from "../../src/model/entity.js";
import { entryModel } from "../../src/model/entities/entries.js";
import { userModel } from "../../src/model/entities/users.js";

/**
 * A first digest of a large table hashes every row (about 10 µs each): the engine does it a chunk
 * per turn of the event loop, so other work (an app's requests, the other side's digest query)
 * runs meanwhile, and the digest taken at the end is the same.
 */
describe("engine digest of a large range", () => {
  it("lets the event loop turn while it hashes, and gives the digest a scan gives, writes in between included", async () => {
    const backend = memoryBackend();
    const at = "2026-01-01T00:00:00.000Z";
    const user = newRow(userModel, { email: "warm@example.com", displayName: "W" } as never, "01900000-0000-7000-8000-000000000001", at);
    await backend.applyReplicated("users", [user]);
    const rows = Array.from({ length: 5_000 }, (_, i) =>
      newRow(entryModel, { userId: user.id, content: `entry ${i} ${"text ".repeat(50)}` } as never, `01900000-0000-7000-8000-${(i + 2).toString(16).padStart(12, "0")}`, at),
    );
    await backend.applyReplicated("journalEntries", rows);

    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const digesting = backend.digest!("journalEntries", {});
    // A write while the digest runs: the digest reflects the rows stored when it is taken.
    const changed = { ...rows[10]!, version: 2, content: "changed while digesting" };
    const writing = backend.applyReplicated("journalEntries", [changed as never]);
    const [digest] = await digesting;
    ticking = false;
    await writing;
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(digest!.count).toBe(5_000);
    expect(await backend.digest!("journalEntries", {})).toEqual(await digestByScan(backend, "journalEntries", {}));
  });
});
