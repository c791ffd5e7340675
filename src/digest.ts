import type { Backend, DigestRange, RangeDigest, RowSource, Stored } from "./backend.js";
import { ValidationError } from "./errors.js";
import { canonicalRowBytes } from "./canonical.js";
import { hashBytesExtended } from "./hash-bytes.js";
import { checkCollection } from "./model/collections.js";
import { MAX_ID, checkId, upperBound } from "./model/ids.js";
import type { CollectionName } from "./model/rows.js";

/**
 * Range digests: a count and a hash of the rows of an id range, so compare can tell two ranges
 * equal without fetching them (the idea of data-diff: checksum segments on both sides, bisect the
 * ones that differ). A backend may compute them natively (PostgreSQL does, in SQL); this file and
 * `canonical.ts` are the definition every implementation reproduces exactly, and the generic
 * computation over the rows `scan` returns.
 *
 * **The hash of a range** is the sum modulo 2^64 of each row's hash (PostgreSQL's
 * `hashtextextended(text, 0)` of its canonical text's UTF-8 bytes, a signed 64-bit integer; see
 * `canonical.ts` and `hash-bytes.ts`): order-independent, so a backend may aggregate rows in any
 * order.
 */

/**
 * Refuses a range no backend could digest: bounds and cuts must be lowercase UUIDs, cuts strictly
 * ascending, inside the bounds, and below the largest id. ValidationError naming `collection` and
 * the field (`afterId`, `untilId`, `splitAt.3`).
 */
export function checkDigestRange(collection: string, range: DigestRange): void {
  if (range.afterId != null) checkId(collection, range.afterId, "afterId");
  if (range.untilId != null) checkId(collection, range.untilId, "untilId");
  if (range.afterId != null && range.untilId != null && range.untilId < range.afterId) {
    throw new ValidationError(collection, [{ path: "untilId", message: "must not be before afterId" }]);
  }
  const cuts = range.splitAt ?? [];
  if (!Array.isArray(cuts)) throw new ValidationError(collection, [{ path: "splitAt", message: "must be an array of ids" }]);
  cuts.forEach((cut, i) => {
    const path = `splitAt.${i}`;
    checkId(collection, cut, path);
    const bad =
      (i > 0 && cut <= cuts[i - 1]!) ||
      (range.afterId != null && cut <= range.afterId) ||
      (range.untilId != null && cut >= range.untilId) ||
      cut === MAX_ID;
    if (bad) throw new ValidationError(collection, [{ path, message: "cuts must ascend strictly, inside (afterId, untilId)" }]);
  });
  const parts = range.parts;
  if (parts === undefined) return;
  if (!Array.isArray(parts)) throw new ValidationError(collection, [{ path: "parts", message: "must be an array of part indexes" }]);
  parts.forEach((part, i) => {
    if (!Number.isSafeInteger(part) || part < 0 || part > cuts.length || (i > 0 && part <= parts[i - 1]!)) {
      throw new ValidationError(collection, [{ path: `parts.${i}`, message: `part indexes must ascend strictly, from 0 to ${cuts.length} (the number of cuts)` }]);
    }
  });
}

/** The parts of a checked `range` its digest returns, in order: `parts`, or every part. */
export function partsOf(range: DigestRange): readonly number[] {
  return range.parts ?? Array.from({ length: (range.splitAt?.length ?? 0) + 1 }, (_, i) => i);
}

/**
 * The digests of a range on any backend: its own `digest` when it has one, else computed here from
 * `scan` (a page of `batchSize` rows at a time), which gives exactly what a native digest gives.
 */
export async function digestOf(backend: Backend, collection: CollectionName, range: DigestRange, batchSize = 1000): Promise<RangeDigest[]> {
  if (backend.digest) return backend.digest(collection, range);
  return digestByScan(backend, collection, range, batchSize);
}

/** The digests of a range computed from the rows `scan` returns (the generic fallback). */
export async function digestByScan(backend: Backend, collection: CollectionName, range: DigestRange, batchSize = 1000): Promise<RangeDigest[]> {
  checkCollection(collection);
  checkDigestRange(collection, range);
  const cuts = range.splitAt ?? [];
  const parts = Array.from({ length: cuts.length + 1 }, () => new DigestAccumulator());
  const wanted = partsOf(range);
  const result = () => wanted.map((i) => parts[i]!.result());
  const hashed = range.parts ? new Set(range.parts) : null;
  const until = range.untilId ?? null;
  let afterId = range.afterId ?? null;
  for (;;) {
    const page = await backend.scan(collection, { afterId, limit: batchSize });
    for (const row of page) {
      if (until !== null && row.id > until) return result();
      const part = partOf(row.id, cuts);
      if (!hashed || hashed.has(part)) parts[part]!.addRow(collection, row);
    }
    if (page.length < batchSize) return result();
    afterId = page[page.length - 1]!.id;
  }
}

