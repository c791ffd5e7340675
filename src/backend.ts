import { copyWithout } from "./model/json.js";
import type { AnyRow, CollectionName, RowTypes } from "./model/rows.js";

/**
 * The Backend contract: the one seam between the typed facade and storage. A backend stores
 * full rows in named collections and enforces the integrity rules of the collection specs
 * (`model/collections.ts`); it knows nothing else of the domain. Dual write, backfill and compare
 * are written once, against this file. The conformance suite (`@journal/store/testing`) is its
 * executable definition: a behaviour the suite does not check is not part of the contract.
 */

/** A row as a backend returns it: the stored row plus the backend-local change sequence. */
export type Stored<R extends AnyRow = AnyRow> = R & {
  /** Increases with every write on this backend; never replicated or compared. */
  changeSeq: number;
};

/** A filter on one field; a query ANDs its filters. Queries see live rows only. */
export type Filter =
  /** field = value. */
  | {
      /** The field filtered on (a field of the collection spec). */
      field: string;
      /** The operator. */
      op: "eq";
      /** The value the field must equal. */
      value: string | number | boolean;
    }
  /** field is one of values. */
  | {
      /** The field filtered on. */
      field: string;
      /** The operator. */
      op: "in";
      /** The values the field may take. */
      values: readonly (string | number)[];
    }
  /** Range on a number, timestamp or date field; null never matches. */
  | {
      /** The field filtered on. */
      field: string;
      /** The comparison. */
      op: "gt" | "gte" | "lt" | "lte";
      /** The bound. */
      value: string | number;
    }
  /** Array field shares at least one value with `values`. */
  | {
      /** The array field filtered on. */
      field: string;
      /** The operator. */
      op: "overlaps";
      /** Any of these. */
      values: readonly string[];
    }
  /** Array field holds every one of `values`. */
  | {
      /** The array field filtered on. */
      field: string;
      /** The operator. */
      op: "contains";
      /** All of these. */
      values: readonly string[];
    }
  /** Every term (already folded by the facade) occurs as a substring of the text field. */
  | {
      /** The text field searched. */
      field: string;
      /** The operator. */
      op: "search";
      /** The folded terms, each of which must occur. */
      terms: readonly string[];
    };

/** Sort order: one sortable field (see the collection spec), always tie-broken by id. */
export interface OrderBy {
  /** A sortable field of the collection, or `id`. */
  field: string;
  /** Ascending or descending; the id tie-break goes the same way. */
  direction: "asc" | "desc";
}

/** A keyset-paged query. */
export interface QuerySpec {
  /** Filters, ANDed (none: every live row). */
  where?: readonly Filter[];
  /** The order of the rows and of the cursor. */
  orderBy: OrderBy;
  /** Rows per page (the facade bounds it). */
  limit: number;
  /** From a previous page's `nextCursor`; the same cursor works on every backend. */
  cursor?: string | null;
}

/** One page of a query. */
export interface Page<R extends AnyRow = AnyRow> {
  /** The page's rows, in the query's order. */
  rows: Stored<R>[];
  /** Cursor of the next page, or null when this is the last. */
  nextCursor: string | null;
}

/** How to walk a collection with {@link Backend.scan}, tombstones included. */
export type ScanOptions =
  /** In id order, after `afterId` (exclusive). */
  | {
      /** Start after this id (exclusive); null or absent: from the first. */
      afterId?: string | null;
      /** Rows at most. */
      limit: number;
      /** Not with `afterId`. */
      changedSince?: undefined;
    }
  /** In changeSeq order, rows whose changeSeq is greater than `changedSince`. */
  | {
      /** Rows changed after this change sequence (exclusive). */
      changedSince: number;
      /** Rows at most. */
      limit: number;
      /** Not with `changedSince`. */
      afterId?: undefined;
    };

/** Where {@link Backend.digest} looks: ids after `afterId` (exclusive) up to `untilId` (inclusive), cut at `splitAt`. */
export interface DigestRange {
  /** Exclusive lower bound; null or absent: from the first id. */
  afterId?: string | null;
  /** Inclusive upper bound; null or absent: to the last id. */
  untilId?: string | null;
  /**
   * Ascending ids inside the range at which to cut it: part `i` holds the ids in
   * `(splitAt[i-1], splitAt[i]]`, the last part the ids after the last cut. Absent: one part.
   */
  splitAt?: readonly string[];
  /**
   * Only these parts (ascending indexes into the parts `splitAt` makes): the result holds one
   * digest per listed part, in this order, and the rows of the other parts are not hashed. For a
   * caller that cares about a few scattered parts of a long range (compare pinpointing many small
   * unequal parts): the backend hashes their rows only. Absent: every part.
   */
  parts?: readonly number[];
}

