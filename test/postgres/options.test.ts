import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { POOL_DEFAULTS, migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { ValidationError } from "../../src/errors.js";
import { withClient } from "../support/pg-client.js";
import { useTestDatabase } from "../support/postgres.js";
import { userRow } from "./rows.js";

// Backends take options only: configuration is read from the environment in one place
// (createStoreFromEnv), never deep in the PostgreSQL backend. Pool options are checked when the
// backend is created, naming the option.

const url = useTestDatabase(async (u) => void (await migrate(u)));

/** Runs `fn` with the given environment variables set, restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("pool options", () => {
  it("are checked when the backend is created, naming the option", () => {
    for (const [option, value] of [
      ["poolSize", 0],
      ["poolSize", 2.5],
      ["poolSize", Number.NaN],
      ["statementTimeoutMs", -1],
      ["statementTimeoutMs", Number.POSITIVE_INFINITY],
      ["bulkMinRows", 0],
      ["bulkMinRows", 1.5],
      ["bulkMinRows", Number.NaN],
    ] as const) {
      expect(() => postgresBackend({ connectionString: url(), [option]: value })).toThrow(
        expect.objectContaining({ constructor: ValidationError, issues: [{ path: option, message: expect.any(String) }] }),
      );
    }
  });

  it("preparedStatements and transactionPooling must be booleans, naming the option", () => {
    for (const option of ["preparedStatements", "transactionPooling"] as const) {
      expect(() => postgresBackend({ connectionString: url(), [option]: "false" as unknown as boolean })).toThrow(
        expect.objectContaining({ constructor: ValidationError, issues: [{ path: option, message: expect.any(String) }] }),
      );
    }
  });

  it("replica options are checked when the backend is created, naming the option", () => {
    for (const [option, value] of [
      ["replicas", "postgres://replica/db"],
      ["replicas", [42]],
      ["replicaMaxLagMs", -1],
      ["replicaCheckMs", 1.5],
    ] as const) {
      expect(() => postgresBackend({ connectionString: url(), [option]: value as never })).toThrow(
        expect.objectContaining({ constructor: ValidationError, issues: [{ path: option, message: expect.any(String) }] }),
      );
    }
    expect(() => postgresBackend({ connectionString: url(), replicas: ["not a url"] })).toThrow(
      expect.objectContaining({ constructor: ValidationError, issues: [expect.objectContaining({ path: "replicas[0]" })] }),
    );
  });

  it("DB_POOL_SIZE in the environment changes nothing, even when it is not a number", async () => {
    await withEnv({ DB_POOL_SIZE: "not-a-number" }, async () => {
      const backend = postgresBackend({ connectionString: url() });
      try {
        await expect(backend.count("users")).resolves.toBeGreaterThanOrEqual(0);
      } finally {
        await backend.close();
      }
    });
  });

  it("statement_timeout is the option's, else POOL_DEFAULTS' (DB_STATEMENT_TIMEOUT_MS is not read)", async () => {
    /** Whether an update that waits 400 ms on a row lock held elsewhere is cancelled. */
    const cancelledWhileWaiting = async (options: { statementTimeoutMs?: number }) => {
      const backend = postgresBackend({ connectionString: url(), poolSize: 1, ...options });
      try {
        const user = await backend.insert("users", userRow());
        return await withClient(url(), async (c) => {
          await c.query("BEGIN");
          await c.query(`SELECT 1 FROM journal_store.users WHERE id = $1 FOR UPDATE`, [user.id]);
          const pending = backend.update("users", { ...user, version: 2, displayName: "B" }, 1).then(
            () => false,
            (error: unknown) => {
              expect(error).toMatchObject({ code: "BACKEND", message: expect.stringContaining("statement timeout") });
              return true;
            },
          );
          await new Promise((r) => setTimeout(r, 400));
          await c.query("COMMIT");
          return pending;
        });
      } finally {
        await backend.close();
      }
    };
    expect(POOL_DEFAULTS.statementTimeoutMs).toBeGreaterThan(400);
    await withEnv({ DB_STATEMENT_TIMEOUT_MS: "50" }, async () => {
      expect(await cancelledWhileWaiting({})).toBe(false);
      expect(await cancelledWhileWaiting({ statementTimeoutMs: 0 })).toBe(false);
      expect(await cancelledWhileWaiting({ statementTimeoutMs: 50 })).toBe(true);
    });
  });
});

describe("source hygiene", () => {
  it("no file of the PostgreSQL backend reads process.env", () => {
    const dir = join(import.meta.dirname, "../../src/backends/postgres");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      expect(readFileSync(join(dir, file), "utf8"), file).not.toMatch(/process\.env/);
    }
  });
});
