import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Stored } from "../../src/backend.js";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { dualWriteBackend } from "../../src/dual-write/index.js";
import { REPLICATED_COLLECTIONS } from "../../src/model/collections.js";
import { createStore } from "../../src/store/create-store.js";
import { expectSidesEqual } from "../support/dual.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { withClient } from "../support/pg-client.js";
import { runCli } from "./helpers.js";

// The CLI beside a running app in dual-write: the app holds the JSON directory (the CLI reads it
// as it is when opened) and keeps creating, updating and deleting through its dual-write backend
// while `--mode all` backfills, compares and repairs. Nothing the app wrote after the CLI read
// its source may be removed or overwritten on PostgreSQL, and the run must not call those rows
// divergences.
const url = useTestDatabase(async (u) => void (await migrate(u)));
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-cli-live-"));
  await withClient(url(), (c) => c.query(TRUNCATE_ALL));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the CLI beside a running app", () => {
  it("--mode all while the app writes: exit 0, and every row the app holds is live and equal on PostgreSQL", async () => {
    const json = jsonFileBackend({ dir });
    const postgres = postgresBackend({ connectionString: url(), poolSize: 4 });
    // Rows from before dual write: only in the JSON files until the backfill copies them.
    const before = createStore({ backend: json });
    const user = await before.users.create({ email: "ada@example.com", displayName: "Ada" });
    const early: string[] = [];
    for (let i = 0; i < 60; i++) early.push((await before.entries.create({ userId: user.id, title: `early ${i}`, content: "before dual write" })).id);

    const dual = dualWriteBackend({ from: json, to: postgres, stage: "dual-write", reconcileIntervalMs: 3_600_000 });
    const app = createStore({ backend: dual });
    await app.users.get(user.id); // started: replication runs from here on
    let stop = false;
    let writes = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const created = await app.entries.create({ userId: user.id, title: `live ${i}`, content: "written during the run" });
        if (i % 3 === 1) await app.entries.update(created.id, { content: "and changed" });
        if (i % 5 === 2) await app.entries.delete(early[i % early.length]!).catch(() => undefined);
        writes++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const r = await runCli(["--from", `json:${dir}`, "--to", url(), "--batch-size", "10", "--mode", "all", "--json"]);
    stop = true;
    await writer;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const outcome = JSON.parse(r.stdout) as { compare: { divergences: unknown[]; collections: Record<string, { newerOnTarget: number }> }; repair: unknown };
    expect(outcome.compare.divergences).toEqual([]);
    expect(outcome.repair).toBeNull();
    expect(writes).toBeGreaterThan(10);
    // The app wrote during the run: some of it the CLI saw as changed after its source was read.
    expect(Object.values(outcome.compare.collections).reduce((n, c) => n + c.newerOnTarget, 0)).toBeGreaterThan(0);

    // Nothing the app holds live was removed on PostgreSQL; once replication is flushed, the sides are equal.
    await dual.flush();
    for (const collection of REPLICATED_COLLECTIONS) {
      const live = (await json.scan(collection, { limit: 100_000 })).filter((row: Stored) => !row.deleted).map((row) => row.id);
      const there = await postgres.getMany(collection, live);
      expect(there.filter((row) => row === null || row.deleted).length, collection).toBe(0);
    }
    await expectSidesEqual(json, postgres);
    await dual.close();
  }, 60_000);
});
