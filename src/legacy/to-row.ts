import { specOf } from "../model/collections.js";
import { entryModel, messageModel, sessionModel, topicModel } from "../model/entities/index.js";
import { type EntityModel, newRow } from "../model/entity.js";
import { isPlainObject, type Json, type JsonObject } from "../model/json.js";
import { LIMITS } from "../model/limits.js";
import { checkJson } from "../model/storable.js";
import type { ValidationIssue } from "../errors.js";
import { jsonEqual, type KeptValue, type LegacyInfo } from "./kept.js";
import {
  LEGACY_INVALID,
  LEGACY_METADATA_KEY,
  conversionOf,
  type LegacyCollection,
  type LegacyContext,
  type LegacyConversion,
  type LegacyFieldRule,
  type LegacyFileMapping,
  type LegacyRow,
} from "./mapping.js";
import { wallDate } from "./timestamps.js";

/**
 * One record of an app's file -> one row, losing nothing: every rule's value goes to its row
 * field when the model accepts it; what the row cannot give back exactly is kept beside it (see
 * kept.ts). A value the model refuses falls back to the model's default (kept, so not lost);
 * only a record whose kept values no backend can store (NUL, lone surrogates) or that names a
 * required owner that does not exist is refused, with a reason.
 */

const MODELS: { readonly [C in LegacyCollection]: EntityModel<C> } = {
  topics: topicModel as unknown as EntityModel<"topics">,
  journalEntries: entryModel as unknown as EntityModel<"journalEntries">,
  chatSessions: sessionModel as unknown as EntityModel<"chatSessions">,
  messages: messageModel as unknown as EntityModel<"messages">,
};

/** Values for required input fields whose source value the model refused (the original is kept). */
const REQUIRED_FALLBACKS: { readonly [C in LegacyCollection]: Readonly<Record<string, unknown>> } = {
  topics: { name: "" },
  journalEntries: { content: "" },
  chatSessions: {},
  messages: { content: "", role: "user" },
};

/** Row fields set by the importer rather than the create input. */
const BASE_FIELDS = new Set(["id", "createdAt", "updatedAt"]);
const EPOCH = "1970-01-01T00:00:00.000Z";
const ABSENT: unique symbol = Symbol("absent");

/** A file's rules, resolved once. */
export interface FilePlan {
  mapping: LegacyFileMapping;
  model: EntityModel<LegacyCollection>;
  ctx: LegacyContext;
  rules: { field: string; rule: LegacyFieldRule; conversion: LegacyConversion | undefined }[];
  mapped: ReadonlySet<string>;
  /** Row fields the create input takes; other mapped row fields are set on the row when their value fits. */
  inputFields: ReadonlySet<string>;
}

/** Resolves the rules of one file for a zone. */
export function planFile(mapping: LegacyFileMapping, ctx: LegacyContext): FilePlan {
  const rules = Object.keys(mapping.fields).map((field) => {
    const rule = mapping.fields[field]!;
    return { field, rule, conversion: conversionOf(rule) };
  });
  const model = MODELS[mapping.collection];
  const inputFields = new Set(Object.keys((model.createSchema as unknown as { shape: object }).shape));
  return { mapping, model, ctx, rules, mapped: new Set(Object.keys(mapping.fields)), inputFields };
}

/**
 * True when `value` fits a row field the create input does not take (a session's last message
 * time): the field's kind, null only when nullable. Derived fields never fit (the store computes them).
 */
function fitsField(spec: { kind: string; nullable?: boolean } | undefined, value: unknown): boolean {
  if (!spec) return false;
  if (value === null) return spec.nullable === true;
  switch (spec.kind) {
    case "timestamp":
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value);
    case "integer":
      return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 2_147_483_647;
    default:
      return false;
  }
}

/** What a reference resolves to: a row id, null (no reference), or nothing (dangling). */
export type ResolvedRef = { id: string | null } | { dangling: true };

/** A record turned into its row, before the kept values are attached. */
export interface ConvertedRecord {
  key: string;
  row: LegacyRow;
  record: Record<string, unknown>;
  /** Per rule of the plan (same order): the record's source value, or ABSENT. */
  origin: unknown[];
}

/** Things a record's conversion reports. */
export interface ConvertNotes {
  dangling(field: string, value: string): void;
}

/**
 * Converts one record. `resolve(file, value)` maps a reference; `owner` is the row's user id.
 * Returns the converted record, or the reason it cannot be imported.
 */
