-- Custom migration (drizzle-kit generate --custom): what the table migrations need first.
-- pg_trgm serves text search (LIKE on search_text) through trigram GIN indexes; it is a trusted
-- extension since PostgreSQL 13, so a database owner may create it.
-- The schema is created here, guarded, because the migrator keeps its own table inside it; the
-- snapshot of this migration records the schema so later generated migrations do not create it again.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS "journal_store";
