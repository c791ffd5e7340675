/**
 * The normalising row comparator shared by applyReplicated, shadow reads and compare: two rows
 * are equal when every field is equal, where JSON objects compare regardless of key order and
 * the backend-local `changeSeq` is ignored. Differences are reported as field paths
 * (`metadata.mood.0`), never as values, so they can be logged without leaking content.
 */

/** Fields that are local to one backend and never compared. */
const LOCAL_FIELDS = new Set(["changeSeq"]);

/** The field paths at which `a` and `b` differ (empty when equal). */
export function diffRows(a: object, b: object): string[] {
  // Nearly every comparison (a shadow read, a compare, a replicated row) finds equal rows: that
  // answer is found without sorting keys or building a path; only a difference pays for both.
  if (sameRow(a as Record<string, unknown>, b as Record<string, unknown>)) return [];
  const out: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of [...keys].sort()) {
    if (LOCAL_FIELDS.has(key)) continue;
    diffValues((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], key, out);
  }
  return out;
}

/** True when two rows hold the same content (see {@link diffRows}). */
export function rowsEqual(a: object, b: object): boolean {
  return diffRows(a, b).length === 0;
}

/**
 * {@link diffRows} finding no difference, without allocating paths. Fields are read as diffRows
 * reads them (a field missing on one side reads as `undefined`, or as what the object inherits);
 * inside JSON values, keys must match exactly.
 */
function sameRow(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  for (const key in a) {
    if (!Object.prototype.hasOwnProperty.call(a, key) || LOCAL_FIELDS.has(key)) continue;
    if (!sameValue(a[key], b[key])) return false;
  }
  for (const key in b) {
    if (!Object.prototype.hasOwnProperty.call(b, key) || LOCAL_FIELDS.has(key)) continue;
    if (!Object.prototype.hasOwnProperty.call(a, key) && !sameValue(a[key], b[key])) return false;
  }
  return true;
}

/** {@link diffValues} finding no difference. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b) || (a === 0 && b === 0)) return true;
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const key of Object.keys(ao)) {
    if (!Object.prototype.hasOwnProperty.call(bo, key) || !sameValue(ao[key], bo[key])) return false;
    count++;
  }
  return Object.keys(bo).length === count;
}

function diffValues(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Object.is(a, b) || (a === 0 && b === 0)) return;
  if (a === undefined || b === undefined || a === null || b === null) {
    out.push(path);
    return;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return void out.push(path);
    if (a.length !== b.length) return void out.push(path);
    for (let i = 0; i < a.length; i++) diffValues(a[i], b[i], `${path}.${i}`, out);
    return;
  }
  if (typeof a === "object" && typeof b === "object") {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const key of [...keys].sort()) {
      const inA = Object.prototype.hasOwnProperty.call(ao, key);
      const inB = Object.prototype.hasOwnProperty.call(bo, key);
      if (inA !== inB) out.push(`${path}.${key}`);
      else diffValues(ao[key], bo[key], `${path}.${key}`, out);
    }
    return;
  }
  out.push(path);
}
