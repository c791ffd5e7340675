/**
 * Text normalisation shared by every backend, so search and email uniqueness behave identically
 * whatever stores the rows: case folding is JavaScript's, done here, never the database's.
 */

/** A code point above U+00FF: text without one is Latin-1, which NFC leaves unchanged. */
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Folds text for matching: Unicode NFC, then JavaScript's `toLowerCase()`. Latin-1 text skips
 * the normalisation, which cannot change it (no combining marks, nothing that composes), and
 * halves the cost: the engine folds each candidate row's text when it searches.
 */
export function foldText(text: string): string {
  return (BEYOND_LATIN1.test(text) ? text.normalize("NFC") : text).toLowerCase();
}

/** The last {@link searchTextOf} call: a row is folded where it is built and again where it is stored. */
let lastFolded: { title: string; content: string; folded: string } | null = null;

/**
 * The derived `searchText` of a titled document: folded title and content on separate lines.
 * The last result is remembered: building a row (the facade, an import) and storing it (the
 * engine checks the value against its derivation) fold the same two strings one after the other.
 */
export function searchTextOf(title: string, content: string): string {
  const last = lastFolded;
  if (last !== null && last.title === title && last.content === content) return last.folded;
  const folded = foldText(`${title}\n${content}`);
  lastFolded = { title, content, folded };
  return folded;
}

/** Per BMP code unit: 1 when it is a code point unassigned in this runtime's Unicode version. Built on first use. */
let unassignedBmp: Uint8Array | null = null;
/** Astral code points already classified (text holds few distinct ones: emoji, rare scripts). */
const unassignedAstral = new Map<number, boolean>();
const UNASSIGNED = /^\p{Cn}$/u;

function bmpTable(): Uint8Array {
  const table = new Uint8Array(0x10000);
  // Surrogates are category Cs, never Cn; a lone one is classified here like any other unit.
  for (let c = 0; c < 0x10000; c++) if (UNASSIGNED.test(String.fromCharCode(c))) table[c] = 1;
  return table;
}

/**
 * True when `text` holds a code point this runtime's Unicode version leaves unassigned (`\p{Cn}`).
 * A later version may assign it a case mapping, so a value folded here may fold otherwise there.
 * A table lookup per code unit: the `\p{Cn}` expression over a whole entry costs ten times as much.
 */
export function hasUnassigned(text: string): boolean {
  const table = (unassignedBmp ??= bmpTable());
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x0378) continue; // everything below U+0378 is assigned
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        const point = (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        let unassigned = unassignedAstral.get(point);
        if (unassigned === undefined) unassignedAstral.set(point, (unassigned = UNASSIGNED.test(String.fromCodePoint(point))));
        if (unassigned) return true;
        i++;
        continue;
      }
    }
    if (table[c] === 1) return true;
  }
  return false;
}

/** Splits a search query into folded, whitespace-separated terms; every term must match. */
export function searchTerms(query: string): string[] {
  return foldText(query)
    .split(/\s+/u)
    .filter((t) => t.length > 0);
}

/** The derived `emailKey`: the trimmed, folded email, unique among live users. */
export function emailKeyOf(email: string): string {
  return foldText(email.trim());
}

/**
 * Whitespace exactly as Python's `str.isspace()` has it (JavaScript's `\s` differs: it includes
 * U+FEFF and lacks U+001C..U+001F and U+0085). All of it is in the Basic Multilingual Plane, so a
 * UTF-16 code unit test is a code point test (a surrogate is never whitespace).
 */
function isPythonSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  if (c <= 0xa0) return c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/**
 * The derived `wordCount` of a journal entry's content: its whitespace-separated words, the same
 * count as Python's `len(content.split())`. That is how the app's existing data was counted, so
 * an imported word count does not change on the way in; the title is not counted. A loop over
 * code units: a regular expression with the same class costs ten times as much per entry.
 */
export function wordCountOf(content: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    const space = c > 0x20 && c < 0x85 ? false : isPythonSpace(c);
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** Trims tags, drops duplicates in first-seen order (case-sensitive). */
export function normaliseTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const tag of tags) seen.add(tag.trim());
  return [...seen];
}
