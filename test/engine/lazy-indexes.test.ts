import { describe, expect, it } from "vitest";
import type { Stored } from "../../src/backend.js";
import { Table, uniqueKeyValue } from "../../src/engine/table.js";
import { specOf } from "../../src/model/collections.js";
import { prng } from "../support/prng.js";

/**
 * A table builds its indexes on first lookup, from the rows it holds, then keeps them up to date.
 * Both ways must answer exactly what a scan of the rows answers, whatever the order of puts,
 * replacements and removals before and after the build.
 */

const USERS = ["01900000-0000-7000-8000-0000000000a1", "01900000-0000-7000-8000-0000000000a2", "01900000-0000-7000-8000-0000000000a3"];
const TAGS = ["calm", "work", "rain", "café"];
const idOf = (n: number) => `01900000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;

function entry(random: () => number, n: number, seq: number): Stored {
  const tags = TAGS.filter(() => random() < 0.4);
  return { id: idOf(n), version: seq, userId: USERS[Math.floor(random() * USERS.length)], topicId: random() < 0.5 ? null : idOf(900 + Math.floor(random() * 3)), tags, deleted: random() < 0.2, changeSeq: seq } as unknown as Stored;
}

function user(random: () => number, n: number, seq: number): Stored {
  return { id: idOf(n), version: seq, emailKey: `u${Math.floor(random() * 4)}@example.com`, deleted: random() < 0.3, changeSeq: seq } as unknown as Stored;
}

/** Runs the same random puts and removes on `tables`, checking them all against a scan of the rows after each step. */
function drive(seed: number, collection: "journalEntries" | "users", steps: number, check: (tables: Table[], step: number) => void, ...tables: Table[]) {
  const random = prng(seed);
  const make = collection === "users" ? user : entry;
  for (let step = 1; step <= steps; step++) {
    const n = Math.floor(random() * 40);
    if (random() < 0.15) for (const t of tables) t.remove(idOf(n));
    else {
      const row = make(random, n, step);
      // A unique key is held by one live row at most: the engine checks that before a put.
      if (collection === "users" && !row.deleted) {
        const key = (row as unknown as { emailKey: string }).emailKey;
        const clash = [...tables[0]!.rows.values()].some((r) => !r.deleted && r.id !== row.id && (r as unknown as { emailKey: string }).emailKey === key);
        if (clash) continue;
      }
      for (const t of tables) t.put(row);
    }
    check(tables, step);
  }
}

function scanIds(table: Table, keep: (row: Record<string, unknown>) => boolean): string[] {
  return [...table.rows.values()].filter((r) => keep(r as unknown as Record<string, unknown>)).map((r) => r.id).sort();
}

describe("lazily built table indexes", () => {
  it("are not built by puts, and answer what a scan answers once a lookup builds them", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const eager = new Table(specOf("journalEntries"));
      eager.buildIndexes();
      const lazy = new Table(specOf("journalEntries"));
      const buildAt = 1 + (seed * 37) % 150;
      drive(seed, "journalEntries", 200, (tables, step) => {
        const [e, l] = tables as [Table, Table];
        if (step < buildAt) {
          expect(l.hasIndexes).toBe(false);
          return;
        }
        for (const t of [e, l]) {
          for (const u of USERS) expect([...t.idsByField("userId", u)!].sort(), `seed ${seed} step ${step} userId`).toEqual(scanIds(t, (r) => r.userId === u));
          for (const tag of TAGS) {
            expect([...t.idsByElement("tags", tag)!].sort(), `seed ${seed} step ${step} tag ${tag}`).toEqual(scanIds(t, (r) => !r.deleted && (r.tags as string[]).includes(tag)));
          }
        }
        expect(l.hasIndexes).toBe(true);
      }, eager, lazy);
    }
  });

  it("keep unique keys to the live holder, built late or early", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const eager = new Table(specOf("users"));
      eager.buildIndexes();
      const lazy = new Table(specOf("users"));
      drive(seed, "users", 150, (tables, step) => {
        if (step % 50 !== 0) return;
        for (const t of tables) {
          for (let k = 0; k < 4; k++) {
            const live = scanIds(t, (r) => !r.deleted && r.emailKey === `u${k}@example.com`);
            expect(t.uniqueHolder("emailKey", uniqueKeyValue(["emailKey"], { emailKey: `u${k}@example.com` })!) ?? null, `seed ${seed} step ${step}`).toBe(live[0] ?? null);
          }
        }
      }, eager, lazy);
    }
  });
});
