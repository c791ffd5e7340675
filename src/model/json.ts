/**
 * JSON values as the store keeps them, and the one safe way to copy them. Parsed JSON can carry
 * keys such as `__proto__`; copying with plain assignment would change an object's prototype,
 * so every copy here defines properties instead.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
/** A JSON object (string keys, JSON values). */
export interface JsonObject {
  [key: string]: Json;
}

/**
 * Deep-copies a JSON value, defining every key as an own data property so that keys such as
 * `__proto__` or `constructor` stay plain data and no prototype changes. A -0 becomes 0, as it
 * does in JSON text and in PostgreSQL's jsonb, so a copy equals what every backend returns.
 */
export function cloneJson<T extends Json>(value: T): T {
  if (value === 0) return 0 as T;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => cloneJson(v)) as T;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: cloneJson((value as JsonObject)[key] as Json),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}

/**
 * Parses JSON text without letting `__proto__` keys reach a prototype: JSON.parse already makes
 * them own properties, and this re-copies through {@link cloneJson} for callers that merge.
 */
export function parseJson(text: string): Json {
  return cloneJson(JSON.parse(text) as Json);
}

/** True when `value` is a plain object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