export function recordToRow(
  plan: FilePlan,
  key: string,
  id: string,
  raw: unknown,
  userId: string,
  resolve: (file: string, value: unknown) => ResolvedRef,
  notes: ConvertNotes,
): ConvertedRecord | string {
  if (!isPlainObject(raw)) return "is not a JSON object";
  const record = raw;
  const collection = plan.mapping.collection;
  const fields = specOf(collection).fields as Record<string, { nullable?: boolean }>;
  const input: Record<string, unknown> = collection === "messages" ? {} : { userId };
  const rowOnly: Record<string, unknown> = {};
  const base: { createdAt?: string; updatedAt?: string } = {};
  const origin: unknown[] = [];
  for (const { field, rule, conversion } of plan.rules) {
    if (!Object.prototype.hasOwnProperty.call(record, field)) {
      origin.push(ABSENT);
      continue;
    }
    const value = record[field];
    origin.push(value);
    if (rule.to === "id") continue;
    let stored: unknown = value;
    if (rule.ref !== undefined) {
      const ref = resolve(rule.ref, value);
      if ("dangling" in ref) {
        if (!fields[rule.to]?.nullable) return `${field} names no record of ${rule.ref}`;
        notes.dangling(field, String(value));
        stored = null;
      } else stored = ref.id;
    } else if (conversion) {
      stored = conversion.toStore(value, plan.ctx);
      if (stored === LEGACY_INVALID) continue;
    }
    if (BASE_FIELDS.has(rule.to)) {
      if (typeof stored === "string") base[rule.to as "createdAt" | "updatedAt"] = stored;
    } else if (plan.inputFields.has(rule.to)) input[rule.to] = stored;
    else if (fitsField(specOf(collection).fields[rule.to as never], stored)) rowOnly[rule.to] = stored;
  }
  const createdAt = base.createdAt ?? base.updatedAt ?? EPOCH;
  const updatedAt = base.updatedAt ?? createdAt;
  if (collection === "journalEntries" && input.entryDate === undefined) input.entryDate = wallDate(Date.parse(createdAt), plan.ctx.zone);
  plan.mapping.hooks?.toInput?.(input, record, plan.ctx);
  const parsed = validateWithFallbacks(plan, input);
  if (typeof parsed === "string") return parsed;
  const overrides: Record<string, unknown> = { ...rowOnly, updatedAt };
  if (collection === "messages") overrides.userId = userId;
  const row = newRow(plan.model, parsed as never, id, createdAt, overrides as never) as LegacyRow;
  return { key, row, record, origin };
}

/** Validates the create input; a refused field falls back to the model default (or a required fallback). */
function validateWithFallbacks(plan: FilePlan, input: Record<string, unknown>): unknown {
  const collection = plan.mapping.collection;
  for (let attempt = 0; attempt < 4; attempt++) {
    const result = plan.model.createSchema.safeParse(input);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? "");
      if (field === "userId" || field === "sessionId" || field === "") return `${field || "record"}: ${issue.message}`;
      if (attempt === 3) return `${field}: ${issue.message}`;
      const fallback = REQUIRED_FALLBACKS[collection][field];
      if (fallback !== undefined && input[field] !== fallback) input[field] = fallback;
      else if (fallback === undefined) delete input[field];
      else if (issue.code === "unrecognized_keys") return `${issue.message}`;
      else return `${field}: ${issue.message}`;
    }
  }
  return "record: refused by the model";
}

/**
 * Attaches what the row does not give back exactly (under the reserved metadata key) and
 * returns the finished row, or the reason it cannot be stored. `keyOf(file, id)` is the record
 * key of a row id (for references); `kept(field)` counts a kept original in the report.
 */
export function finishRow(
  plan: FilePlan,
  converted: ConvertedRecord,
  keyOf: (file: string, id: string) => string | undefined,
  count: (field: string) => void,
): LegacyRow | string {
  const { row, record, origin, key } = converted;
  const r = row as unknown as Record<string, unknown>;
  const kept: Record<string, KeptValue> = {};
  for (let i = 0; i < plan.rules.length; i++) {
    const { field, rule, conversion } = plan.rules[i]!;
    const stored = (rule.to === "id" ? row.id : r[rule.to]) as Json;
    const value = origin[i];
    if (value === ABSENT) {
      kept[field] = { absent: true, as: stored };
      count(field);
      continue;
    }
    const same =
      rule.to === "id"
        ? value === key
        : rule.ref !== undefined
          ? stored === null
            ? value === null
            : value === keyOf(rule.ref, stored as string)
          : conversion?.same
            ? conversion.same(value, stored, plan.ctx)
            : jsonEqual(conversion ? conversion.toLegacy(stored, plan.ctx) : stored, value);
    if (!same) {
      kept[field] = { value: value as Json, as: stored };
      count(field);
    }
  }
  const info: LegacyInfo = {};
  if (key !== row.id) info.key = key;
  if (Object.keys(kept).length > 0) info.kept = kept;
  let extra: JsonObject | undefined;
  for (const field of Object.keys(record)) {
    if (plan.mapped.has(field)) continue;
    extra ??= {};
    Object.defineProperty(extra, field, { value: record[field], enumerable: true, writable: true, configurable: true });
  }
  if (extra) info.extra = extra;
  if (Object.keys(info).length === 0) return row;
  // Source values reach the row unchecked by the model: they must be storable everywhere. (`as`
  // values are row values the model already accepted.)
  const issues: ValidationIssue[] = [];
  for (const field of Object.keys(kept)) if (!kept[field]!.absent) checkJson(kept[field]!.value, field, issues);
  if (extra) for (const field of Object.keys(extra)) checkJson(extra[field], field, issues);
  if (issues.length > 0) return `${issues[0]!.path.split(".")[0]} ${issues[0]!.message}: no backend can store it`;
  // The row's metadata is the model's own copy and `info` is built from fresh values: a shallow
  // copy (spread defines keys as data, `__proto__` included) is enough.
  const metadata: JsonObject = { ...(row as { metadata: JsonObject }).metadata };
  Object.defineProperty(metadata, LEGACY_METADATA_KEY, { value: info as Json, enumerable: true, writable: true, configurable: true });
  const text = JSON.stringify(metadata);
  const bytes = text.length * 3 <= LIMITS.jsonBytes ? text.length : Buffer.byteLength(text, "utf8");
  if (bytes > LIMITS.jsonBytes) return `metadata with the kept source values is ${bytes} bytes, over the ${LIMITS.jsonBytes}-byte limit`;
  // The row is this import's own (built by newRow for this record): set, not copied.
  (row as { metadata: JsonObject }).metadata = metadata;
  return row;
}
