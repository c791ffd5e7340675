import type { Stored } from "../../backend.js";
import { ValidationError } from "../../errors.js";
import { userModel, type CreateUserInput, type UserPatch } from "../../model/entities/users.js";
import type { UserRow } from "../../model/rows.js";
import { copyWithout } from "../../model/json.js";
import { emailKeyOf } from "../../model/text.js";
import type { StoreContext } from "../context.js";
import {
  createRow,
  deleteRow,
  getLive,
  listRows,
  patchRow,
  toEntity,
  type DeleteOptions,
  type Entity,
  type ListResult,
  type PageOptions,
  type UpdateOptions,
} from "../crud.js";

/** A user as returned by default: everything but the password hash. */
export type User = Omit<Entity<UserRow>, "passwordHash">;
/** A user with the password hash, returned only when asked for with `{ withPasswordHash: true }`. */
export type UserWithPasswordHash = Entity<UserRow>;

/** Options of user reads. */
export interface UserReadOptions {
  /** Include `passwordHash` (for login checks). Off by default. */
  withPasswordHash?: boolean;
}

/** Options of `users.list`. */
export interface ListUsersOptions extends PageOptions {
  /** Only active (true) or inactive (false) users. */
  active?: boolean;
  /** Newest first (`desc`, default) or oldest first. */
  order?: "asc" | "desc";
}

/** The users repository: unique case-insensitive email, password hash hidden by default. */
export interface UsersRepository {
  /**
   * Validates the input and stores a new user; a live user with the same email (case-insensitively) is a conflict.
   *
   * ```ts
   * const ada = await store.users.create({ email: "ada@example.com", displayName: "Ada" });
   * ```
   */
  create(input: CreateUserInput): Promise<User>;
  /**
   * The live user with `id` without the password hash, or null when absent or deleted.
   *
   * ```ts
   * const user = await store.users.get(ada.id);
   * ```
   */
  get(id: string, options?: { withPasswordHash?: false }): Promise<User | null>;
  /**
   * The live user with `id`, including the password hash (for login checks), or null.
   *
   * ```ts
   * const withHash = await store.users.get(ada.id, { withPasswordHash: true });
   * withHash?.passwordHash;
   * ```
   */
  get(id: string, options: { withPasswordHash: true }): Promise<UserWithPasswordHash | null>;
  /**
   * Finds a live user by email, case-insensitively (NFC, JavaScript lower-casing).
   *
   * ```ts
   * const user = await store.users.getByEmail("Ada@Example.com");
   * ```
   */
  getByEmail(email: string, options?: { withPasswordHash?: false }): Promise<User | null>;
  /**
   * Finds a live user by email, case-insensitively, including the password hash (for login checks).
   *
   * ```ts
   * const user = await store.users.getByEmail("ada@example.com", { withPasswordHash: true });
   * ```
   */
  getByEmail(email: string, options: { withPasswordHash: true }): Promise<UserWithPasswordHash | null>;
  /**
   * Applies a validated patch as a compare-and-swap (see `UpdateOptions.expectedVersion`).
   *
   * ```ts
   * const renamed = await store.users.update(ada.id, { displayName: "Ada L." }, { expectedVersion: ada.version });
   * ```
   */
  update(id: string, patch: UserPatch, options?: UpdateOptions): Promise<User>;
  /**
   * Deletes the user and, in the same transaction, everything the user owns.
   *
   * ```ts
   * await store.users.delete(ada.id); // entries, topics, sessions, messages and analytics go too
   * ```
   */
  delete(id: string, options?: DeleteOptions): Promise<void>;
  /**
   * A page of live users, newest first by default; pass `nextCursor` back as `cursor` for the next.
   *
   * ```ts
   * const { items, nextCursor } = await store.users.list({ active: true, limit: 20 });
   * ```
   */
  list(options?: ListUsersOptions): Promise<ListResult<User>>;
}

function project(row: Stored<UserRow>, options?: UserReadOptions): User | UserWithPasswordHash {
  const entity = toEntity<UserRow>(row);
  if (options?.withPasswordHash) return entity;
  return copyWithout(entity, "passwordHash") as unknown as User;
}

/** Builds the users repository over a store context. */
export function usersRepository(ctx: StoreContext): UsersRepository {
  return {
    async create(input) {
      return project(await createRow(ctx, userModel, input)) as User;
    },
    async get(id: string, options?: UserReadOptions) {
      const row = await getLive(ctx, "users", id);
      return (row ? project(row, options) : null) as UserWithPasswordHash;
    },
    async getByEmail(email: string, options?: UserReadOptions) {
      if (typeof email !== "string") throw new ValidationError("users", [{ path: "email", message: "must be a string" }]);
      const page = await ctx.ops.query("users", {
        where: [{ field: "emailKey", op: "eq", value: emailKeyOf(email) }],
        orderBy: { field: "id", direction: "asc" },
        limit: 1,
      });
      const row = page.rows[0];
      return (row ? project(row, options) : null) as UserWithPasswordHash;
    },
    async update(id, patch, options) {
      return project(await patchRow(ctx, userModel, id, patch, options)) as User;
    },
    delete: (id, options) => deleteRow(ctx, "users", id, options),
    async list(options = {}) {
      const where = options.active === undefined ? [] : [{ field: "active", op: "eq" as const, value: options.active }];
      return listRows(ctx, "users", where, { field: "createdAt", direction: options.order ?? "desc" }, options, (r) => project(r) as User);
    },
  };
}
