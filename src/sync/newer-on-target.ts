import type { RowSource, Stored } from "../backend.js";
import { ValidationError } from "../errors.js";
import type { CollectionName } from "../model/rows.js";
import { SYNC_DEFAULTS } from "./options.js";
import type { RowDivergence } from "./report.js";

/**
 * Divergences a source read at one moment cannot judge. The CLI reads a running app's JSON
 * directory as it was when opened, while dual write keeps adding to the target: a row the app
 * created since is only on the target (`extra`), one it changed since is newer there
 * (`different`, at a higher version). Reported, repair would remove or fight rows the app just
 * wrote. Such a divergence (only on the target, or newer there) whose target row changed at or
 * after the cutoff (`sourceReadAt` less the clock margin) is set apart here. The rest are real:
 * a row missing on the target, older there, or unequal at the same version is never a write the
 * app made after the source was read.
 */

/** The instant (ms) from which a target row counts as written after the source was read, or null without a `sourceReadAt`. */
export function cutoffOf(sourceReadAt: string | undefined, operation: string): number | null {
  if (sourceReadAt === undefined) return null;
  const at = Date.parse(sourceReadAt);
  if (Number.isNaN(at)) throw new ValidationError(operation, [{ path: "sourceReadAt", message: "must be an ISO timestamp" }]);
  return at - SYNC_DEFAULTS.sourceClockMarginMs;
}

/** True when the target's row is only there or newer there, and changed at or after `cutoff`. */
export function newerOnTarget(onTarget: Stored | null, sourceVersion: number | null, cutoff: number | null): boolean {
  if (cutoff === null || onTarget === null) return false;
  if (sourceVersion !== null && onTarget.version <= sourceVersion) return false;
  return Date.parse(onTarget.updatedAt) >= cutoff;
}

/** `divergences` split into those to report and, per collection, how many the target changed after the cutoff. */
export async function setApartNewerOnTarget(
  target: RowSource,
  divergences: readonly RowDivergence[],
  cutoff: number | null,
): Promise<{ kept: RowDivergence[]; newer: Partial<Record<CollectionName, number>> }> {
  const newer: Partial<Record<CollectionName, number>> = {};
  if (cutoff === null || divergences.length === 0) return { kept: [...divergences], newer };
  const apart = new Set<RowDivergence>();
  const byCollection = new Map<CollectionName, RowDivergence[]>();
  for (const d of divergences) {
    const candidate = d.kind === "extra" || (d.kind === "different" && d.sourceVersion !== null && d.targetVersion !== null && d.targetVersion > d.sourceVersion);
    if (candidate) byCollection.set(d.collection, [...(byCollection.get(d.collection) ?? []), d]);
  }
  for (const [collection, list] of byCollection) {
    for (let i = 0; i < list.length; i += 1000) {
      const chunk = list.slice(i, i + 1000);
      const rows = await target.getMany(collection, chunk.map((d) => d.id));
      chunk.forEach((d, j) => {
        if (!newerOnTarget((rows[j] ?? null) as Stored | null, d.sourceVersion, cutoff)) return;
        apart.add(d);
        newer[collection] = (newer[collection] ?? 0) + 1;
      });
    }
  }
  return { kept: divergences.filter((d) => !apart.has(d)), newer };
}
