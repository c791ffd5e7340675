/**
 * The dual-write backend: stages, replication from the primary's change feed, shadow reads and
 * divergence events. Knows only the Backend contract, `diff.ts`, the model and the event types.
 */
export { DualWriteBackend, dualWriteBackend } from "./dual-write-backend.js";
export { DUAL_WRITE_DEFAULTS } from "./options.js";
export type { DualWriteOptions, SecondaryWrites, SecondaryFailure, ShadowCompare } from "./options.js";
export type { DualWriteStats, OperationStats, ShadowWindowStats } from "./stats.js";
export { GATED_STAGES } from "./cutover-gate.js";
export type { PassResult, RefusedRow } from "./feed.js";