/**
 * The row hashes of one collection of a backend without its own digest, computed once from
 * `scan` and kept in id order (ids, and their hashes as 64-bit integers: 8 bytes a row beside the
 * id strings), so that every later digest of the same compare run costs a binary search and a sum
 * instead of another scan and a canonical form per row. Bisecting a collection that differs
 * digests it at least twice (whole, then cut); building canonical forms dominates that cost on a
 * JSON store (bench/compare.ts). The hashes are those of the rows when they were loaded: a row
 * written later is caught by the row-by-row merge of its range if that range is fetched, and by
 * the next compare otherwise, as with any digest taken before a write.
 */
export class ScannedDigests {
  private constructor(
    private readonly ids: readonly string[],
    private readonly hashes: BigInt64Array,
  ) {}

  /** Scans every row of `collection` (pages of `batchSize`), hashing each once. */
  static async load(backend: RowSource, collection: CollectionName, batchSize = 1000): Promise<ScannedDigests> {
    checkCollection(collection);
    const ids: string[] = [];
    let hashes = new BigInt64Array(1024);
    let afterId: string | null = null;
    for (;;) {
      const page: readonly { id: string }[] = await backend.scan(collection, { afterId, limit: batchSize });
      for (const row of page) {
        if (ids.length === hashes.length) {
          const grown = new BigInt64Array(hashes.length * 2);
          grown.set(hashes);
          hashes = grown;
        }
        hashes[ids.length] = rowHash(collection, row);
        ids.push(row.id);
      }
      if (page.length < batchSize) return new ScannedDigests(ids, hashes);
      afterId = page[page.length - 1]!.id;
    }
  }

  /** The digests of each part of `range`, exactly as {@link digestByScan} computes them. */
  digest(collection: string, range: DigestRange): RangeDigest[] {
    return digestSorted(collection, range, this.ids, (i) => this.hashes[i]!);
  }
}

/**
 * The digests of each part of `range` over rows held in id order: `ids` ascending, `hashAt(i)`
 * the row hash of `ids[i]` (see {@link rowHash}). What {@link digestByScan} computes, for a side
 * that has its rows or their hashes at hand (a scanned collection, an in-process engine).
 */
export function digestSorted(collection: string, range: DigestRange, ids: readonly string[], hashAt: (i: number) => bigint): RangeDigest[] {
  checkDigestRange(collection, range);
  const cuts = range.splitAt ?? [];
  const [lower, end] = rangeBounds(ids, range);
  // Part p holds ids[from, stop): from after cut p-1, up to and including cut p.
  const bound = (cut: number) => (cut < 0 ? lower : cut >= cuts.length ? end : Math.max(lower, Math.min(end, upperBound(ids, cuts[cut]!, lower))));
  return partsOf(range).map((part) => {
    const from = bound(part - 1);
    const stop = Math.max(from, bound(part));
    let sum = 0n;
    for (let j = from; j < stop; j++) sum += hashAt(j);
    return { count: stop - from, hash: hashHex(sum), firstId: stop > from ? ids[from]! : null, lastId: stop > from ? ids[stop - 1]! : null };
  });
}

/** Where `range` starts and stops in ascending `ids`: the positions of its first and past its last id. */
export function rangeBounds(ids: readonly string[], range: DigestRange): [number, number] {
  return [range.afterId == null ? 0 : upperBound(ids, range.afterId), range.untilId == null ? ids.length : upperBound(ids, range.untilId)];
}

/** The part of a range that `id` falls in (binary search over the cuts). */
export function partOf(id: string, cuts: readonly string[]): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Accumulates the digest of one part, row by row, in any order. */
export class DigestAccumulator {
  private sum = 0n;
  count = 0;
  firstId: string | null = null;
  lastId: string | null = null;

  /** Adds a row hash (see {@link rowHash}) of the row with `id`. */
  addHash(id: string, hash: bigint): void {
    this.sum += hash;
    this.count++;
    if (this.firstId === null || id < this.firstId) this.firstId = id;
    if (this.lastId === null || id > this.lastId) this.lastId = id;
  }

  /** Adds a row of `collection`. */
  addRow(collection: CollectionName, row: Stored): void {
    this.addHash(row.id, rowHash(collection, row));
  }

  /** The digest so far. */
  result(): RangeDigest {
    return { count: this.count, hash: hashHex(this.sum), firstId: this.firstId, lastId: this.lastId };
  }
}

/** The 16 hex digits of a sum of row hashes, modulo 2^64 (a PostgreSQL `numeric` sum included). */
export function hashHex(sum: bigint): string {
  return BigInt.asUintN(64, sum).toString(16).padStart(16, "0");
}

/**
 * The 64-bit hash of a row of `collection`: PostgreSQL's `hashtextextended(text, 0)` of its
 * canonical text's UTF-8 bytes ({@link canonicalRowBytes}, {@link hashBytesExtended}), as a
 * signed integer. `missing` as for canonicalRowBytes.
 */
export function rowHash(collection: CollectionName, row: object, missing?: (field: string) => unknown): bigint {
  const bytes = canonicalRowBytes(collection, row, missing);
  return hashBytesExtended(bytes, bytes.length);
}
