import type { Stored } from "../../backend.js";
import { ValidationError } from "../../errors.js";
import { userModel, type CreateUserInput, type UserPatch } from "../../model/entities/users.js";
import type { UserRow } from "../../model/rows.js";
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
  create(input: CreateUserInput): Promise<User>;
  get(id: string, options?: { withPasswordHash?: false }): Promise<User | null>;
  get(id: string, options: { withPasswordHash: true }): Promise<UserWithPasswordHash | null>;
  /** Finds a live user by email, case-insensitively (NFC, JavaScript lower-casing). */
  getByEmail(email: string, options?: { withPasswordHash?: false }): Promise<User | null>;
  getByEmail(email: string, options: { withPasswordHash: true }): Promise<UserWithPasswordHash | null>;
  update(id: string, patch: UserPatch, options?: UpdateOptions): Promise<User>;
  /** Deletes the user and, in the same transaction, everything the user owns. */
  delete(id: string, options?: DeleteOptions): Promise<void>;
  list(options?: ListUsersOptions): Promise<ListResult<User>>;
}

function project(row: Stored<UserRow>, options?: UserReadOptions): User | UserWithPasswordHash {
  const entity = toEntity<UserRow>(row);
  if (options?.withPasswordHash) return entity;
  const { passwordHash: _hidden, ...user } = entity;
  return user;
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
