import { describe, expect, it } from "vitest";
import { diffRows, rowsEqual } from "../../src/diff.js";
import { prng } from "../support/prng.js";

/**
 * diffRows answers "equal" on a fast path (no sorted keys, no paths) and reports differences on
 * the full one. Checked against the full algorithm on its own (the oracle below, as diffRows was
 * before the fast path) over seeded random rows and near-copies of them.
 */

const LOCAL = new Set(["changeSeq"]);
function oracle(a: object, b: object): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of [...keys].sort()) if (!LOCAL.has(key)) values((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], key, out);
  return out;
}
function values(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Object.is(a, b) || (a === 0 && b === 0)) return;
  if (a === undefined || b === undefined || a === null || b === null) return void out.push(path);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return void out.push(path);
    for (let i = 0; i < a.length; i++) values(a[i], b[i], `${path}.${i}`, out);
    return;
  }
  if (typeof a === "object" && typeof b === "object") {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
      const inA = Object.prototype.hasOwnProperty.call(ao, key);
      if (inA !== Object.prototype.hasOwnProperty.call(bo, key)) out.push(`${path}.${key}`);
      else values(ao[key], bo[key], `${path}.${key}`, out);
    }
    return;
  }
  out.push(path);
}

const KEYS = ["a", "b", "c", "__proto__", "constructor", "mood", "tags", "ü", "😀"];
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

describe("diffRows", () => {
  it("agrees with the full comparison on random rows and near-copies of them", () => {
    const rnd = prng(20261130);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const scalar = (): unknown => pick([null, true, false, 0, -0, 1, 1.5, Number.NaN, "", "x", "😀", "0", undefined]);
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 2 || r < 0.5) return scalar();
      if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 4); i > 0; i--) define(o, pick(KEYS), value(depth + 1));
      return o;
    };
    // A copy with its keys in another order, then maybe one small change somewhere.
    const nearCopy = (v: unknown, change: { left: boolean }, root = false): unknown => {
      if (!root && change.left && rnd() < 0.08) {
        change.left = false;
        return pick([scalar(), value(2), undefined, v === 0 ? -0 : v]);
      }
      if (Array.isArray(v)) return v.map((x) => nearCopy(x, change));
      if (v !== null && typeof v === "object") {
        const o: Record<string, unknown> = {};
        for (const key of Object.keys(v).reverse()) {
          if (change.left && rnd() < 0.05) {
            change.left = false;
            continue; // a key dropped
          }
          define(o, key, nearCopy((v as Record<string, unknown>)[key], change));
        }
        if (change.left && rnd() < 0.05) {
          change.left = false;
          define(o, pick(KEYS), scalar()); // a key added (maybe one already there)
        }
        return o;
      }
      return v;
    };
    let equal = 0;
    let different = 0;
    for (let n = 0; n < 20_000; n++) {
      const a: Record<string, unknown> = { id: "r", changeSeq: n };
      for (let i = Math.floor(rnd() * 6); i > 0; i--) define(a, pick(KEYS), value(0));
      const b = nearCopy(a, { left: rnd() < 0.7 }, true) as Record<string, unknown>;
      b.changeSeq = n + 1; // local to each backend: never compared
      const expected = oracle(a, b);
      expect(diffRows(a, b)).toEqual(expected);
      expect(rowsEqual(a, b)).toBe(expected.length === 0);
      if (expected.length === 0) equal++;
      else different++;
    }
    // Both paths were exercised, many times each.
    expect(equal).toBeGreaterThan(3_000);
    expect(different).toBeGreaterThan(3_000);
  });

  it("treats a field missing on one side as undefined at the top level, but a missing JSON key as a difference", () => {
    expect(diffRows({ id: "r", note: undefined }, { id: "r" })).toEqual([]);
    expect(diffRows({ id: "r", m: { k: undefined } }, { id: "r", m: {} })).toEqual(["m.k"]);
    expect(diffRows({ id: "r", n: -0 }, { id: "r", n: 0 })).toEqual([]);
    expect(diffRows({ id: "r", changeSeq: 1 }, { id: "r", changeSeq: 2 })).toEqual([]);
  });
});
