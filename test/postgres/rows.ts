import type { JournalEntryRow, UserRow } from "../../src/model/rows.js";
import { entryModel } from "../../src/model/entities/entries.js";
import { uuidv7 } from "../../src/model/ids.js";

/** Complete rows for direct backend tests (the facade normally builds these). */
const T0 = "2026-01-05T09:00:00.000Z";

export function userRow(over: Partial<UserRow> = {}): UserRow {
  return {
    id: uuidv7(),
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    deleted: false,
    email: "ada@example.com",
    emailKey: `ada-${Math.random().toString(36).slice(2)}@example.com`,
    displayName: "Ada",
    passwordHash: null,
    privacyLevel: "private",
    preferences: {},
    timezone: "UTC",
    active: true,
    lastLoginAt: null,
    ...over,
  };
}

export function entryRow(userId: string, over: Partial<JournalEntryRow> = {}): JournalEntryRow {
  const row: JournalEntryRow = {
    id: uuidv7(),
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    deleted: false,
    userId,
    title: "Monday",
    content: "a calm morning",
    searchText: "",
    mood: 5,
    energy: null,
    tags: [],
    entryDate: "2026-01-05",
    favorite: false,
    metadata: {},
    aiAnalysis: null,
    embedding: null,
    wordCount: 0,
  };
  return { ...entryModel.derive(row), ...over };
}

/** The row without its backend-local changeSeq. */
export function plain<R extends object>(row: R): Omit<R, "changeSeq"> {
  const { changeSeq: _seq, ...rest } = row as R & { changeSeq?: number };
  return rest;
}
