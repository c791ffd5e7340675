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

/** Counts words: runs of letters, marks, digits and connectors (any script). */
export function wordCountOf(text: string): number {
  const words = text.match(/[\p{L}\p{M}\p{N}\p{Pc}'’-]+/gu);
  return words ? words.filter((w) => /[\p{L}\p{N}]/u.test(w)).length : 0;
}

/** Trims tags, drops duplicates in first-seen order (case-sensitive). */
export function normaliseTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const tag of tags) seen.add(tag.trim());
  return [...seen];
}
