import { createHash, randomFillSync } from "node:crypto";
import { ValidationError } from "../errors.js";

/** A lowercase, hyphenated UUID: the only id form a backend ever sees. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True when `value` is a lowercase UUID string (the contract's id form). */
export function isId(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/**
 * Throws a ValidationError naming `collection` and `path` unless `id` is a lowercase UUID. The one
 * guard every layer uses before an id reaches a file, a map key or a `::uuid` cast: the facade on
 * its inputs, the engine and the PostgreSQL backend on the rows and scan bounds they are given.
 */
export function checkId(collection: string, id: unknown, path = "id"): asserts id is string {
  if (!isId(id)) throw new ValidationError(collection, [{ path, message: "must be a lowercase UUID" }]);
}

/** Generates ids for new rows. The default is {@link uuidv7}; tests inject a deterministic one. */
export type IdGenerator = () => string;

let lastMs = -1;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids created later sort
 * later and B-tree inserts stay local. Within one millisecond a 12-bit counter keeps them ordered.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = random16();
  if (now === lastMs) counter = (counter + 1) & 0xfff;
  else {
    lastMs = now;
    counter = ((bytes[6]! << 8) | bytes[7]!) & 0x7ff;
  }
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  return format(bytes);
}

/**
 * 16 fresh random bytes, cut from a pool refilled 4 KiB at a time: one call into the CSPRNG per
 * 256 ids instead of one per id (the per-call cost dominated id generation on the hot insert path).
 * The returned view is overwritten by later calls; callers consume it at once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;
function random16(): Buffer {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const view = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return view;
}

/** The namespace of ids this package derives from natural keys (a fixed, random UUID). */
export const ID_NAMESPACE = "6f1a7c2e-3b5d-4e8f-9a0b-1c2d3e4f5a6b";

/**
 * A deterministic UUIDv5 (SHA-1) of `name` in `namespace`: the same natural key yields the same
 * id on every backend, so both sides of a dual write agree without coordination.
 */
export function uuidv5(name: string, namespace: string = ID_NAMESPACE): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replace(/-/g, ""), "hex"))
    .update(name, "utf8")
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = 0x50 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  return format(bytes);
}

function format(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * An id as the 128-bit number its hex digits spell. Ids order as lowercase hex strings, which is
 * also this number's order, so id ranges can be cut arithmetically (compare's bisection).
 */
export function idToBigInt(id: string): bigint {
  return BigInt(`0x${id.replace(/-/g, "")}`);
}

/** The id whose 128-bit number is `n` (0 <= n < 2^128): the inverse of {@link idToBigInt}. */
export function bigIntToId(n: bigint): string {
  const hex = n.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The largest id (all bits set): nothing sorts after it. */
export const MAX_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff";

/**
 * The index of the first id in `ids` (ascending) greater than `id`, searching from `from`: where
 * a page after `id` starts, or where an id range ends. One binary search for the engine's pages
 * and the JS digests of id ranges.
 */
export function upperBound(ids: readonly string[], id: string, from = 0): number {
  let lo = from;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