/** The count and hash of the rows (tombstones included) of one part of a {@link DigestRange} (see `digest.ts`). */
export interface RangeDigest {
  /** Rows in the part, tombstones included. */
  count: number;
  /** 16 lowercase hex digits: the sum modulo 2^64 of the rows' 64-bit hashes ("0000000000000000" when empty). */
  hash: string;
  /** The smallest id in the part (null when it is empty), so a caller can cut it further. */
  firstId: string | null;
  /** The largest id in the part (null when it is empty). */
  lastId: string | null;
}

/** Per-row result of {@link BackendWriter.applyReplicated}. */
export type ReplicationOutcome =
  /** Newer than stored (or absent): written. */
  | {
      /** The row's id. */
      id: string;
      /** What happened. */
      outcome: "applied";
    }
  /** The stored version is newer, or equal with equal content: nothing written. */
  | {
      /** The row's id. */
      id: string;
      /** What happened. */
      outcome: "stale";
      /** The version stored. */
      storedVersion: number;
    }
  /** Equal version with different content: nothing written. */
  | {
      /** The row's id. */
      id: string;
      /** What happened. */
      outcome: "conflict";
      /** Why. */
      reason: "version";
      /** The version stored. */
      storedVersion: number;
    }
  /** A unique key held by another live row: nothing written. */
  | {
      /** The row's id. */
      id: string;
      /** What happened. */
      outcome: "conflict";
      /** Why. */
      reason: "unique-key";
      /** The unique key's name (e.g. `emailKey`). */
      key: string;
      /** The live row holding it. */
      holderId: string;
    }
  /** The owner has not arrived (or is deleted, for a live row): retry later, never drop. */
  | {
      /** The row's id. */
      id: string;
      /** What happened. */
      outcome: "missing-owner";
      /** The owner's collection. */
      ownerCollection: CollectionName;
      /** The owner's id. */
      ownerId: string;
    };

/** Options of {@link BackendReader.get}. */
export interface GetOptions {
  /**
   * Inside a transaction: hold the row until commit so concurrent read-modify-writes queue
   * instead of conflicting. Backends that run one transaction at a time may ignore it.
   */
  forUpdate?: boolean;
}

/** Reads. `get` and `getMany` return tombstones too; `query` and `count` see live rows only. */
export interface BackendReader {
  /** One row by id, tombstones included; null when absent. */
  get<C extends CollectionName>(collection: C, id: string, options?: GetOptions): Promise<Stored<RowTypes[C]> | null>;
  /** One result per id, in the order given (null where absent). */
  getMany<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<(Stored<RowTypes[C]> | null)[]>;
  /** One page of live rows matching `spec`. */
  query<C extends CollectionName>(collection: C, spec: QuerySpec): Promise<Page<RowTypes[C]>>;
  /** How many live rows match `where`. */
  count(collection: CollectionName, where?: readonly Filter[]): Promise<number>;
}

/** Writes. Rows arrive complete (ids, versions, timestamps set by the facade). */
export interface BackendWriter {
  /**
   * Stores a new row. ConflictError if the id exists (even as a tombstone) or a unique key is
   * held by another live row; NotFoundError naming the owner if a live row's owner is missing or
   * deleted.
   */
  insert<C extends CollectionName>(collection: C, row: RowTypes[C]): Promise<Stored<RowTypes[C]>>;
  /**
   * Compare-and-swap of the full new row: succeeds only if the stored version is
   * `expectedVersion`, else ConflictError (reason `version`); NotFoundError if absent.
   * Writing a row with `deleted: true` is how a delete is stored.
   */
  update<C extends CollectionName>(collection: C, row: RowTypes[C], expectedVersion: number): Promise<Stored<RowTypes[C]>>;
  /**
   * The replication write (dual write, backfill, repair): for each row in order, write it if it is
   * newer than the stored one; report an outcome per row instead of failing the batch.
   */
  applyReplicated<C extends CollectionName>(collection: C, rows: readonly RowTypes[C][]): Promise<ReplicationOutcome[]>;
}

/** What a transaction callback may do: read and write, all-or-nothing. */
export interface BackendTransaction extends BackendReader, BackendWriter {}

/** Result of {@link Backend.purge}: tombstones removed, per collection. */
export type PurgeResult = Partial<Record<CollectionName, number>>;

