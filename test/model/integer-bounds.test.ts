import { getTableColumns } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import * as schema from "../../src/backends/postgres/schema.js";
import { COLLECTION_NAMES, specOf } from "../../src/model/collections.js";
import type { EntityModel } from "../../src/model/entity.js";
import { contentModel, entryModel, messageModel, migrationLogModel, sessionModel, userModel } from "../../src/model/entities/index.js";
import { topicModel } from "../../src/model/entities/topics.js";
import { INTEGER_RANGE } from "../../src/model/limits.js";
import type { CollectionName } from "../../src/model/rows.js";

/**
 * Walks every numeric field of every collection against its PostgreSQL column: an integer field
 * the caller writes must be refused at the facade beyond what its column holds, and a field the
 * facade computes must be one we have reasoned about (listed below with its bound).
 */

const TABLES: Record<CollectionName, PgTable> = {
  users: schema.users,
  journalEntries: schema.journalEntries,
  chatSessions: schema.chatSessions,
  messages: schema.messages,
  psychologyContent: schema.psychologyContent,
  userAnalytics: schema.userAnalytics,
  migrationLogs: schema.migrationLogs,
  topics: schema.topics,
};

const MODELS: Partial<Record<CollectionName, EntityModel<CollectionName>>> = {
  users: userModel as unknown as EntityModel<CollectionName>,
  journalEntries: entryModel as unknown as EntityModel<CollectionName>,
  chatSessions: sessionModel as unknown as EntityModel<CollectionName>,
  messages: messageModel as unknown as EntityModel<CollectionName>,
  psychologyContent: contentModel as unknown as EntityModel<CollectionName>,
  migrationLogs: migrationLogModel as unknown as EntityModel<CollectionName>,
  topics: topicModel as unknown as EntityModel<CollectionName>,
};

/** Integer fields no caller writes: the facade computes them, within these bounds. */
const COMPUTED = [
  "*.version", // +1 per update of one row
  "journalEntries.wordCount", // at most half the content limit (200,000 characters)
  "chatSessions.messageCount", // +1 per message appended to one session
  "messages.sequence", // the session's messageCount
  "userAnalytics.entryCount",
  "userAnalytics.wordCount",
  "userAnalytics.streak",
];

function numericFields(): { collection: CollectionName; field: string; kind: string; sqlType: string }[] {
  const out = [];
  for (const collection of COLLECTION_NAMES) {
    const columns = getTableColumns(TABLES[collection]) as Record<string, { getSQLType(): string }>;
    for (const [field, spec] of Object.entries(specOf(collection).fields)) {
      if (spec.kind !== "integer" && spec.kind !== "number" && spec.kind !== "numberArray") continue;
      out.push({ collection, field, kind: spec.kind, sqlType: columns[field]!.getSQLType() });
    }
  }
  return out;
}

function issuePaths(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
}

describe("numeric fields against their PostgreSQL columns", () => {
  it("every number column is double precision (a JavaScript number round-trips), never real", () => {
    const floats = numericFields().filter((f) => f.kind !== "integer");
    expect(floats.length).toBeGreaterThan(0);
    for (const f of floats) {
      expect([`${f.collection}.${f.field}`, f.sqlType]).toEqual([`${f.collection}.${f.field}`, f.kind === "number" ? "double precision" : "double precision[]"]);
    }
  });

  it("every sortable integer field is an integer column (what decodeCursor checks a cursor value against)", () => {
    const sortable = numericFields().filter((f) => f.kind === "integer" && (specOf(f.collection).sortable as readonly string[]).includes(f.field));
    expect(sortable.length).toBeGreaterThan(0);
    for (const f of sortable) expect([`${f.collection}.${f.field}`, f.sqlType]).toEqual([`${f.collection}.${f.field}`, "integer"]);
  });

  it("every integer field a caller writes is refused beyond its column's range, in create and patch schemas", () => {
    const inputs: string[] = [];
    for (const f of numericFields().filter((x) => x.kind === "integer")) {
      const name = `${f.collection}.${f.field}`;
      expect(["integer", "bigint"], name).toContain(f.sqlType);
      const model = MODELS[f.collection];
      const schemas = model ? [model.createSchema, model.patchSchema].filter((s) => f.field in (s as unknown as z.ZodObject).shape) : [];
      if (schemas.length === 0) {
        expect(COMPUTED.includes(name) || (f.field === "version" && COMPUTED.includes("*.version")), `${name} is neither an input nor known as computed`).toBe(true);
        continue;
      }
      inputs.push(name);
      const range = INTEGER_RANGE[f.sqlType as keyof typeof INTEGER_RANGE];
      for (const s of schemas) {
        for (const beyond of [range.max + 1, range.min - 1, 2 ** 53, -(2 ** 53)]) {
          expect(issuePaths(s, { [f.field]: beyond }), `${name} = ${beyond}`).toContain(f.field);
        }
      }
    }
    expect(inputs.sort()).toEqual([
      "journalEntries.energy",
      "journalEntries.mood",
      "messages.latencyMs",
      "messages.tokens",
      "migrationLogs.divergencesFound",
      "migrationLogs.divergencesRepaired",
      "migrationLogs.durationMs",
      "topics.entryCount",
    ]);
  });
});
