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
