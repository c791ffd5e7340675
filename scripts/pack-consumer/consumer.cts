// Compiled by scripts/pack-check.ts under moduleResolution node16 as a CommonJS file: the core
// and postgres entries resolve to their CJS declarations; the testing entry is ESM only, so
// TypeScript must refuse it here exactly as require() does at run time.
import { ConflictError, type Store, type User, createStore, memoryBackend } from "@journal/store";
import { type MigrateResult, migrate } from "@journal/store/postgres";
// @ts-expect-error @journal/store/testing is ESM only: no CommonJS resolution
import { runConformance } from "@journal/store/testing";

const store: Store = createStore({ backend: memoryBackend() });
const user: Promise<User> = store.users.create({ email: "a@example.com", displayName: "A" });
// @ts-expect-error an unknown field is refused by the input type
void store.users.create({ emial: "a@example.com", displayName: "A" });
const migrated: Promise<MigrateResult> = migrate("postgres://localhost/app");

export = { user, migrated, conflict: ConflictError, conformance: runConformance };
