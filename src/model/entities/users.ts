import { z } from "zod";
import type { EntityModel } from "../entity.js";
import { jsonObject, name, text, timestamp } from "../fields.js";
import type { UserRow } from "../rows.js";
import { emailKeyOf } from "../text.js";

const email = text(320).refine((v) => /^[^\s@]+@[^\s@]+$/u.test(v.trim()), "must be an email address");
const fields = {
  /** The email address; unique among live users, case-insensitively. */
  email,
  /** The name the app shows. */
  displayName: name,
  /** The password hash (never returned unless asked for), or null. */
  passwordHash: text().nullable(),
  /** Who may see the user's content: `private`, `friends` or `public`. */
  privacyLevel: z.enum(["private", "friends", "public"]),
  /** App settings (a JSON object). */
  preferences: jsonObject,
  /** An IANA time zone name, e.g. `Europe/Paris`. */
  timezone: text(64).refine((tz) => isTimeZone(tz), "must be an IANA time zone such as Europe/Paris"),
  /** False for a deactivated account. */
  active: z.boolean(),
  /** The last sign-in (an ISO instant or a Date), or null. */
  lastLoginAt: timestamp.nullable(),
};

const createSchema = z.strictObject({
  ...fields,
  /** The password hash (never returned unless asked for), or null. */
  passwordHash: fields.passwordHash.optional(),
  /** Who may see the user's content: `private`, `friends` or `public`. */
  privacyLevel: fields.privacyLevel.optional(),
  /** App settings (a JSON object). */
  preferences: fields.preferences.optional(),
  /** An IANA time zone name, e.g. `Europe/Paris`. */
  timezone: fields.timezone.optional(),
  /** False for a deactivated account. */
  active: fields.active.optional(),
  /** The last sign-in (an ISO instant or a Date), or null. */
  lastLoginAt: fields.lastLoginAt.optional(),
});
const patchSchema = z.strictObject(fields).partial();

/**
 * Input of `users.create`.
 *
 * @useDeclaredType
 */
export type CreateUserInput = z.input<typeof createSchema>;
/**
 * Input of `users.update`.
 *
 * @useDeclaredType
 */
export type UserPatch = z.input<typeof patchSchema>;

/** Users: email unique among live users, case-insensitively (through `emailKey`). */
export const userModel: EntityModel<"users", typeof createSchema, typeof patchSchema> = {
  collection: "users",
  createSchema,
  patchSchema,
  fromInput: (input) => ({
    email: input.email.trim(),
    emailKey: "",
    displayName: input.displayName,
    passwordHash: input.passwordHash ?? null,
    privacyLevel: input.privacyLevel ?? "private",
    preferences: input.preferences ?? {},
    timezone: input.timezone ?? "UTC",
    active: input.active ?? true,
    lastLoginAt: input.lastLoginAt ?? null,
  }),
  derive: (row: UserRow) => ({ ...row, email: row.email.trim(), emailKey: emailKeyOf(row.email) }),
};

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
