/**
 * An app's own timestamps: naive ISO-like strings (no offset) read in an IANA time zone, and
 * instants written back the way Python's `datetime.isoformat()` writes them. Zone offsets come
 * from `Intl.DateTimeFormat`, cached per UTC day (a day whose offset does not change is looked up
 * twice; a day with a transition is searched to the minute once), so reading 100k timestamps
 * costs a few thousand Intl calls.
 *
 * The clock-change rule (the same as Temporal's `disambiguation: "compatible"`):
 * - a wall time that occurs twice (the hour repeated when clocks go back) is the **earlier**
 *   instant, the one still on the offset before the change;
 * - a wall time that never occurs (the hour skipped when clocks go forward) is read with the
 *   offset before the change, which lands as far past the gap as it was into it (02:30 in a
 *   02:00 -> 03:00 gap is 03:30).
 * Both are counted in the import report; the original string is kept, so nothing is lost.
 */

/** A naive wall time or an absolute time, parsed. */
export interface ParsedTime {
  /** The instant, as milliseconds since the epoch (sub-millisecond digits dropped). */
  ms: number;
  /** True when the string is exactly what {@link formatWallTime} writes for this instant in the zone. */
  canonical: boolean;
  /** How the zone's clock changes affected the reading. */
  clock: "ok" | "ambiguous" | "skipped";
}

const NAIVE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const DAY = 86_400_000;
const MINUTE = 60_000;

/** Offsets (ms east of UTC) of one zone, cached per UTC day. */
class ZoneOffsets {
  private readonly format: Intl.DateTimeFormat | null;
  private readonly days = new Map<number, { start: number; end: number; change: number }>();

  constructor(readonly zone: string) {
    this.format =
      zone === "UTC"
        ? null
        : new Intl.DateTimeFormat("en-US", {
            timeZone: zone,
            hourCycle: "h23",
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
          });
  }

  /** The zone's offset at instant `ms`. */
  at(ms: number): number {
    if (!this.format) return 0;
    const day = Math.floor(ms / DAY);
    let entry = this.days.get(day);
    if (!entry) {
      const start = this.exact(day * DAY);
      const end = this.exact((day + 1) * DAY - MINUTE);
      let change = Number.POSITIVE_INFINITY;
      if (start !== end) {
        // Binary search for the first minute on the new offset.
        let lo = day * DAY;
        let hi = (day + 1) * DAY - MINUTE;
        while (hi - lo > MINUTE) {
          const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
          if (this.exact(mid) === start) lo = mid;
          else hi = mid;
        }
        change = hi;
      }
      this.days.set(day, (entry = { start, end, change }));
    }
    return ms < entry.change ? entry.start : entry.end;
  }

  private exact(ms: number): number {
    const parts = this.format!.formatToParts(new Date(ms));
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
    return wall - Math.floor(ms / 1000) * 1000;
  }
}

const zones = new Map<string, ZoneOffsets>();

function offsetsOf(zone: string): ZoneOffsets {
  let z = zones.get(zone);
  if (!z) zones.set(zone, (z = new ZoneOffsets(zone)));
  return z;
}

/** True when `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== "string" || zone.length === 0) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant a wall time (`wall`: the wall clock's fields read as if UTC) denotes in `zone`,
 * by the clock-change rule above.
 */
export function instantOfWallTime(wall: number, zone: string): { ms: number; clock: ParsedTime["clock"] } {
  const z = offsetsOf(zone);
  const before = z.at(wall - DAY);
  const after = z.at(wall + DAY);
  const fits = (offset: number) => z.at(wall - offset) === offset;
  const a = fits(before);
  const b = before !== after && fits(after);
  if (a && b) return { ms: wall - Math.max(before, after), clock: "ambiguous" };
  if (a) return { ms: wall - before, clock: "ok" };
  if (b) return { ms: wall - after, clock: "ok" };
  return { ms: wall - before, clock: "skipped" };
}

/**
 * Reads an app timestamp: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` (a space instead of
 * `T` too), naive wall time in `zone`, or with `Z`/`±HH:MM` as an absolute time. Null when the
 * value is not such a string or names no real date.
 */
export function parseAppTime(value: unknown, zone: string): ParsedTime | null {
  if (typeof value !== "string") return null;
  const key = `${zone}\u0000${value}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const parsed = parse(value, zone);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(key, parsed);
  return parsed;
}

/** Recent readings: an import reads each string at least twice (to store it, then to compare). */
const memo = new Map<string, ParsedTime | null>();
const MEMO_SIZE = 4096;
/** Exactly what {@link formatWallTime} writes: seconds, and microseconds only when the milliseconds are not zero. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(?!000)\d{3}000)?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function parse(value: string, zone: string): ParsedTime | null {
  const m = NAIVE.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!) || h > 23 || mi > 59 || s > 59) return null;
  const fraction = m[7] ?? "";
  const ms = Number(fraction.slice(0, 3).padEnd(3, "0"));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (!Number.isFinite(wall)) return null;
  const offset = m[8];
  if (offset) {
    const sign = offset[0] === "-" ? -1 : 1;
    const digits = offset === "Z" ? "0000" : offset.slice(1).replace(":", "").padEnd(4, "0");
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    return { ms: wall - (offset === "Z" ? 0 : sign * minutes * MINUTE), canonical: false, clock: "ok" };
  }
  const { ms: at, clock } = instantOfWallTime(wall, zone);
  return { ms: at, canonical: clock !== "skipped" && CANONICAL.test(value), clock };
}

/**
 * An instant as the app writes it: the wall time in `zone` the way Python's naive
 * `datetime.isoformat()` does (`2026-03-29T09:15:00`, or `.123000` microseconds when the
 * milliseconds are not zero).
 */
export function formatWallTime(ms: number, zone: string): string {
  return formatWall(ms + offsetsOf(zone).at(ms));
}

function formatWall(wall: number): string {
  const iso = new Date(wall).toISOString();
  const fraction = iso.slice(20, 23);
  return fraction === "000" ? iso.slice(0, 19) : `${iso.slice(0, 19)}.${fraction}000`;
}

/** The calendar date (`YYYY-MM-DD`) of instant `ms` in `zone`. */
export function wallDate(ms: number, zone: string): string {
  return new Date(ms + offsetsOf(zone).at(ms)).toISOString().slice(0, 10);
}
