import { describe, expect, it } from "vitest";
import { rowStart } from "../../src/backends/json/snapshot-index.js";
import { hardValues } from "../../src/testing/fixtures/hard-values.js";
import { prng } from "../support/prng.js";

// Opening a jsonFileSource indexes each snapshot row by the start of its line, checked byte by
// byte. The definition it must agree with is this regular expression over the line decoded
// byte for byte (Latin-1): anchored, over texts without quotes or backslashes.
const DEFINITION = /^\{"id":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})","version":[1-9]\d*,"createdAt":"[^"\\]*","updatedAt":"[^"\\]*","deleted":(true|false)[,}]/;

function byDefinition(line: Buffer): { id: string; deleted: boolean } | null {
  const m = DEFINITION.exec(line.toString("latin1"));
  return m ? { id: m[1]!, deleted: m[2] === "true" } : null;
}

const ID = "0190a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b";
const line = (row: Record<string, unknown>) => Buffer.from(JSON.stringify(row));
const row = (extra: Record<string, unknown> = {}) => ({ id: ID, version: 3, createdAt: "2026-01-05T09:00:00.000Z", updatedAt: "2026-01-05T09:00:00.000Z", deleted: false, ...extra });

describe("rowStart: the start of a snapshot row line, byte by byte", () => {
  it("reads the rows the writer writes, tombstones and hard texts included", () => {
    const lines = [line(row()), line(row({ deleted: true })), line({ ...row(), deleted: true }), line({ id: ID, version: 1, createdAt: "x", updatedAt: "y", deleted: true })];
    for (const text of hardValues.accept.text) lines.push(line(row({ title: text, content: text })));
    for (const l of lines) {
      expect(rowStart(l), l.toString()).toEqual(byDefinition(l));
      expect(rowStart(l)?.id, l.toString()).toBe(ID);
    }
  });

  it("refuses what the definition refuses: other key orders, uppercase or short ids, version 0, escapes, cut lines", () => {
    const refused = [
      line({ version: 3, id: ID, createdAt: "x", updatedAt: "y", deleted: false }),
      line(row({ id: ID.toUpperCase() })),
      line(row({ id: ID.slice(1) })),
      line(row({ version: 0 })),
      line(row({ version: -1 })),
      line(row({ createdAt: 'a"b' })),
      line(row({ updatedAt: "a\\b" })),
      line(row({ deleted: "false" })),
      line(row()).subarray(0, 120),
      Buffer.from(""),
      Buffer.from('{"trailer":true}'),
    ];
    for (const l of refused) {
      expect(byDefinition(l), l.toString()).toBeNull();
      expect(rowStart(l), l.toString()).toBeNull();
    }
  });

  it("agrees with the definition on 20,000 lines mutated at random near the start", () => {
    const random = prng(7);
    const alphabet = Buffer.from('{}":,\\0123456789abcdefABCDEF-truefalsTidvrscnpU \u00e9');
    const bases = [line(row()), line(row({ deleted: true, title: "Zürich 😀" })), Buffer.from(`${line(row()).toString().slice(0, -1)}}`)];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const l = Buffer.from(bases[i % bases.length]!);
      const edits = 1 + Math.floor(random() * 3);
      let mutated: Buffer = l;
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * Math.min(mutated.length, 140));
        const b = alphabet[Math.floor(random() * alphabet.length)]!;
        const kind = random();
        if (kind < 0.5) mutated[at] = b;
        else if (kind < 0.75) mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
        else mutated = Buffer.concat([mutated.subarray(0, at), Buffer.from([b]), mutated.subarray(at)]);
      }
      const expected = byDefinition(mutated);
      if (expected) accepted++;
      expect(rowStart(mutated), mutated.toString("latin1")).toEqual(expected);
    }
    // Both kinds of answer are exercised: some mutations keep a valid start (inside the texts).
    expect(accepted).toBeGreaterThan(500);
    expect(accepted).toBeLessThan(19_500);
  });
});
