import { describe, expect, it } from "vitest";
import { ValidationError } from "../../errors.js";
import type { Json } from "../../model/json.js";
import type { Store } from "../../store/create-store.js";
import { hardValues, type IntegerColumn } from "../fixtures/hard-values.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

const COLUMNS: IntegerColumn[] = ["integer", "bigint"];

/** Creates and updates one row of an integer field's collection through the facade. */
interface NumberWriter {
  create(value: number): Promise<{ id: string } & Record<string, unknown>>;
  update(id: string, value: number): Promise<Record<string, unknown>>;
  get(id: string): Promise<Record<string, unknown> | null>;
  count(): Promise<number>;
}

/** A writer for `collection.field` of the fixture's integerFields, over the current store (reopen rebinds it). */
async function writerFor(current: () => Store, qualified: string): Promise<NumberWriter> {
  const [collection, field] = qualified.split(".") as [string, string];
  if (collection === "messages") {
    const user = await seedUser(current(), field.toLowerCase());
    const session = await current().sessions.create({ userId: user.id });
    return {
      create: (value) => current().messages.append({ sessionId: session.id, role: "assistant", content: "x", [field]: value }),
      update: (id, value) => current().messages.update(id, { [field]: value }),
      get: (id) => current().messages.get(id),
      count: async () => (await current().messages.list({ sessionId: session.id, limit: 500 })).items.length,
    };
  }
  if (collection === "migrationLogs") {
    const runId = `run-${field}`;
    return {
      create: (value) => current().migrationLogs.create({ runId, operation: "backfill", [field]: value }),
      update: (id, value) => current().migrationLogs.update(id, { [field]: value }),
      get: (id) => current().migrationLogs.get(id),
      count: async () => (await current().migrationLogs.list({ runId, limit: 500 })).items.length,
    };
  }
  throw new Error(`hard-values.json integerFields names ${qualified}, which this suite cannot write`);
}

/** The issue paths of the ValidationError `attempt` fails with; what happened instead, otherwise. */
async function validationPaths(attempt: Promise<unknown>): Promise<string[]> {
  const error = await attempt.then(() => null, (e: unknown) => e);
  if (error instanceof ValidationError) return error.issues.map((i) => i.path);
  return [error === null ? "(accepted)" : String(error)];
}

/** True when every number inside `value` is not -0 (so JSON text, jsonb and memory agree). */
function noNegativeZero(value: unknown): boolean {
  if (typeof value === "number") return !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(noNegativeZero);
  if (value !== null && typeof value === "object") return Object.values(value).every(noNegativeZero);
  return true;
}

/**
 * Numbers every backend must hold alike: each integer input field is bounded by its PostgreSQL
 * column type (fixtures/hard-values.json `integers`), and -0 comes back as 0 from number
 * fields, number arrays and JSON fields, before and after a reopen.
 */
export function hardNumberSuite(target: ConformanceTarget): void {
  describe("hard values: numbers", () => {
    const h = useHarness(target);

    it("integers within each field's column round-trip on create and update; the rest are ValidationErrors naming the field", async () => {
      const written: { writer: NumberWriter; field: string; id: string; value: number }[] = [];
      for (const column of COLUMNS) {
        for (const qualified of hardValues.integerFields[column]) {
          const field = qualified.split(".")[1]!;
          const writer = await writerFor(() => h().store, qualified);
          const base = await writer.create(0);
          for (const value of hardValues.accept.integers[column]) {
            const row = await writer.create(value);
            expect(row[field], `${qualified} create ${value}`).toBe(value);
            written.push({ writer, field, id: row.id, value });
            expect((await writer.update(base.id, value))[field], `${qualified} update ${value}`).toBe(value);
            expect((await writer.get(base.id))?.[field]).toBe(value);
          }
          const before = await writer.count();
          const version = (await writer.get(base.id))?.version;
          for (const value of hardValues.reject.integers[column]) {
            expect(await validationPaths(writer.create(value)), `${qualified} create ${value}`).toContain(field);
            expect(await validationPaths(writer.update(base.id, value)), `${qualified} update ${value}`).toContain(field);
          }
          expect(await writer.count()).toBe(before);
          expect((await writer.get(base.id))?.version).toBe(version);
        }
      }
      const check = async () => {
        for (const { writer, field, id, value } of written) expect((await writer.get(id))?.[field]).toBe(value);
      };
      await check();
      if (target.reopen) {
        await h().reopen();
        await check();
      }
    });

    it("-0 is stored as 0 in number fields, number arrays and JSON fields, on create and update", async () => {
      const store = () => h().store;
      const user = await seedUser(store());
      const session = await store().sessions.create({ userId: user.id, aiConfig: { temperature: -0 } });
      const json = { zero: -0, list: [-0, 1, -0], nested: { deep: [{ z: -0 }] } };
      const entry = await store().entries.create({ userId: user.id, content: "x", embedding: [-0, 0.5, -0], metadata: json, aiAnalysis: json });
      const message = await store().messages.append({ sessionId: session.id, role: "assistant", content: "x", latencyMs: -0, tokens: -0, citations: [-0, { n: -0 }] });
      const log = await store().migrationLogs.create({ runId: "r", operation: "compare", divergencesFound: -0, divergencesRepaired: -0, durationMs: -0, counts: { rows: -0 }, checkpoint: -0 as Json });
      const updated = await store().entries.create({ userId: user.id, content: "y" });
      await store().entries.update(updated.id, { embedding: [-0], metadata: json });
      await store().users.update(user.id, { preferences: json });
      const read = async () => [
        await store().users.get(user.id),
        await store().entries.get(entry.id),
        await store().entries.get(updated.id),
        await store().sessions.get(session.id),
        await store().messages.get(message.id),
        await store().migrationLogs.get(log.id),
        (await store().entries.list({ userId: user.id })).items,
      ];
      expect([entry, message, log, session].every(noNegativeZero)).toBe(true);
      const check = async () => {
        const rows = await read();
        expect(rows.every(noNegativeZero)).toBe(true);
        expect((rows[1] as { embedding: number[] }).embedding).toEqual([0, 0.5, 0]);
        expect((rows[5] as { checkpoint: Json }).checkpoint).toBe(0);
      };
      await check();
      if (target.reopen) {
        await h().reopen();
        await check();
      }
    });
  });
}
