import type { Backend } from "../backend.js";
import { ValidationError } from "../errors.js";
import type { Store } from "../store/create-store.js";
import { checkFileName } from "./files.js";
import { CONVERSIONS, type LegacyFieldRule, type LegacyMapping } from "./mapping.js";
import { isTimeZone } from "./timestamps.js";

// Checks of importLegacy / exportLegacy options, shared by both.

const COLLECTIONS = new Set(["topics", "journalEntries", "chatSessions", "messages"]);

/** The backend of a store, or the backend itself: the legacy layer knows only the contract. */
export function backendOf(target: Store | Backend, path: string): Backend {
  if (typeof target !== "object" || target === null) throw new ValidationError("legacy", [{ path, message: "must be a store or a backend" }]);
  const backend = "backend" in target && typeof target.backend === "object" ? target.backend : (target as Backend);
  if (typeof backend.applyReplicated !== "function" || typeof backend.scan !== "function") {
    throw new ValidationError("legacy", [{ path, message: "must be a store or a backend" }]);
  }
  return backend;
}

/** The zone naive local timestamps are read in: `timezone`, default UTC. */
export function zoneOf(timezone: unknown): string {
  if (timezone === undefined) return "UTC";
  if (!isTimeZone(timezone)) throw new ValidationError("legacy", [{ path: "timezone", message: "must be an IANA time zone such as Europe/Paris" }]);
  return timezone;
}

/** Checks a mapping's shape: plain file names, known collections each once, rules naming files of the mapping. */
export function checkMapping(mapping: LegacyMapping): void {
  if (typeof mapping !== "object" || mapping === null || !Array.isArray(mapping.files)) {
    throw new ValidationError("legacy", [{ path: "mapping.files", message: "must be an array of file mappings" }]);
  }
  const files = new Set<string>();
  const collections = new Set<string>();
  mapping.files.forEach((f, i) => {
    checkFileName(f.file, `mapping.files.${i}.file`);
    if (files.has(f.file)) throw new ValidationError("legacy", [{ path: `mapping.files.${i}.file`, message: "appears twice" }]);
    files.add(f.file);
    if (!COLLECTIONS.has(f.collection) || collections.has(f.collection)) {
      throw new ValidationError("legacy", [{ path: `mapping.files.${i}.collection`, message: "must be one of topics, journalEntries, chatSessions, messages, each once" }]);
    }
    collections.add(f.collection);
    for (const [field, rule] of Object.entries<LegacyFieldRule>(f.fields ?? {})) {
      const path = `mapping.files.${i}.fields.${field}`;
      if (typeof rule?.to !== "string") throw new ValidationError("legacy", [{ path, message: "needs a row field `to`" }]);
      if (typeof rule.as === "string" && !Object.prototype.hasOwnProperty.call(CONVERSIONS, rule.as)) {
        throw new ValidationError("legacy", [{ path: `${path}.as`, message: `must be one of ${Object.keys(CONVERSIONS).join(", ")} or a conversion` }]);
      }
      if (rule.ref !== undefined && !mapping.files.slice(0, i).some((g) => g.file === rule.ref)) {
        throw new ValidationError("legacy", [{ path: `${path}.ref`, message: "must name a file listed before this one (owners first)" }]);
      }
    }
  });
}
