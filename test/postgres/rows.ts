import type { JournalEntryRow, UserRow } from "../../src/model/rows.js";
import { newRow } from "../../src/model/entity.js";
import { entryModel } from "../../src/model/entities/entries.js";
import { userModel } from "../../src/model/entities/users.js";
import { uuidv7 } from "../../src/model/ids.js";

/** Complete rows for direct backend tests (the facade normally builds these). */
/** The fixed instant test rows are stamped with. */
export const T0 = "2026-01-05T09:00:00.000Z";

/** A user with a fresh id and a unique email. */
export function userRow(over: Partial<UserRow> = {}): UserRow {
  const email = `ada-${Math.random().toString(36).slice(2)}@example.com`;
  return { ...newRow(userModel, { email, displayName: "Ada" }, uuidv7(), T0), ...over };
}

/** An entry of `userId` with a fresh id. */
export function entryRow(userId: string, over: Partial<JournalEntryRow> = {}): JournalEntryRow {
  const input = { userId, title: "Monday", content: "a calm morning", mood: 5, entryDate: "2026-01-05" };
  return { ...newRow(entryModel, input, uuidv7(), T0), ...over };
}

/** The row without its backend-local changeSeq. */
export function plain<R extends object>(row: R): Omit<R, "changeSeq"> {
  const { changeSeq: _seq, ...rest } = row as R & { changeSeq?: number };
  return rest;
}
