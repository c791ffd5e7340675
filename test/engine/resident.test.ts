import { describe, expect, it } from "vitest";
import type { Stored } from "../../src/backend.js";
import { copyOut, readField, toResident } from "../../src/engine/resident.js";
import { COLLECTION_NAMES, specOf } from "../../src/model/collections.js";
import { searchTextOf } from "../../src/model/text.js";

const entry = (patch: Record<string, unknown> = {}) =>
  ({ id: "01900000-0000-7000-8000-000000000001", version: 1, title: "Day", content: "Calm", searchText: searchTextOf("Day", "Calm"), changeSeq: 1, ...patch }) as unknown as Stored;

describe("resident rows", () => {
  it("derived fields are plain text fields that nothing indexes, sorts or keys on", () => {
    for (const name of COLLECTION_NAMES) {
      const spec = specOf(name);
      for (const { field } of spec.derived) {
        expect(spec.fields[field as keyof typeof spec.fields]?.kind, `${name}.${field}`).toBe("text");
        expect(spec.sortable).not.toContain(field);
        expect(spec.indexed).not.toContain(field);
        expect(spec.owners.map((o) => o.field)).not.toContain(field);
        expect(spec.uniqueKeys.flatMap((k) => k.fields)).not.toContain(field);
      }
    }
  });

  it("leaves out a searchText equal to its derivation and gives it back on read", () => {
    const row = entry();
    const resident = toResident("journalEntries", row);
    expect(resident).not.toHaveProperty("searchText");
    expect(readField("journalEntries", resident, "searchText")).toBe("day\ncalm");
    expect(copyOut("journalEntries", resident)).toEqual(row);
    expect(toResident("users", row)).toBe(row);
  });

  it("keeps a differing value, a value with unassigned code points, and inputs of the wrong type", () => {
    for (const patch of [{ searchText: "other" }, { content: "\u0378", searchText: searchTextOf("Day", "\u0378") }, { title: 5, searchText: "5\ncalm" }]) {
      const row = entry(patch);
      expect(toResident("journalEntries", row)).toBe(row);
    }
  });

  it("keeps a __proto__ key as plain data", () => {
    const row = JSON.parse(JSON.stringify(entry()).replace('"id"', '"__proto__":{"polluted":true},"id"')) as Stored;
    const resident = toResident("journalEntries", row) as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(resident)).toBe(Object.prototype);
    expect(Object.hasOwn(resident, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
