import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonFileBackend } from "../../src/backends/json/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { diffRows } from "../../src/diff.js";
import { exportLegacy, importLegacy } from "../../src/index.js";
import { COLLECTION_NAMES } from "../../src/model/collections.js";
import { useTestDatabase } from "../support/postgres.js";
import { generateAppData } from "./app-data.js";
import { allRows, recordsOf } from "./helpers.js";

// The same directory imported into PostgreSQL and into the JSON-file backend gives identical rows,
// and both export the same files.
const url = useTestDatabase(async (u) => void (await migrate(u)));
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "journal-legacy-pg-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("importLegacy into PostgreSQL and into the JSON-file backend", () => {
  it("gives identical rows, the same report, and exports the same files", async () => {
    const data = await generateAppData(join(scratch, "app"), 11, { topics: 8, entries: 120, sessions: 6, messages: 70 });
    const clock = () => new Date("2026-11-01T00:00:00.000Z");
    const pg = postgresBackend({ connectionString: url(), poolSize: 2 });
    const json = jsonFileBackend({ dir: join(scratch, "json-store") });
    try {
      const options = { dir: data.dir, timezone: "Europe/Paris", clock, batchSize: 25 };
      const fromPg = await importLegacy({ ...options, into: pg });
      const fromJson = await importLegacy({ ...options, into: json });
      expect(fromPg).toEqual(fromJson);
      expect(fromPg.totals.imported).toBeGreaterThan(200);
      for (const collection of COLLECTION_NAMES) {
        const a = await allRows(pg, collection);
        const b = await allRows(json, collection);
        expect(b.map((r) => r.id), collection).toEqual(a.map((r) => r.id));
        a.forEach((row, i) => expect(diffRows(row, b[i]!), `${collection} ${String(row.id)}`).toEqual([]));
      }
      // A re-run into PostgreSQL is idempotent too.
      const again = await importLegacy({ ...options, into: pg });
      expect(again.totals).toMatchObject({ imported: 0, unchanged: fromPg.totals.imported });
      await exportLegacy({ from: pg, dir: join(scratch, "out-pg"), timezone: "Europe/Paris" });
      await exportLegacy({ from: json, dir: join(scratch, "out-json"), timezone: "Europe/Paris" });
      for (const file of ["topics.json", "entries.json", "sessions.json", "messages.json"]) {
        const source = await recordsOf(data.dir, file);
        const viaPg = await recordsOf(join(scratch, "out-pg"), file);
        expect(await recordsOf(join(scratch, "out-json"), file)).toEqual(viaPg);
        for (const [key, record] of viaPg) expect(record, `${file} ${key}`).toEqual(source.get(key));
      }
    } finally {
      await pg.close();
      await json.close();
    }
  });
});
