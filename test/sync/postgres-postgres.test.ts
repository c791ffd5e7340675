import pg from "pg";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate } from "../../src/backends/postgres/index.js";
import { dualWriteBackend } from "../../src/dual-write/index.js";
import { createStore } from "../../src/store/create-store.js";
import { backfill, compare, repair } from "../../src/sync/index.js";
import { generateDataset } from "../support/dataset.js";
import { expectSidesEqual, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";

// A database-to-database move (onto a bigger cluster) with the same tools as the JSON cutover:
// backfill, compare and repair between two real PostgreSQL databases, then dual write between them.
const a = useTestDatabase(async (u) => void (await migrate(u)));
const b = useTestDatabase(async (u) => void (await migrate(u)));
const oldDb = postgresSide(a);
const newDb = postgresSide(b);
let from: Backend;
let to: Backend;

beforeEach(async () => {
  await Promise.all([oldDb.reset(), newDb.reset()]);
  from = await oldDb.open();
  to = await newDb.open();
});
afterEach(async () => {
  await Promise.allSettled([from.close(), to.close()]);
});

it("backfill, compare, repair and dual write move a database onto another, losslessly", async () => {
  await generateDataset(createStore({ backend: from }), { users: 3, entriesPerUser: 8 });
  expect((await backfill({ source: from, target: to, batchSize: 50 })).status).toBe("completed");
  expect((await compare({ source: from, target: to })).divergences).toEqual([]);
  await expectSidesEqual(from, to);

  // A row changed behind the tools' back on the new database is found and repaired.
  const entry = (await from.scan("journalEntries", { limit: 1 }))[0]!;
  const client = new pg.Client({ connectionString: b() });
  await client.connect();
  await client.query(`UPDATE journal_store.journal_entries SET favorite = NOT favorite WHERE id = $1`, [entry.id]);
  await client.end();
  const found = await compare({ source: from, target: to });
  expect(found.divergences.map((d) => [d.id, d.fields])).toEqual([[entry.id, ["favorite"]]]);
  const fixed = await repair({ source: from, target: to, divergences: found.divergences, force: true });
  expect(fixed.unresolved).toEqual([]);

  // Then the app writes through dual write old -> new, and the new database takes over.
  const backend = dualWriteBackend({ from, to, stage: "shadow", shadowSample: 1, cutoverMinShadowReads: 1 });
  const store = createStore({ backend });
  const user = await store.users.create({ email: "moved@example.com", displayName: "Moved" });
  for (let i = 0; i < 10; i++) await store.entries.create({ userId: user.id, content: `written during the move ${i}` });
  await store.entries.list({ userId: user.id, limit: 20 });
  await backend.flush();
  for (let i = 0; i < 200 && backend.stats().shadow.compared < 1; i++) await new Promise((r) => setTimeout(r, 10));
  expect((await compare({ source: from, target: to, settle: backend })).divergences).toEqual([]);
  await backend.setStage("live");
  await store.entries.create({ userId: user.id, content: "written on the new database first" });
  await backend.flush();
  await expectSidesEqual(from, to);
  await backend.close();
});
