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

/** The derived `searchText` of a titled document: folded title and content on separate lines. */
export function searchTextOf(title: string, content: string): string {
  return foldText(`${title}\n${content}`);
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
 * A run of characters that are not whitespace, whitespace being exactly what Python's
 * `str.isspace()` calls whitespace (JavaScript's `\s` differs: it includes U+FEFF and lacks
 * U+001C..U+001F and U+0085).
 */
const WORD = /[^\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu;

/**
 * The derived `wordCount` of a journal entry's content: its whitespace-separated words, the same
 * count as Python's `len(content.split())`. That is how the app's existing data was counted, so
 * an imported word count does not change on the way in; the title is not counted.
 */
export function wordCountOf(content: string): number {
  let words = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(content) !== null) words++;
  return words;
}

/** Trims tags, drops duplicates in first-seen order (case-sensitive). */
export function normaliseTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const tag of tags) seen.add(tag.trim());
  return [...seen];
}
