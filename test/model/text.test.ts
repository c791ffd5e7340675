import { describe, expect, it } from "vitest";
import { foldText } from "../../src/model/text.js";

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
