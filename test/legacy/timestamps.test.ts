import { describe, expect, it } from "vitest";
import { formatWallTime, parseAppTime, wallDate } from "../../src/legacy/timestamps.js";

const iso = (v: string, zone: string) => {
  const p = parseAppTime(v, zone);
  return p && { at: new Date(p.ms).toISOString(), canonical: p.canonical, clock: p.clock };
};

describe("app timestamps", () => {
  it("reads naive wall times in the zone, and writes them back as Python's isoformat does", () => {
    expect(iso("2026-01-15T09:30:00", "Europe/Paris")).toEqual({ at: "2026-01-15T08:30:00.000Z", canonical: true, clock: "ok" });
    expect(iso("2026-07-15T09:30:00.250000", "Europe/Paris")).toEqual({ at: "2026-07-15T07:30:00.250Z", canonical: true, clock: "ok" });
    expect(formatWallTime(Date.parse("2026-07-15T07:30:00.250Z"), "Europe/Paris")).toBe("2026-07-15T09:30:00.250000");
    expect(formatWallTime(Date.parse("2026-07-15T07:30:00.000Z"), "UTC")).toBe("2026-07-15T07:30:00");
    expect(wallDate(Date.parse("2026-07-15T23:30:00.000Z"), "Europe/Paris")).toBe("2026-07-16");
  });

  it("keeps other forms readable but not canonical (their original string must be kept)", () => {
    expect(iso("2026-01-15T09:30:00.123456", "UTC")).toEqual({ at: "2026-01-15T09:30:00.123Z", canonical: false, clock: "ok" });
    expect(iso("2026-01-15 09:30", "UTC")).toEqual({ at: "2026-01-15T09:30:00.000Z", canonical: false, clock: "ok" });
    expect(iso("2026-01-15T09:30:00.000000", "UTC")?.canonical).toBe(false);
    expect(iso("2026-01-15", "Europe/Paris")?.at).toBe("2026-01-14T23:00:00.000Z");
    expect(iso("2026-01-15T09:30:00+05:30", "Europe/Paris")?.at).toBe("2026-01-15T04:00:00.000Z");
    expect(iso("2026-01-15T09:30:00Z", "Europe/Paris")).toEqual({ at: "2026-01-15T09:30:00.000Z", canonical: false, clock: "ok" });
  });

  it("refuses what names no real time", () => {
    for (const v of ["2026-02-29T10:00:00", "2026-13-01T00:00:00", "2026-01-01T24:00:00", "yesterday", "", "2026-1-1", 1767225600]) {
      expect(parseAppTime(v, "UTC"), String(v)).toBeNull();
    }
    expect(parseAppTime("2024-02-29T10:00:00", "UTC")).not.toBeNull();
  });

  it("resolves clock changes by one rule: a repeated time is the earlier instant, a skipped one lands past the gap", () => {
    // New York: 2026-03-08 02:00 -> 03:00 (skipped), 2026-11-01 02:00 -> 01:00 (01:xx repeated).
    expect(iso("2026-03-08T02:30:00", "America/New_York")).toEqual({ at: "2026-03-08T07:30:00.000Z", canonical: false, clock: "skipped" });
    expect(formatWallTime(Date.parse("2026-03-08T07:30:00.000Z"), "America/New_York")).toBe("2026-03-08T03:30:00");
    expect(iso("2026-11-01T01:30:00", "America/New_York")).toEqual({ at: "2026-11-01T05:30:00.000Z", canonical: true, clock: "ambiguous" });
    expect(iso("2026-11-01T00:59:59", "America/New_York")?.clock).toBe("ok");
    expect(iso("2026-11-01T02:00:00", "America/New_York")).toEqual({ at: "2026-11-01T07:00:00.000Z", canonical: true, clock: "ok" });
    // Lord Howe Island moves its clocks by 30 minutes: 2026-04-05 02:00 -> 01:30 (01:30-02:00 repeated).
    expect(iso("2026-04-05T01:45:00", "Australia/Lord_Howe")).toEqual({ at: "2026-04-04T14:45:00.000Z", canonical: true, clock: "ambiguous" });
    expect(iso("2026-04-05T02:15:00", "Australia/Lord_Howe")?.clock).toBe("ok");
  });
});
