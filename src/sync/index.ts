/**
 * Backfill, compare and repair: functions over two backends (the contract only) that return
 * reports. No console, no process, no environment in here; the CLI is a thin shell over them.
 */
export { backfill } from "./backfill.js";
export type { BackfillOptions, BackfillReport, BackfillCounts, BackfillCheckpoint } from "./backfill.js";
export { compare } from "./compare.js";
export type { CompareOptions, CompareReport, CompareCounts, CompareStrategy, Settles } from "./compare.js";
export { repair } from "./repair.js";
export type { RepairOptions, RepairReport, Unresolved } from "./repair.js";
export { SYNC_DEFAULTS } from "./options.js";
export type { SyncOptions, SyncProgress } from "./options.js";
export type { RowDivergence, RunReport, RunStatus } from "./report.js";
