/**
 * Time as the store keeps it: instants are ISO 8601 strings in UTC with exactly millisecond
 * precision (`2026-11-24T03:18:57.123Z`), which order correctly as strings and survive JSON and
 * PostgreSQL's timestamptz(3) unchanged; calendar dates are `YYYY-MM-DD` strings.
 */

/** An instant: `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export type Timestamp = string;
/** A calendar date: `YYYY-MM-DD`. */
export type CalendarDate = string;

/** Supplies the current time. Injected through `createStore({ clock })` for deterministic tests. */
export type Clock = () => Date;

/** The default clock: the system time. */
export const systemClock: Clock = () => new Date();

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Formats a Date as a {@link Timestamp}; throws on an invalid date. */
export function toTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("invalid date");
  return new Date(ms).toISOString();
}

/** Normalises a Date or a parseable date string to a {@link Timestamp}, or null when invalid. */
export function parseTimestamp(value: Date | string): Timestamp | null {
  const date = value instanceof Date ? value : new Date(value);
  const ms = date.getTime();
  if (!Number.isFinite(ms)) return null;
  const iso = date.toISOString();
  return TIMESTAMP.test(iso) ? iso : null;
}

/** True when `value` is a {@link Timestamp}: a real instant written exactly `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export function isTimestamp(value: string): boolean {
  return TIMESTAMP.test(value) && parseTimestamp(value) === value;
}

/** True when `value` is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The UTC calendar date of an instant. */
export function dateOf(date: Date): CalendarDate {
  return date.toISOString().slice(0, 10);
}

/** Adds whole days to a calendar date. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return dateOf(d);
}

/** The Monday starting the ISO week that contains `date`. */
export function weekStart(date: CalendarDate): CalendarDate {
  const day = new Date(`${date}T00:00:00.000Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((day + 6) % 7));
}

/** The first day of the month that contains `date`. */
export function monthStart(date: CalendarDate): CalendarDate {
  return `${date.slice(0, 7)}-01`;
}
