import { cloneJson, type Json, type JsonObject } from "../model/json.js";
import { jsonEqual, legacyInfoOf, withoutLegacyInfo } from "./kept.js";
import type { LegacyRow } from "./mapping.js";
import type { FilePlan } from "./to-row.js";

/**
 * One row -> the app's record, the inverse of to-row.ts: a source field whose kept value is
 * still what the row holds is written as the app wrote it (absent stays absent); otherwise the
 * row's current value is converted back. Source fields no rule maps come back from the kept
 * `extra`, or from the mapping's `exportDefaults` for rows written through the store.
 */

/** Defines `key` on `target` as plain data (a key such as `__proto__` stays data). */
export function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The record key and the record of `row`. `keyOf(file, id)` gives a referenced row's record key. */
export function rowToRecord(plan: FilePlan, row: LegacyRow, keyOf: (file: string, id: string) => string): [string, Record<string, unknown>] {
  const r = row as unknown as Record<string, unknown>;
  const info = legacyInfoOf(r.metadata);
  const view: Record<string, unknown> = { ...r, metadata: withoutLegacyInfo(r.metadata as JsonObject) };
  const key = typeof info?.key === "string" ? info.key : row.id;
  const record: Record<string, unknown> = {};
  for (const { field, rule, conversion } of plan.rules) {
    const stored = rule.to === "id" ? row.id : view[rule.to];
    const kept = info?.kept && Object.prototype.hasOwnProperty.call(info.kept, field) ? info.kept[field] : undefined;
    if (kept && jsonEqual(kept.as, stored)) {
      if (!kept.absent) put(record, field, cloneJson(kept.value as Json));
      continue;
    }
    const value =
      rule.to === "id"
        ? key
        : rule.ref !== undefined
          ? stored === null
            ? null
            : keyOf(rule.ref, stored as string)
          : conversion
            ? conversion.toLegacy(stored, plan.ctx)
            : stored;
    put(record, field, value === undefined ? null : cloneJson(value as Json));
  }
  const extra = info ? info.extra : plan.mapping.exportDefaults;
  if (extra) for (const field of Object.keys(extra)) put(record, field, cloneJson(extra[field] as Json));
  plan.mapping.hooks?.toRecord?.(record, view, plan.ctx, info !== null);
  return [key, record];
}
