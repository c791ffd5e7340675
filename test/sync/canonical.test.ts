import { describe, expect, it } from "vitest";
import { canonicalJson, plainDecimal } from "../../src/canonical-json.js";
import { canonicalRowBytes, canonicalValue } from "../../src/canonical.js";
import { COLLECTION_NAMES, specOf } from "../../src/model/collections.js";
import { hardValues } from "../../src/testing/fixtures/hard-values.js";

// The JavaScript half of the canonical row form (canonical.ts). That PostgreSQL computes the same
// forms is checked against real databases in the conformance suite and test/sync/checksum.test.ts.
describe("canonical forms", () => {
  it("writes JSON numbers as numeric prints the text JSON.stringify wrote, -0 as 0", () => {
    expect([1e21, 1.25e-7, 0.1 + 0.2, -1.5e-7, 5e-324, 1e-7, 123, -0, 2 ** 53 - 1].map(plainDecimal)).toEqual([
      "1000000000000000000000",
      "0.000000125",
      "0.30000000000000004",
      "-0.00000015",
      `0.${"0".repeat(323)}5`,
      "0.0000001",
      "123",
      "0",
      "9007199254740991",
    ]);
    expect(plainDecimal(1.7976931348623157e308)).toBe(`17976931348623157${"0".repeat(292)}`);
  });

  it("orders JSON keys as jsonb does: by UTF-8 length, then bytes", () => {
    expect(canonicalJson({ bb: 1, a: { d: [], c: {} }, "é": null, z: [-0, "x\n"] })).toBe('{"a": {"c": {}, "d": []}, "z": [0, "x\\n"], "bb": 1, "é": null}');
  });

  it("reads only the contract's instant and date forms as instants; any other text never matches one", () => {
    expect(canonicalValue("timestamp", "1970-01-01T00:00:00.001Z")).toBe("1");
    expect(canonicalValue("timestamp", "1969-12-31T23:59:59.999Z")).toBe("-1");
    expect(canonicalValue("timestamp", "0050-01-01T00:00:00.000Z")).toBe(String(Date.parse("0050-01-01T00:00:00.000Z")));
    expect(canonicalValue("date", "1970-01-02")).toBe("1");
    for (const odd of ["2026-01-05T09:00:00Z", "2026-02-30T00:00:00.000Z", "2026-01-05T09:00:00.000+00:00", "2026-13-01T00:00:00.000Z"]) {
      expect(canonicalValue("timestamp", odd)).toBe(`!${JSON.stringify(odd)}`);
    }
    expect(canonicalValue("date", "2026-02-29")).toBe('!"2026-02-29"');
  });

  it("length-prefixes text, so a separator inside a text cannot shift fields; -0 is 0 in numbers", () => {
    expect(canonicalValue("text", "a|b")).toBe("3:a|b");
    expect(canonicalValue("text", "🧘")).toBe("4:🧘");
    expect(canonicalValue("number", -0)).toBe(canonicalValue("number", 0));
    expect(canonicalValue("numberArray", [-0])).toBe(canonicalValue("numberArray", [0]));
    expect(canonicalValue("textArray", [])).toBe("000000000000000000000019");
  });

  it("reads every real date as Date.parse does, and refuses the days a month lacks", () => {
    const wrong: string[] = [];
    for (const year of [1, 4, 99, 100, 400, 1600, 1700, 1900, 1969, 1970, 2000, 2024, 2025, 2100, 9999]) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const date = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
          const at = `${date}T23:59:59.999Z`;
          const real = new Date(Date.parse(at)).toISOString() === at;
          const expected = real ? String(Date.parse(at)) : `!${JSON.stringify(at)}`;
          if (canonicalValue("timestamp", at) !== expected) wrong.push(at);
          if (canonicalValue("date", date) !== (real ? String(Date.parse(date) / 86_400_000) : `!${JSON.stringify(date)}`)) wrong.push(date);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("writes text arrays as array_send does, ASCII or not", () => {
    const arraySend = (values: string[]) => {
      const parts = [1, 0, 25, values.length, 1].map((n) => n.toString(16).padStart(8, "0"));
      for (const v of values) {
        const bytes = Buffer.from(v, "utf8");
        parts.push(bytes.length.toString(16).padStart(8, "0"), bytes.toString("hex"));
      }
      return parts.join("");
    };
    for (const values of [[""], ["daily", "t3"], ["café", "日本", "😀"], ["a", "ünï", ""], ["x".repeat(300)]]) {
      expect(canonicalValue("textArray", values)).toBe(arraySend(values));
    }
  });

  it("writes text[] elements as array_send does, the same from its cache of recent elements and past its size", () => {
    const reference = (values: string[]) => {
      const head = Buffer.alloc(20);
      head.writeInt32BE(1, 0);
      head.writeInt32BE(0, 4);
      head.writeInt32BE(25, 8);
      head.writeInt32BE(values.length, 12);
      head.writeInt32BE(1, 16);
      const parts = [head];
      for (const v of values) {
        const bytes = Buffer.from(v, "utf8");
        const length = Buffer.alloc(4);
        length.writeInt32BE(bytes.length, 0);
        parts.push(length, bytes);
      }
      return Buffer.concat(parts).toString("hex");
    };
    const tags = Array.from({ length: 5000 }, (_, i) => [`t${i}`, i % 3 === 0 ? `café ${i}` : "calm", i % 7 === 0 ? "🧘" : `x${i % 10}`]);
    for (let round = 0; round < 2; round++) {
      for (const values of tags) expect(canonicalValue("textArray", values)).toBe(reference(values));
    }
  });

  it("writes every JSON string, key or value, as JSON.stringify does: each code unit, and pairs", () => {
    const wrong: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const text = `a${String.fromCharCode(c)}b`;
      if (canonicalJson(text) !== JSON.stringify(text)) wrong.push(c);
      if (canonicalJson({ [text]: 1 }) !== `{${JSON.stringify(text)}: 1}`) wrong.push(c);
    }
    expect(wrong).toEqual([]);
    for (const text of ["", "😀", "\ud83d", "\ude00x", 'say "hi"', "back\\slash", "tab\tand\u2028line", "Zürich"]) {
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
    }
  });

  it("writes a row's bytes as its fields' forms joined with | and encoded, through one buffer that grows", () => {
    // The definition: each spec field's canonicalValue, in spec order, joined with "|".
    const reference = (collection: (typeof COLLECTION_NAMES)[number], row: Record<string, unknown>) =>
      Buffer.from(Object.entries(specOf(collection).fields).map(([field, spec]) => canonicalValue(spec.kind, row[field])).join("|"), "utf8");
    const texts = [...hardValues.accept.text, "", "a|b:c", "x".repeat(47), "x".repeat(48), "é".repeat(49), "🧘".repeat(30), "y".repeat(70_000), "日本".repeat(40_000)];
    const rows: Record<string, unknown>[] = texts.map((text, i) => ({
      id: `0193${String(i).padStart(4, "0")}-0000-7000-8000-000000000001`,
      version: i + 1,
      createdAt: "2026-01-05T09:00:00.000Z",
      updatedAt: i % 2 ? "2026-01-05T09:00:00.001Z" : "2026-01-05T09:00:00Z",
      deleted: i % 3 === 0,
      userId: "01930001-0000-7000-8000-000000000001",
      topicId: null,
      title: text.slice(0, 200),
      content: text,
      searchText: text.toLowerCase(),
      mood: i % 2 ? -0 : 1.5,
      energy: null,
      tags: hardValues.accept.tags[i % hardValues.accept.tags.length],
      entryDate: "2026-01-05",
      favorite: i % 2 === 0,
      metadata: hardValues.accept.json[i % hardValues.accept.json.length],
      aiAnalysis: null,
      embedding: i % 2 ? [0.5, -0, 1e-7] : [],
      wordCount: i,
    }));
    for (const row of rows) {
      expect(Buffer.from(canonicalRowBytes("journalEntries", row)).equals(reference("journalEntries", row)), String(row.id)).toBe(true);
    }
    // A field the row lacks comes from `missing`; a view is the current row's until the next call.
    const { searchText, ...resident } = rows[1]!;
    const first = canonicalRowBytes("journalEntries", resident, (field) => (field === "searchText" ? searchText : undefined));
    expect(Buffer.from(first).equals(reference("journalEntries", rows[1]!))).toBe(true);
    const user = { id: "01930001-0000-7000-8000-000000000002", version: 1, createdAt: "2026-01-05T09:00:00.000Z", updatedAt: "2026-01-05T09:00:00.000Z", deleted: false, email: "a@b.c", displayName: "Ann | 日本" };
    expect(Buffer.from(canonicalRowBytes("users", user)).equals(reference("users", user))).toBe(true);
  });

  it("orders keys the same whatever order an object was built in", () => {
    const keys = ["a", "bb", "b", "aa", "é", "z", "zz", "ab", "ä", "A", "B1", "_", "ë", "🧘"];
    const expected = canonicalJson(Object.fromEntries(keys.map((k, i) => [k, i])));
    for (let seed = 1; seed <= 50; seed++) {
      const shuffled = [...keys];
      let x = seed;
      for (let i = shuffled.length - 1; i > 0; i--) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const j = x % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const subset = shuffled.slice(0, 2 + (seed % (shuffled.length - 1)));
      const obj = Object.fromEntries(subset.map((k) => [k, keys.indexOf(k)]));
      const ordered = [...subset].sort((p, q) => Buffer.byteLength(p) - Buffer.byteLength(q) || Buffer.compare(Buffer.from(p), Buffer.from(q)));
      expect(canonicalJson(obj)).toBe(`{${ordered.map((k) => `${JSON.stringify(k)}: ${keys.indexOf(k)}`).join(", ")}}`);
    }
    expect(expected.startsWith('{"A": ')).toBe(true);
  });
});
