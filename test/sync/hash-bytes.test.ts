import { describe, expect, it } from "vitest";
import { hashBytesExtended } from "../../src/hash-bytes.js";
import { withClient } from "../support/pg-client.js";
import { useTestDatabase } from "../support/postgres.js";
import { prng } from "../support/prng.js";

// The row hash of range digests is PostgreSQL's own text hash: hashBytesExtended must give what
// a real server's `hashtextextended(text COLLATE "C", 0)` gives, for every length and every byte.
const url = useTestDatabase();

async function serverHashes(texts: string[]): Promise<string[]> {
  return withClient(url(), async (c) => {
    const { rows } = await c.query<{ h: string }>(`SELECT hashtextextended(t COLLATE "C", 0)::text AS h FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n`, [texts]);
    return rows.map((r) => r.h);
  });
}

describe("hashBytesExtended (PostgreSQL's hash_bytes_extended)", () => {
  it("equals hashtextextended on a live server for every length from 0 to 200 and long texts, ASCII and beyond", async () => {
    const rnd = prng(7);
    const alphabet = ["a", "Z", "0", "|", ":", "é", "日", "😀", "\u0001", "\u00ff", "\u07ff", "\uffff", "\u{10ffff}"];
    const texts: string[] = [];
    for (let length = 0; length <= 200; length++) {
      texts.push("x".repeat(length));
      let s = "";
      while (s.length < length) s += alphabet[Math.floor(rnd() * alphabet.length)]!;
      texts.push(s);
    }
    for (const size of [1_000, 4_095, 4_096, 4_097, 70_000]) {
      let s = "";
      while (s.length < size) s += alphabet[Math.floor(rnd() * alphabet.length)]!;
      texts.push(s);
    }
    const expected = await serverHashes(texts);
    const encoder = new TextEncoder();
    const got = texts.map((t) => {
      const bytes = encoder.encode(t);
      return hashBytesExtended(bytes, bytes.length).toString();
    });
    expect(got).toEqual(expected);
    // The same bytes at every alignment inside a larger buffer (the words are read at any offset).
    for (const shift of [1, 2, 3, 5]) {
      const shifted = texts.map((t) => {
        const bytes = encoder.encode(t);
        const buffer = new Uint8Array(bytes.length + shift + 7).fill(0xa5);
        buffer.set(bytes, shift);
        return hashBytesExtended(buffer.subarray(shift, shift + bytes.length), bytes.length).toString();
      });
      expect(shifted, `bytes at offset ${shift}`).toEqual(expected);
    }
  });

  it("is PostgreSQL's signed int8: both halves of the 64 bits are used", async () => {
    const encoder = new TextEncoder();
    const hashes = Array.from({ length: 64 }, (_, i) => {
      const bytes = encoder.encode(`row ${i}`);
      return hashBytesExtended(bytes, bytes.length);
    });
    expect(hashes.some((h) => h < 0n)).toBe(true);
    expect(hashes.some((h) => h > 0xffffffffn)).toBe(true);
    expect(new Set(hashes).size).toBe(64);
  });
});
