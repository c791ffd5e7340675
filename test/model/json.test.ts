import { describe, expect, it } from "vitest";
import { cloneJson, copyData, copyWithout } from "../../src/model/json.js";

describe("copyData", () => {
  it("copies deeply: nothing in the copy is shared with the original", () => {
    const original = { a: { b: [1, { c: "x" }] }, tags: ["t"], n: null };
    const copy = copyData(original);
    expect(copy).toEqual(original);
    copy.a.b.push(2);
    (copy.a.b[1] as { c: string }).c = "y";
    copy.tags[0] = "u";
    expect(original).toEqual({ a: { b: [1, { c: "x" }] }, tags: ["t"], n: null });
  });

  it("keeps values exactly, -0 included (cloneJson turns it into 0)", () => {
    const copy = copyData({ z: -0, e: [-0] });
    expect(Object.is(copy.z, -0)).toBe(true);
    expect(Object.is(copy.e[0], -0)).toBe(true);
    const json = cloneJson({ z: -0, e: [-0] });
    expect(Object.is(json.z, 0)).toBe(true);
    expect(Object.is(json.e[0], 0)).toBe(true);
  });

  it("keeps a parsed __proto__ key as plain data, never as a prototype", () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "nested": {"__proto__": {"x": 1}}}') as Record<string, unknown>;
    for (const copy of [copyData(parsed), cloneJson(parsed as never) as Record<string, unknown>]) {
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.hasOwn(copy, "__proto__")).toBe(true);
      expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
      expect(Object.hasOwn(copy.nested as object, "__proto__")).toBe(true);
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    }
  });

  it("clones what is not plain data (a Date, a typed array) with structuredClone", () => {
    const when = new Date(0);
    const bytes = new Uint8Array([1, 2]);
    const copy = copyData({ when, bytes });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(when);
    expect(copy.when.getTime()).toBe(0);
    expect(copy.bytes).not.toBe(bytes);
    expect([...copy.bytes]).toEqual([1, 2]);
  });
});

describe("copyWithout", () => {
  it("gives what object rest gives: the other own keys, in order, values shared", () => {
    const nested = { a: [1, { b: 2 }] };
    const rows: Record<string, unknown>[] = [
      { id: "x", changeSeq: 4, version: 2, metadata: nested, n: -0, u: undefined },
      { changeSeq: 1 },
      { id: "y" },
      {},
    ];
    for (const row of rows) {
      const { changeSeq: _c, ...rest } = row;
      const copy = copyWithout(row, "changeSeq");
      expect(Object.keys(copy)).toEqual(Object.keys(rest));
      for (const key of Object.keys(rest)) expect(Object.is(copy[key], rest[key])).toBe(true);
      expect(copy).not.toBe(row);
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    }
    expect(copyWithout(rows[0]!, "changeSeq").metadata).toBe(nested);
  });

  it("keeps a parsed __proto__ key as own data, never as the prototype", () => {
    const row = JSON.parse('{"id":"x","__proto__":{"polluted":true},"changeSeq":3}') as Record<string, unknown>;
    const copy = copyWithout(row, "changeSeq");
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(["id", "__proto__"]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
