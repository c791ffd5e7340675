import { isId, uuidv5 } from "../model/ids.js";
import { isPlainObject, type Json, type JsonObject } from "../model/json.js";
import { LEGACY_METADATA_KEY } from "./mapping.js";

/**
 * What an imported row keeps of its source record beyond its row fields, under
 * `metadata["journal-store:legacy"]`, and the deterministic ids of records:
 * - `key`: the record's own key, when it is not the row id (not a UUID, or not lower-case);
 * - `kept[field]`: a source field whose value the row does not give back exactly: `value` (or
 *   `absent: true` when the record lacked the field) and `as`, the row value it became. Export
 *   writes `value` back while the row still holds `as`, and the row's own value once it changed;
 * - `extra`: source fields no rule maps, verbatim.
 */

/** One kept source value. */
export interface KeptValue {
  /** The source value (absent when `absent`). */
  value?: Json;
  /** True when the record did not have the field. */
  absent?: true;
  /** The row value the field became at import. */
  as: Json;
}

/** The reserved metadata entry of an imported row. */
export interface LegacyInfo {
  key?: string;
  kept?: Record<string, KeptValue>;
  extra?: JsonObject;
}

/** The namespace of row ids derived from an app's record keys. */
const LEGACY_ID_NAMESPACE = uuidv5("journal-store legacy record keys");
const ANY_CASE_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The row id of record `key` of `file`: the key itself when it is a UUID (lower-cased), else a
 * UUIDv5 of file and key, so a re-run and every reference derive the same id.
 */
export function rowIdOf(file: string, key: string): string {
  if (ANY_CASE_UUID.test(key)) return key.toLowerCase();
  return uuidv5(`${file}\u0000${key}`, LEGACY_ID_NAMESPACE);
}

/** True when `key` is a UUID in any case (its row id is the key itself). */
export function isUuidKey(key: string): boolean {
  return isId(key) || ANY_CASE_UUID.test(key);
}

/** The reserved entry of a row's metadata, or null when the row did not come from the app. */
export function legacyInfoOf(metadata: unknown): LegacyInfo | null {
  if (!isPlainObject(metadata) || !Object.prototype.hasOwnProperty.call(metadata, LEGACY_METADATA_KEY)) return null;
  const info = metadata[LEGACY_METADATA_KEY];
  return isPlainObject(info) ? (info as LegacyInfo) : null;
}

/** The metadata without the reserved entry. */
export function withoutLegacyInfo(metadata: JsonObject): JsonObject {
  if (!Object.prototype.hasOwnProperty.call(metadata, LEGACY_METADATA_KEY)) return metadata;
  const out: JsonObject = {};
  for (const key of Object.keys(metadata)) {
    if (key !== LEGACY_METADATA_KEY) Object.defineProperty(out, key, { value: metadata[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) {
    if (!Object.prototype.hasOwnProperty.call(bo, k) || !jsonEqual((a as Record<string, unknown>)[k], bo[k])) return false;
  }
  return true;
}
