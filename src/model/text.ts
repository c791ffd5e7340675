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
