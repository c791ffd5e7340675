import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkConnectionString, migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { BackendError, ValidationError } from "../../src/errors.js";
import { withClient, withDatabase } from "../support/pg-client.js";
import { freePort, startEmbedded } from "../support/postgres-server.js";
import { adminUrl, useTestDatabase } from "../support/postgres.js";

// A connection that cannot be made says what happened (authentication, a missing database or
// role, a closed port) instead of "statement failed", and a malformed connection string is
// refused when the backend is created. The password in the URL never appears in any part of
// the error: message, stack, cause, JSON or what a logger's inspect prints.

const PASSWORD = "hunter2-Very-Secret";

/** `url` with user and password replaced. */
function login(url: string, user: string, password = PASSWORD): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/**
 * `url` keeping its own login, with a password in it: the server's real one when it has one (a
 * server that checks passwords must let this login in), else {@link PASSWORD}.
 */
function withSecret(url: string): { target: string; password: string } {
  const u = new URL(url);
  if (!u.password) u.password = PASSWORD;
  return { target: u.toString(), password: decodeURIComponent(u.password) };
}

/** Fails when the password shows up anywhere a caller or a logger could see it. */
function expectNoPassword(error: unknown, password = PASSWORD): void {
  const e = error as Error & { cause?: unknown };
  const seen = [
    e.message,
    e.stack,
    String(e.cause),
    (e.cause as Error | undefined)?.stack,
    JSON.stringify(e),
    JSON.stringify(e.cause),
    inspect(e, { depth: 10, showHidden: true }),
  ].join("\n");
  expect(seen).not.toContain(password);
  expect(seen).not.toContain(encodeURIComponent(password));
}

/** The error of one `get` through a fresh backend on `connectionString`. */
async function firstCallError(connectionString: string): Promise<unknown> {
  const backend = postgresBackend({ connectionString, poolSize: 1 });
  try {
    return await backend.get("users", "01900000-0000-7000-8000-000000000001").then(
      () => new Error("the call unexpectedly succeeded"),
      (error: unknown) => error,
    );
  } finally {
    await backend.close();
  }
}

const url = useTestDatabase();
const suffix = randomBytes(4).toString("hex");
const noLogin = `journal_store_nologin_${suffix}`;
beforeAll(async () => {
  await withClient(await adminUrl(), (c) => c.query(`CREATE ROLE ${c.escapeIdentifier(noLogin)} NOLOGIN PASSWORD '${PASSWORD}'`));
});
afterAll(async () => {
  await withClient(await adminUrl(), (c) => c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(noLogin)}`));
});

describe("connection failures say what happened", () => {
  it("a closed port: could not connect to host:port (ECONNREFUSED)", async () => {
    const port = await freePort();
    const target = new URL(login(url(), "app"));
    target.port = String(port);
    const error = await firstCallError(target.toString());
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain(`could not connect to ${target.hostname}:${port} (ECONNREFUSED)`);
    expect((error as BackendError).cause).toMatchObject({ code: "ECONNREFUSED" });
    expectNoPassword(error);
  });

  it("a missing database: database … does not exist", async () => {
    const missing = `journal_store_missing_${suffix}`;
    const { target, password } = withSecret(withDatabase(url(), missing));
    const error = await firstCallError(target);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain(`database "${missing}" does not exist`);
    expect((error as BackendError).cause).toMatchObject({ code: "3D000" });
    expectNoPassword(error, password);
  });

  it("a missing role and a role that may not log in: the login is refused, naming the role", async () => {
    const nobody = `journal_store_nobody_${suffix}`;
    const missing = await firstCallError(login(url(), nobody));
    expect(missing).toBeInstanceOf(BackendError);
    // A server that checks passwords does not say whether the role exists (28P01); one that
    // trusts the client does (28000). Either way the login is refused, naming the role.
    expect((missing as Error).message).toMatch(
      new RegExp(`login refused: (role "${nobody}" does not exist|password authentication failed for user "${nobody}")`),
    );
    expect(["28000", "28P01"]).toContain(((missing as BackendError).cause as { code: string }).code);
    expectNoPassword(missing);

    const refused = await firstCallError(login(url(), noLogin));
    expect((refused as Error).message).toContain(`role "${noLogin}" is not permitted to log in`);
    expectNoPassword(refused);
  });

  it("migrate() reports the same way", async () => {
    const missing = `journal_store_missing_${suffix}`;
    const { target, password } = withSecret(withDatabase(url(), missing));
    const error = await migrate(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain(`database "${missing}" does not exist`);
    expectNoPassword(error, password);
  });
});

describe("a wrong password (private server with password authentication)", () => {
  it("reads: authentication failed for user …, and never shows either password", async () => {
    const server = await startEmbedded();
    try {
      const role = `journal_store_app_${suffix}`;
      const right = "the-Right-one-7731";
      await withClient(server.url, (c) => c.query(`CREATE ROLE ${c.escapeIdentifier(role)} LOGIN PASSWORD '${right}'`));
      const error = await firstCallError(login(server.url, role));
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toContain(`authentication failed for user "${role}"`);
      expect((error as BackendError).cause).toMatchObject({ code: "28P01" });
      expectNoPassword(error);
      expectNoPassword(error, right);
      // The right password works through the same path.
      const backend = postgresBackend({ connectionString: login(server.url, role, right), poolSize: 1 });
      try {
        await expect(backend.get("users", "01900000-0000-7000-8000-000000000001")).rejects.toThrow(/run migrate\(\)/);
      } finally {
        await backend.close();
      }
    } finally {
      await server.stop();
    }
  });
});

describe("a malformed connection string is refused when the backend is created", () => {
  const malformed = [
    `postgres://app:${PASSWORD}@127.0.0.1:99999/db`,
    `postgres://app:${PASSWORD}@127.0.0.1:port/db`,
    `postgres://app:${PASSWORD}@[::1/db`,
    `http://app:${PASSWORD}@127.0.0.1:5432/db`,
    `app:${PASSWORD}@127.0.0.1:5432/db`,
    `not a url ${PASSWORD}`,
    "",
    "   ",
  ];

  it.each(malformed)("%s", (connectionString) => {
    let error: unknown;
    try {
      postgresBackend({ connectionString });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: "connectionString", message: expect.any(String) }]);
    expect((error as Error).message).toContain("connectionString");
    expectNoPassword(error);
  });

  it("migrate() refuses it before connecting", async () => {
    const error = await migrate(`postgres://app:${PASSWORD}@127.0.0.1:99999/db`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expectNoPassword(error);
  });

  it("the error names the setting the caller read it from", () => {
    expect(() => checkConnectionString(`postgres://app:${PASSWORD}@host:99999/db`, "DATABASE_URL")).toThrow(
      expect.objectContaining({ issues: [{ path: "DATABASE_URL", message: expect.any(String) }] }),
    );
  });

  it("accepts the URL forms pg accepts", async () => {
    for (const good of [
      url(),
      login(url(), "app"),
      "postgresql://app:p%40ss@db.example.com:6543/journal?sslmode=require",
      "postgres://app:p@ss word@127.0.0.1/journal",
      "postgres:///journal",
      "postgres://app:pw@/journal",
      "socket:/var/run/postgresql?db=journal",
      "/var/run/postgresql journal",
    ]) {
      expect(() => checkConnectionString(good)).not.toThrow();
      await postgresBackend({ connectionString: good }).close();
    }
  });
});
