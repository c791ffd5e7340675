/**
 * The cutover stages (DESIGN.md): which side is primary (written first, the only side serving
 * reads), whether the secondary is written, and whether reads are shadowed on it. `from` is the
 * store being left (JSON files), `to` the destination (PostgreSQL). One table, read by the
 * dual-write backend, `createStoreFromEnv` and the CLI.
 */

/** A cutover stage, in the order an operator moves through them. */
export type Stage = "off" | "dual-write" | "shadow" | "live" | "rampdown" | "complete";

/** Which of the two stores a dual-write backend composes. */
export type Side = "from" | "to";

/** What a stage means for routing. */
export interface StageRouting {
  /** The side written first and read from. */
  primary: Side;
  /** Whether the other side receives the primary's rows. */
  secondaryWritten: boolean;
  /** Whether sampled reads also run on the secondary and are compared. */
  shadowReads: boolean;
}

/** The routing of every stage. */
export const STAGES: { readonly [S in Stage]: StageRouting } = {
  off: { primary: "from", secondaryWritten: false, shadowReads: false },
  "dual-write": { primary: "from", secondaryWritten: true, shadowReads: false },
  shadow: { primary: "from", secondaryWritten: true, shadowReads: true },
  live: { primary: "to", secondaryWritten: true, shadowReads: true },
  rampdown: { primary: "to", secondaryWritten: true, shadowReads: false },
  complete: { primary: "to", secondaryWritten: false, shadowReads: false },
};

/** Every stage name, in cutover order. */
export const STAGE_NAMES = Object.keys(STAGES) as Stage[];

/** True when `value` names a stage. */
export function isStage(value: unknown): value is Stage {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(STAGES, value);
}

/** The other side. */
export function otherSide(side: Side): Side {
  return side === "from" ? "to" : "from";
}
