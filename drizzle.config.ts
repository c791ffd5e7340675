import { defineConfig } from "drizzle-kit";

// drizzle-kit reads the PostgreSQL schema and writes the shipped migrations to drizzle/.
// `npm run db:generate` after a schema change; `npm run db:check` (CI) fails when they disagree.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/backends/postgres/schema.ts",
  out: "./drizzle",
  schemaFilter: ["journal_store"],
  migrations: { schema: "journal_store_migrations", table: "__migrations" },
});