/** A bulk load in progress on a backend: see {@link Backend.beginBulkLoad}. */
export interface BulkLoad {
  /**
   * Puts the backend back in its everyday configuration. Call it when the load ends, also when it
   * failed; calling it again does nothing more.
   */
  end(): Promise<void>;
}

/**
 * What sync (backfill, compare, repair) reads from its source: pages in id order, rows by id, live
 * counts and, optionally, range digests. Every {@link Backend} is one; so is `jsonFileSource`,
 * which streams a large JSON-file store from disk instead of holding its rows in memory.
 */
export interface RowSource {
  /** Short name, as {@link Backend.name}. */
  readonly name: string;
  /** A page of rows in id order after `afterId` (exclusive), tombstones included, as {@link Backend.scan}. */
  scan<C extends CollectionName>(collection: C, options: { afterId?: string | null; limit: number }): Promise<Stored<RowTypes[C]>[]>;
  /** One result per id, in the order given (null where absent), tombstones included. */
  getMany<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<(Stored<RowTypes[C]> | null)[]>;
  /** How many live rows `collection` holds. */
  count(collection: CollectionName): Promise<number>;
  /** Optional: range digests, as {@link Backend.digest}. */
  digest?(collection: CollectionName, range: DigestRange): Promise<RangeDigest[]>;
  /** Releases files and connections. */
  close(): Promise<void>;
}

/** True when `source` is a whole {@link Backend} (it writes), not only a {@link RowSource}. */
export function isBackend(source: RowSource): source is Backend {
  const b = source as Partial<Backend>;
  return typeof b.applyReplicated === "function" && typeof b.transaction === "function";
}

/** A storage backend. Factories are named `<kind>Backend(options)`. */
export interface Backend extends BackendReader, BackendWriter {
  /** Short name carried by BackendError and events, e.g. `memory`, `json`, `postgres`. */
  readonly name: string;
  /** Walks every row, tombstones included, in id order or changed-since order. */
  scan<C extends CollectionName>(collection: C, options: ScanOptions): Promise<Stored<RowTypes[C]>[]>;
  /**
   * The change feed's horizon: every row with a changeSeq at or below it that will ever be
   * committed is visible to `scan` now. A consumer of `scan({ changedSince })` moves its watermark
   * no further, so a slow transaction holding a lower changeSeq is never skipped.
   */
  changeHorizon(): Promise<number>;
  /**
   * Runs `fn` all-or-nothing: if it throws, nothing it wrote is kept and the error is rethrown.
   * Reads inside see the transaction's own writes.
   */
  transaction<T>(fn: (tx: BackendTransaction) => Promise<T>): Promise<T>;
  /**
   * Removes tombstones last updated before `olderThan` for good (after cutover, or for erasure);
   * an owner's tombstone goes only once nothing refers to it.
   */
  purge(options: { olderThan: string; collections?: readonly CollectionName[] }): Promise<PurgeResult>;
  /**
   * Optional: the digest of each part of an id range, computed where the rows are (one statement
   * on PostgreSQL), exactly as `digest.ts` defines it over the rows `scan` returns. Compare uses it
   * to skip equal ranges without fetching them; a backend without it is digested from `scan`.
   * ValidationError (`checkDigestRange`) for bad bounds or cuts.
   */
  digest?(collection: CollectionName, range: DigestRange): Promise<RangeDigest[]>;
  /** Releases files, locks and connections. Later calls fail with ClosedError. */
  close(): Promise<void>;
  /**
   * Optional: prepares `collections` for a large load (backfill) until the returned load ends,
   * trading some query latency for write throughput (PostgreSQL turns GIN `fastupdate` on).
   * Every read and write keeps its full contract meanwhile. Call it through
   * {@link beginBulkLoad}, which does nothing for a backend without it.
   */
  beginBulkLoad?(collections: readonly CollectionName[]): Promise<BulkLoad>;
}

/**
 * Starts a bulk load of `collections` on `backend` with its own {@link Backend.beginBulkLoad}, or,
 * for a backend that has none, a load whose `end` does nothing.
 */
export async function beginBulkLoad(backend: Backend, collections: readonly CollectionName[]): Promise<BulkLoad> {
  if (backend.beginBulkLoad) return backend.beginBulkLoad(collections);
  return { end: async () => {} };
}

/** A stored row without its backend-local `changeSeq`: what `applyReplicated` and `update` take. */
export function withoutChangeSeq<R extends AnyRow>(row: Stored<R> | R): R {
  return copyWithout(row, "changeSeq") as unknown as R;
}
