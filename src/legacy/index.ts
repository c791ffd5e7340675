/** An app's own JSON layout in (`importLegacy`) and back out (`exportLegacy`), by mapping. */
export { importLegacy } from "./import.js";
export type { ImportLegacyOptions, LegacyUser } from "./import.js";
export { exportLegacy } from "./export.js";
export type { ExportLegacyOptions } from "./export.js";
export { DEFAULT_LEGACY_MAPPING, LEGACY_METADATA_KEY, MOOD_LABELS, LEGACY_INVALID } from "./mapping.js";
export type {
  LegacyCollection,
  LegacyContext,
  LegacyConversion,
  LegacyConversionName,
  LegacyFieldRule,
  LegacyFileMapping,
  LegacyHooks,
  LegacyMapping,
} from "./mapping.js";
export type { LegacyImportReport, LegacyFileReport, LegacySkippedRecord, LegacyDanglingReference, LegacyExportReport } from "./report.js";
