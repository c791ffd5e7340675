import type { DigestRange, RangeDigest, Stored } from "../backend.js";
import { canonicalRow } from "../canonical.js";
import { digestSorted, rowHash } from "../digest.js";
import type { CollectionName } from "../model/rows.js";
import { withDerived } from "./resident.js";
import type { Table } from "./table.js";

/**
 * Range digests of an engine's committed rows, computed in process (`digest.ts` defines them):
 * no copy of a row, and each row hashed once per stored version. A resident row is never changed
 * in place (a write stores a new object), so the hash kept beside the object stays its hash for
 * as long as the object lives: a compare that cuts a range and digests it again, or a second
 * compare of the same rows, sums hashes instead of building canonical texts.
 */

const hashes = new WeakMap<Stored, bigint>();

/** The row hash of a resident row of `collection`, derived fields included as readers see them. */
function residentHash(collection: CollectionName, row: Stored): bigint {
  let hash = hashes.get(row);
  if (hash === undefined) {
    hash = rowHash(canonicalRow(collection, withDerived(collection, row) as unknown as Record<string, unknown>));
    hashes.set(row, hash);
  }
  return hash;
}

/** The digests of each part of `range` over a table's committed rows. */
export function tableDigest(collection: CollectionName, table: Table, range: DigestRange): RangeDigest[] {
  const ids = table.idsInOrder();
  return digestSorted(collection, range, ids, (i) => residentHash(collection, table.rows.get(ids[i]!)!));
}
