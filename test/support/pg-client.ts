import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * Runs `fn` on a fresh single connection to `url` and always closes it: for admin statements
 * (CREATE/DROP DATABASE, ANALYZE, catalog checks) in tests and benchmarks, outside any pool.
 */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement on `url` over a fresh connection (for planting differences behind a backend's back). */
export function sqlOn(url: string, text: string, values: unknown[] = []): Promise<unknown> {
  return withClient(url, (c) => c.query(text, values));
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A database created for one run; `drop()` removes it (terminating leftover connections). */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named database (`prefix_pid_random`) on the server of `adminUrl` (a user
 * allowed to CREATE DATABASE), so parallel test files and scripts never share one.
 */
export async function createDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  return {
    name,
    url: withDatabase(adminUrl, name),
    async drop() {
      await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}
