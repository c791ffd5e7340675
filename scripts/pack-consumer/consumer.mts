// Compiled by scripts/pack-check.ts under moduleResolution node16 (ESM file) and bundler: every
// entry's declarations resolve and carry real types (the @ts-expect-error lines fail if a type
// degrades to `any`).
import { ConflictError, type Store, type User, createStore, memoryBackend } from "@journal/store";
import { type MigrateResult, migrate, postgresBackend } from "@journal/store/postgres";
import { type ConformanceTarget, runConformance } from "@journal/store/testing";

const store: Store = createStore({ backend: memoryBackend() });
const user: Promise<User> = store.users.create({ email: "a@example.com", displayName: "A" });
// @ts-expect-error an unknown field is refused by the input type
void store.users.create({ emial: "a@example.com", displayName: "A" });
const migrated: Promise<MigrateResult> = migrate("postgres://localhost/app");
// @ts-expect-error migrate() takes a URL, a pool or a Drizzle database
void migrate(42);
const target: ConformanceTarget = { create: async () => postgresBackend({ connectionString: "postgres://localhost/app" }) };
// @ts-expect-error runConformance needs a target
runConformance("memory");

export const consumer = { user, migrated, target, conflict: ConflictError };
