import { uuidv5 } from "./ids.js";
import type { AnalyticsPeriod, JournalEntryRow, UserAnalyticsRow } from "./rows.js";
import { addDays, monthStart, weekStart, type CalendarDate } from "./time.js";

/** How many tags `topTags` keeps. */
export const TOP_TAGS = 5;

/** The figures of one analytics row, without the row's base fields. */
export type AnalyticsFigures = Pick<
  UserAnalyticsRow,
  "userId" | "period" | "periodStart" | "entryCount" | "averageMood" | "wordCount" | "topTags" | "streak"
>;

/** The deterministic id of a user's analytics row for one period: the same on every backend. */
export function analyticsId(userId: string, period: AnalyticsPeriod, periodStart: CalendarDate): string {
  return uuidv5(`userAnalytics/${userId}/${period}/${periodStart}`);
}

const PERIOD_START: Record<AnalyticsPeriod, (date: CalendarDate) => CalendarDate> = {
  day: (d) => d,
  week: weekStart,
  month: monthStart,
};

/**
 * Computes day, week and month figures from a user's live entries: entry count, average mood
 * (two decimals, null without moods), words, the five most used tags (ties by name) and the
 * streak: consecutive days with entries ending at the period's last entry day.
 */
export function computeAnalytics(userId: string, entries: readonly JournalEntryRow[]): AnalyticsFigures[] {
  const days = new Set(entries.map((e) => e.entryDate));
  const streakAt = new Map<CalendarDate, number>();
  for (const day of [...days].sort()) streakAt.set(day, (streakAt.get(addDays(day, -1)) ?? 0) + 1);

  const groups = new Map<string, { period: AnalyticsPeriod; start: CalendarDate; entries: JournalEntryRow[] }>();
  for (const entry of entries) {
    for (const period of ["day", "week", "month"] as const) {
      const start = PERIOD_START[period](entry.entryDate);
      const key = `${period}/${start}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { period, start, entries: [] }));
      group.entries.push(entry);
    }
  }
  return [...groups.values()].map(({ period, start, entries: list }) => {
    const moods = list.map((e) => e.mood).filter((m): m is number => m !== null);
    const tagCounts = new Map<string, number>();
    for (const e of list) for (const t of e.tags) tagCounts.set(t, (tagCounts.get(t) ?? 0) + 1);
    const lastDay = list.reduce((max, e) => (e.entryDate > max ? e.entryDate : max), list[0]!.entryDate);
    return {
      userId,
      period,
      periodStart: start,
      entryCount: list.length,
      averageMood: moods.length ? Math.round((moods.reduce((a, b) => a + b, 0) / moods.length) * 100) / 100 : null,
      wordCount: list.reduce((sum, e) => sum + e.wordCount, 0),
      topTags: [...tagCounts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, TOP_TAGS)
        .map(([t]) => t),
      streak: streakAt.get(lastDay) ?? 0,
    };
  });
}
