/**
 * `npm run bench:batch`: what one large transaction costs per row on the memory and JSON-file
 * backends, against the same rows in transactions of 500 in the same run. A backfill or repair
 * into a JSON store (a rollback) writes batches of `--batch-size` rows in one transaction each,
 * and a purge removes every old tombstone in one, so a check that grew with the transaction's
 * size would make large batches quadratic. Measured:
 * - `applyReplicated` of BENCH_ROWS users (a unique key checked per row), in one batch and in
 *   batches of 500;
 * - `purge` of BENCH_ROWS tombstoned journal entries and their tombstoned owners (a reference
 *   check per owner), against writing those tombstones;
 * - deleting through the facade one user who owns BENCH_ROWS / 2 journal entries and BENCH_ROWS / 40
 *   chat sessions of 20 messages each: the cascade finds the owned rows by one query per owner
 *   inside the delete's one transaction, against writing the same tombstones in one transaction
 *   with the rows already in hand.
 *
 * BENCH_ROWS (default 20,000) sets the size. Prints a Markdown table and the ratios.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../src/backend.js";
import { createStore } from "../src/index.js";
import { tombstoneOf } from "../src/model/collections.js";
import type { CollectionName } from "../src/model/rows.js";
import { jsonFileBackend } from "../src/backends/json/index.js";
import { memoryBackend } from "../src/backends/memory.js";
import type { JournalEntryRow, UserRow } from "../src/model/rows.js";
import { benchEntry, benchUser, USERS } from "./sync-rows.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const SMALL = 500;
const scratch = await mkdtemp(join(tmpdir(), "journal-bench-batch-"));
const OLD = "2025-06-01T00:00:00.000Z";

const tombstone = <T extends UserRow | JournalEntryRow>(row: T): T => ({ ...row, deleted: true, version: row.version + 1, updatedAt: OLD });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function applyIn<R extends UserRow | JournalEntryRow>(backend: Backend, collection: "users" | "journalEntries", rows: readonly R[], size: number) {
  for (let i = 0; i < rows.length; i += size) await backend.applyReplicated(collection, rows.slice(i, i + size) as never);
}

interface Line {
  backend: string;
  oneBatchMs: number;
  smallBatchesMs: number;
  writeTombstonesMs: number;
  purgeMs: number;
  cascadeRows: number;
  cascadeMs: number;
  cascadeFloorMs: number;
}

const SESSION_MESSAGES = 20;

/** A user owning `rows / 2` entries and `rows / 40` sessions of 20 messages, written through the facade. */
async function userWithData(backend: Backend, rows: number): Promise<string> {
  const store = createStore({ backend });
  const user = await store.users.create({ email: "owner@example.com", displayName: "Owner" });
  for (let done = 0; done < rows / 2; done += SMALL) {
    await store.transaction(async (t) => {
      for (let i = done; i < Math.min(rows / 2, done + SMALL); i++) await t.entries.create({ userId: user.id, content: `Entry ${i}` });
    });
  }
  for (let done = 0; done < rows / 40; done += SMALL / SESSION_MESSAGES) {
    await store.transaction(async (t) => {
      for (let s = done; s < Math.min(rows / 40, done + SMALL / SESSION_MESSAGES); s++) {
        const session = await t.sessions.create({ userId: user.id, title: `Session ${s}` });
        for (let m = 0; m < SESSION_MESSAGES; m++) await t.messages.create({ sessionId: session.id, role: "user", content: `Message ${m}` });
      }
    });
  }
  return user.id;
}

