import { createHash } from "node:crypto";
import type { Filter, Stored } from "../backend.js";
import { diffRows } from "../diff.js";
import type { DivergenceEvent } from "../events.js";
import type { CollectionName } from "../model/rows.js";
import type { ResolvedDualWriteOptions } from "./options.js";

/**
 * Shadow reads: a sampled read is run again on the secondary, off the caller's path, and the two
 * answers are compared with `diffRows` (less the ignored fields, then the custom `compare`). A
 * difference is re-read once replication in flight has drained, and only a difference that
 * survives is reported: a row written a moment ago is not a divergence. The caller always has
 * the primary's answer already; a failing or slow shadow read changes nothing for it.
 */

/** A difference found by comparing two answers (a divergence event without its backend names). */
export type Difference = Omit<DivergenceEvent, "source" | "primary" | "secondary">;

/**
 * True when `key` (a user id, or the row or query itself when no user is known) falls in the
 * sample. Hash-based, so one user's reads are all compared or none.
 */
export function inSample(key: string, sample: number): boolean {
  if (sample >= 1) return true;
  if (sample <= 0) return false;
  const h = createHash("sha1").update(key).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000 < sample;
}

/** The user a row belongs to, for sampling: its `userId`, a user's own id, else the row id. */
export function sampleKeyOfRow(collection: CollectionName, row: Stored | null, fallback: string): string {
  if (!row) return fallback;
  if (collection === "users") return row.id;
  const userId = (row as { userId?: unknown }).userId;
  return typeof userId === "string" ? userId : row.id;
}

/** The user a query is about (an `eq` filter on `userId`), else its shape. */
export function sampleKeyOfQuery(collection: CollectionName, where: readonly Filter[] | undefined): string {
  const byUser = where?.find((f) => f.field === "userId" && f.op === "eq");
  return byUser && byUser.op === "eq" ? String(byUser.value) : `${collection}?${queryShape(where)}`;
}

/** A query's fields and operators, never its values (safe to log). */
export function queryShape(where: readonly Filter[] | undefined): string {
  return (where ?? []).map((f) => `${f.field}:${f.op}`).join(",");
}

/** Field paths at which two versions of a row differ, after the options' ignore rules and compare. */
export function rowDifference(options: ResolvedDualWriteOptions, collection: CollectionName, a: Stored | null, b: Stored | null): string[] {
  if (!a || !b) return a === b ? [] : ["id"];
  const ignored = options.ignoreFields?.[collection] ?? [];
  let fields = diffRows(a, b).filter((path) => !ignored.some((i) => path === i || path.startsWith(`${i}.`)));
  if (options.compare) fields = options.compare(collection, a, b, fields);
  return fields;
}

/** Differences between the rows two sides returned for the same ids (or the same page). */
export function compareRows(
  options: ResolvedDualWriteOptions,
  collection: CollectionName,
  primary: readonly (Stored | null)[],
  secondary: readonly (Stored | null)[],
  query?: string,
): Difference[] {
  const out: Difference[] = [];
  const byId = new Map<string, Stored>();
  for (const row of secondary) if (row) byId.set(row.id, row);
  const seen = new Set<string>();
  const n = Math.max(primary.length, secondary.length);
  for (let i = 0; i < n; i++) {
    const p = primary[i] ?? null;
    const s = p ? (byId.get(p.id) ?? null) : (secondary[i] ?? null);
    const id = p?.id ?? s?.id ?? null;
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    const fields = rowDifference(options, collection, p, s);
    if (p && s && fields.length === 0 && query !== undefined && secondary[i]?.id !== p.id) {
      out.push({ collection, id, query, fields: ["order"], primaryVersion: p.version, secondaryVersion: s.version });
      continue;
    }
    if (fields.length > 0) {
      out.push({ collection, id, ...(query !== undefined ? { query } : {}), fields, primaryVersion: p?.version ?? null, secondaryVersion: s?.version ?? null });
    }
  }
  for (const row of secondary) {
    if (row && !seen.has(row.id)) {
      out.push({ collection, id: row.id, ...(query !== undefined ? { query } : {}), fields: ["id"], primaryVersion: null, secondaryVersion: row.version });
    }
  }
  return out;
}

