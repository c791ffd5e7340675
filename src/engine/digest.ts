import type { DigestRange, RangeDigest, Stored } from "../backend.js";
import { checkDigestRange, digestSorted, rangeBounds, rowHash } from "../digest.js";
import type { CollectionName } from "../model/rows.js";
import { readField } from "./resident.js";
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
    hash = rowHash(collection, row, (field) => readField(collection, row, field));
    hashes.set(row, hash);
  }
  return hash;
}

/** The digests of each part of `range` over a table's committed rows. */
export function tableDigest(collection: CollectionName, table: Table, range: DigestRange): RangeDigest[] {
  const ids = table.idsInOrder();
  return digestSorted(collection, range, ids, (i) => residentHash(collection, table.rows.get(ids[i]!)!));
}

/** Rows hashed between two turns of the event loop while a large range is warmed. */
const WARM_CHUNK = 1_000;

/**
 * Hashes the rows of a large range ahead of {@link tableDigest}, {@link WARM_CHUNK} rows per turn
 * of the event loop, so a first digest of a big table (about 10 µs a row) never holds the event
 * loop for long: an app keeps serving while a compare runs in its process, and the other side's
 * digest (a PostgreSQL query) is sent and computed meanwhile instead of after. Writes between
 * turns are harmless: the digest itself is taken afterwards, in one turn, from the rows then
 * stored, and rows stored since are hashed then. A range limited to some `parts` is not warmed
 * (those are small by construction).
 */
export async function warmDigest(collection: CollectionName, table: Table, range: DigestRange): Promise<void> {
  checkDigestRange(collection, range);
  if (range.parts) return;
  const ids = table.idsInOrder();
  const [from, stop] = rangeBounds(ids, range);
  if (stop - from <= WARM_CHUNK) return;
  for (let i = from; i < stop; i++) {
    if ((i - from) % WARM_CHUNK === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const row = table.rows.get(ids[i]!);
    if (row) residentHash(collection, row);
  }
}