/** Ms to delete the user (cascading) on one copy, and to write the same tombstones in one transaction on another. */
async function cascade(open: (label: string) => Backend, rows: number): Promise<{ rows: number; ms: number; floorMs: number }> {
  const deleting = open("cascade");
  const userId = await userWithData(deleting, rows);
  const ms = await timed(() => createStore({ backend: deleting }).users.delete(userId));
  await deleting.close();
  const floor = open("cascade-floor");
  await userWithData(floor, rows);
  const owned: { collection: CollectionName; row: Awaited<ReturnType<Backend["scan"]>>[number] }[] = [];
  for (const collection of ["messages", "chatSessions", "journalEntries", "users"] as const) {
    for (const row of await floor.scan(collection, { limit: 10 * rows })) owned.push({ collection, row });
  }
  const at = new Date().toISOString();
  const floorMs = await timed(() =>
    floor.transaction(async (tx) => {
      for (const { collection, row } of owned) {
        const { changeSeq: _seq, ...plain } = row;
        await tx.update(collection, tombstoneOf(collection, plain as never, at), row.version);
      }
    }),
  );
  await floor.close();
  return { rows: owned.length, ms, floorMs };
}

async function measure(name: string, open: (label: string) => Backend): Promise<Line> {
  const users = Array.from({ length: ROWS }, (_, i) => benchUser(i));
  const small = open("small");
  const smallBatchesMs = await timed(() => applyIn(small, "users", users, SMALL));
  await small.close();
  const one = open("one");
  const oneBatchMs = await timed(() => applyIn(one, "users", users, ROWS));
  await one.close();

  const purging = open("purge");
  const owners = users.slice(0, USERS);
  const entries = Array.from({ length: ROWS }, (_, i) => benchEntry(i));
  await applyIn(purging, "users", owners, SMALL);
  await applyIn(purging, "journalEntries", entries, SMALL);
  const writeTombstonesMs = await timed(async () => {
    await applyIn(purging, "journalEntries", entries.map(tombstone), SMALL);
    await applyIn(purging, "users", owners.map(tombstone), SMALL);
  });
  const purgeMs = await timed(() => purging.purge({ olderThan: "2026-01-01T00:00:00.000Z" }));
  await purging.close();
  const deleted = await cascade(open, ROWS);
  return { backend: name, oneBatchMs, smallBatchesMs, writeTombstonesMs, purgeMs, cascadeRows: deleted.rows, cascadeMs: deleted.ms, cascadeFloorMs: deleted.floorMs };
}

const lines: Line[] = [];
try {
  lines.push(await measure("memory", () => memoryBackend()));
  lines.push(await measure("json-file", (label) => jsonFileBackend({ dir: join(scratch, label) })));
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const rate = (rows: number, ms: number) => Math.round((rows / ms) * 1000).toLocaleString("en");
const purged = ROWS + USERS;
process.stdout.write(
  [
    `Large transactions against batches of ${SMALL}, ${ROWS.toLocaleString("en")} rows, one run (Node ${process.version}).`,
    "",
    `| backend | users, one batch (rows/s) | users, batches of ${SMALL} (rows/s) | one batch / batches of ${SMALL}, time | purge ${purged.toLocaleString("en")} tombstones (rows/s) | writing them (rows/s) | purge / writing, time |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...lines.map(
      (l) =>
        `| ${l.backend} | ${rate(ROWS, l.oneBatchMs)} | ${rate(ROWS, l.smallBatchesMs)} | ${(l.oneBatchMs / l.smallBatchesMs).toFixed(2)}x | ${rate(purged, l.purgeMs)} | ${rate(purged, l.writeTombstonesMs)} | ${(l.purgeMs / l.writeTombstonesMs).toFixed(2)}x |`,
    ),
    "",
    `A user deleted through the facade, the cascade in one transaction, against writing the same tombstones in one transaction (rows at hand):`,
    "",
    "| backend | rows deleted | cascade (rows/s) | tombstones alone (rows/s) | cascade / tombstones alone, time |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...lines.map((l) => `| ${l.backend} | ${l.cascadeRows.toLocaleString("en")} | ${rate(l.cascadeRows, l.cascadeMs)} | ${rate(l.cascadeRows, l.cascadeFloorMs)} | ${(l.cascadeMs / l.cascadeFloorMs).toFixed(2)}x |`),
    "",
  ].join("\n"),
);
