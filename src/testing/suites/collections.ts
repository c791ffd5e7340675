import { describe, expect, it } from "vitest";
import type { BackendReader, BackendWriter } from "../../backend.js";
import { ValidationError } from "../../errors.js";
import { COLLECTION_NAMES } from "../../model/collections.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

/** Names that are not collections: a typo, the empty name, and names every object inherits. */
const UNKNOWN = ["journalEntry", "", "constructor", "__proto__", "toString", "hasOwnProperty"];

/** An id no row has. */
const FRESH_ID = "01900000-0000-7000-8000-00000000f00d";

/** Every member of the contract that names a collection, called with `collection`. */
function callsOn(ops: BackendReader & BackendWriter, collection: string, row: Record<string, unknown>) {
  const c = collection as never;
  return {
    get: () => ops.get(c, FRESH_ID),
    getMany: () => ops.getMany(c, [FRESH_ID]),
    "getMany (no ids)": () => ops.getMany(c, []),
    query: () => ops.query(c, { orderBy: { field: "id", direction: "asc" }, limit: 10 }),
    count: () => ops.count(c),
    insert: () => ops.insert(c, row as never),
    update: () => ops.update(c, row as never, 1),
    applyReplicated: () => ops.applyReplicated(c, [row as never]),
  };
}

/** Expects a ValidationError for the unknown collection `name` and nothing else. */
async function expectUnknown(call: () => Promise<unknown>, name: string, what: string): Promise<void> {
  const error = await call().then(
    () => new Error(`${what} on ${JSON.stringify(name)} resolved`),
    (e: unknown) => e,
  );
  expect(error, what).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).collection, what).toBe(name);
  expect((error as ValidationError).issues, what).toEqual([{ path: "", message: "unknown collection" }]);
}

/** The stored row of a fresh user, as a backend takes it (changeSeq dropped). */
async function storedUser(h: ReturnType<ReturnType<typeof useHarness>>): Promise<Record<string, unknown>> {
  const user = await seedUser(h.store);
  const { changeSeq: _local, ...row } = (await h.backend.get("users", user.id))!;
  return row;
}

/** Every row of every collection, tombstones included. */
async function everything(h: ReturnType<ReturnType<typeof useHarness>>) {
  const out: Record<string, unknown[]> = {};
  for (const c of COLLECTION_NAMES) out[c] = await h.backend.scan(c, { limit: 1000 });
  return out;
}

/**
 * Collection names: every read and write, in and out of a transaction, refuses a name that is
 * not a collection of the contract with the same ValidationError (naming it, issue "unknown
 * collection"), including names every object inherits, and stores nothing.
 */
export function collectionSuite(target: ConformanceTarget): void {
  describe("collections", () => {
    const h = useHarness(target);

    it("every read and write refuses an unknown collection with a ValidationError naming it", async () => {
      const user = await storedUser(h());
      const before = await everything(h());
      const row = { ...user, id: FRESH_ID };
      for (const name of UNKNOWN) {
        for (const [what, call] of Object.entries(callsOn(h().backend, name, row))) await expectUnknown(call, name, what);
        await expectUnknown(() => h().backend.scan(name as never, { limit: 10 }), name, "scan");
        await expectUnknown(() => h().backend.scan(name as never, { afterId: FRESH_ID, limit: 10 }), name, "scan afterId");
        await expectUnknown(() => h().backend.scan(name as never, { changedSince: 0, limit: 10 }), name, "scan changedSince");
      }
      expect(await everything(h())).toEqual(before);
    });

    it("inside a transaction too, and the transaction goes on unharmed", async () => {
      const user = await storedUser(h());
      const row = { ...user, id: FRESH_ID };
      const second = { ...user, id: FRESH_ID, email: "grace@example.com", emailKey: "grace@example.com" };
      await h().backend.transaction(async (tx) => {
        for (const name of UNKNOWN) {
          for (const [what, call] of Object.entries(callsOn(tx, name, row))) await expectUnknown(call, name, `transaction ${what}`);
        }
        await tx.insert("users", second as never);
      });
      expect(await h().backend.get("users", FRESH_ID)).toMatchObject({ id: FRESH_ID, email: "grace@example.com", version: 1 });
      expect(await h().backend.count("users")).toBe(2);
    });
  });
}
