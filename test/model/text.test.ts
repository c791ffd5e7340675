import { describe, expect, it } from "vitest";
import { foldText, hasUnassigned, searchTextOf, wordCountOf } from "../../src/model/text.js";

const reference = (text: string) => text.normalize("NFC").toLowerCase();

describe("foldText", () => {
  it("equals NFC then toLowerCase for every Latin-1 character and pair (the fast path)", () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const text = String.fromCharCode(a, b);
        if (foldText(text) !== reference(text)) expect(foldText(text)).toBe(reference(text));
      }
    }
  });

  it("normalises text beyond Latin-1", () => {
    for (const text of ["cafe\u0301", "ΟΔΟΣ", "İstanbul", "Å\u212b", "한국어", "e\u0301\u0323", "lone \ud800 surrogate", "😀 Emoji"]) {
      expect(foldText(text)).toBe(reference(text));
    }
    expect(foldText("CAFE\u0301")).toBe("café");
  });
});

describe("wordCountOf", () => {
  // Every code point for which Python's str.isspace() is true: `len(content.split())` is how the
  // app's existing data counted words, so an imported count must equal this one.
  const PYTHON_WHITESPACE = new Set([
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
    0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  ]);

  it("separates words at exactly Python's whitespace, for every code point", () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const expected = PYTHON_WHITESPACE.has(cp) ? 2 : 1;
      const got = wordCountOf(`a${String.fromCodePoint(cp)}b`);
      if (got !== expected) expect([cp.toString(16), got]).toEqual([cp.toString(16), expected]);
    }
  });

  it("counts runs, ignoring leading, trailing and repeated whitespace", () => {
    expect(wordCountOf("")).toBe(0);
    expect(wordCountOf(" \t\n ")).toBe(0);
    expect(wordCountOf("  one   two\n\nthree ")).toBe(3);
    expect(wordCountOf("— -- ... !")).toBe(4);
  });
});

describe("searchTextOf", () => {
  it("folds title and content; a remembered result never answers for other text", () => {
    expect(searchTextOf("Title", "Body")).toBe("title\nbody");
    expect(searchTextOf("Title", "Body")).toBe("title\nbody");
    expect(searchTextOf("Title", "Other")).toBe("title\nother");
    expect(searchTextOf("Other", "Other")).toBe("other\nother");
    expect(searchTextOf("Title", "Body")).toBe("title\nbody");
  });
});

describe("wordCountOf on lone surrogates", () => {
  it("counts a lone surrogate as part of a word, as Python counts a lone surrogate code point", () => {
    expect(wordCountOf("\ud800 x \udc00y")).toBe(3);
  });
});

describe("hasUnassigned", () => {
  const CN = /\p{Cn}/u;
  it("agrees with \\p{Cn} on every code point, alone and inside text", () => {
    const disagree: string[] = [];
    for (let c = 0; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const s = String.fromCodePoint(c);
      if (hasUnassigned(`ab${s}c`) !== CN.test(s)) disagree.push(c.toString(16));
    }
    expect(disagree).toEqual([]);
  });

  it("reads lone surrogates as assigned (category Cs) and pairs as their code point", () => {
    expect(hasUnassigned("\ud800x")).toBe(CN.test("\ud800x"));
    expect(hasUnassigned("x\udc00")).toBe(false);
    expect(hasUnassigned("😀 日本 café")).toBe(false);
    expect(hasUnassigned("journal \u{e0080}")).toBe(true); // unassigned in the tag block
    expect(hasUnassigned("\u0378")).toBe(true);
  });
});
