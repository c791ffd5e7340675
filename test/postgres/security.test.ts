import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backend.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { ConflictError, JournalStoreError, ValidationError } from "../../src/errors.js";
import { entryRow, plain, userRow } from "./rows.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";

// Hostile values travel only as parameters: they round-trip unchanged through every text field
// and filter and match literally; identifiers come only from the spec (an allowlist).

const HOSTILE = [
  "'; DROP TABLE journal_store.users; --",
  "Robert'); DELETE FROM journal_store.journal_entries WHERE ('1'='1",
  "back\\slash \\\\ double \\' quote",
  '"double" "quotes" {braces} ,commas,',
  "100% _under_ %% __ \\% \\_",
  "SELECT * FROM pg_shadow UNION SELECT NULL",
  "NULL",
  "$1 $2 ? :name",
  "ünïcödé — 日本語 — emoji 🙂👩‍👩‍👧 — RTL \u202e",
  "tab\there\nnewline\r\nCRLF",
  "x".repeat(100_000),
];

const url = useTestDatabase(async (u) => void (await migrate(u)));
let backend: Backend;
beforeAll(() => {
  backend = postgresBackend({ connectionString: url(), poolSize: 3 });
});
afterAll(async () => {
  await backend.close();
});

async function reset() {
  const c = new pg.Client({ connectionString: url() });
  await c.connect();
  await c.query(TRUNCATE_ALL);
  await c.end();
}

describe("hostile values", () => {
  it("round-trip unchanged through every text, array and JSON field, and filter literally", async () => {
    await reset();
    const user = await backend.insert("users", userRow());
    for (const [i, text] of HOSTILE.entries()) {
      const row = entryRow(user.id, {
        title: text,
        content: text,
        searchText: text.toLowerCase(),
        tags: [text.slice(0, 100), `tag${i}`],
        metadata: { [text.slice(0, 50)]: text, nested: [text] },
      });
      const stored = await backend.insert("journalEntries", row);
      expect(plain(stored)).toEqual(row);
      expect(plain((await backend.get("journalEntries", row.id))!)).toEqual(row);
      const found = async (where: Parameters<Backend["count"]>[1]) => backend.count("journalEntries", where);
      expect(await found([{ field: "title", op: "eq", value: text }])).toBe(1);
      expect(await found([{ field: "title", op: "in", values: [text, "other"] }])).toBe(1);
      expect(await found([{ field: "tags", op: "contains", values: [text.slice(0, 100)] }])).toBe(1);
      expect(await found([{ field: "tags", op: "overlaps", values: [text.slice(0, 100), "nope"] }])).toBe(1);
      expect(await found([{ field: "searchText", op: "search", terms: [text.toLowerCase().slice(3, 40)] }])).toBeGreaterThanOrEqual(1);
    }
    expect(await backend.count("users")).toBe(1);
    expect(await backend.count("journalEntries")).toBe(HOSTILE.length);
  });

  it("LIKE wildcards in a search term match only themselves", async () => {
    await reset();
    const user = await backend.insert("users", userRow());
    const texts = ["100% sure", "100 percent", "a_b", "axb", "back\\slash", "backslash"];
    for (const t of texts) await backend.insert("journalEntries", entryRow(user.id, { searchText: t }));
    const hits = async (term: string) =>
      (await backend.query("journalEntries", { where: [{ field: "searchText", op: "search", terms: [term] }], orderBy: { field: "createdAt", direction: "asc" }, limit: 50 })).rows.map((r) => r.searchText).sort();
    expect(await hits("%")).toEqual(["100% sure"]);
    expect(await hits("0%")).toEqual(["100% sure"]);
    expect(await hits("_")).toEqual(["a_b"]);
    expect(await hits("a_b")).toEqual(["a_b"]);
    expect(await hits("\\")).toEqual(["back\\slash"]);
    expect(await hits("k\\s")).toEqual(["back\\slash"]);
  });

  it("orders only by the spec's sortable fields, in asc or desc", async () => {
    for (const field of ["title", "content", "id; DROP TABLE x", "\"deleted\""]) {
      await expect(backend.query("journalEntries", { orderBy: { field, direction: "asc" }, limit: 1 })).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(
      backend.query("journalEntries", { orderBy: { field: "createdAt", direction: "asc; DROP TABLE x" as "asc" }, limit: 1 }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      backend.count("journalEntries", [{ field: "no_such_field\"", op: "eq", value: 1 }]),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("malformed ids are rejected before any SQL; a malformed owner id is NotFound", async () => {
    await expect(backend.insert("users", userRow({ id: "'; DROP TABLE x; --" }))).rejects.toMatchObject({ code: "VALIDATION", issues: [{ path: "id" }] });
    await expect(backend.insert("users", userRow({ id: "01900000-0000-7000-8000-00000000000A" }))).rejects.toBeInstanceOf(ValidationError);
    await expect(backend.insert("journalEntries", entryRow("not-a-uuid"))).rejects.toMatchObject({ code: "NOT_FOUND", collection: "users" });
    expect(await backend.get("users", "' OR 1=1 --")).toBeNull();
  });

  it("error messages and causes carry no values and no password", async () => {
    await reset();
    const secret = "secret-email-do-not-log@example.com";
    const first = await backend.insert("users", userRow({ emailKey: secret }));
    const error = await backend.insert("users", userRow({ emailKey: secret })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(JSON.stringify({ m: (error as Error).message, c: String((error as Error).cause), s: (error as Error).stack })).not.toContain(secret);
    expect(first.emailKey).toBe(secret);
    const withPassword = new URL(url());
    withPassword.password = "hunter2-very-secret";
    withPassword.port = "1";
    const broken = postgresBackend({ connectionString: withPassword.toString() });
    const failure = await broken.get("users", first.id).catch((e: unknown) => e);
    await broken.close();
    expect(failure).toBeInstanceOf(JournalStoreError);
    expect(`${(failure as Error).message} ${String((failure as Error).cause)}`).not.toContain("hunter2");
  });
});

describe("source hygiene", () => {
  it("the backend never builds SQL with sql.raw or string-concatenated user data", () => {
    const dir = join(import.meta.dirname, "../../src/backends/postgres");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(dir, file), "utf8");
      expect(source, file).not.toMatch(/sql\.raw\s*\(/);
      expect(source, file).not.toMatch(/\.unsafe\s*\(/);
    }
  });
});
