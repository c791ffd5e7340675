import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { jsonFileBackend, memoryBackend, type Backend } from "../../src/index.js";
import { migrate, postgresBackend } from "../../src/backends/postgres/index.js";
import { TRUNCATE_ALL, useTestDatabase } from "../support/postgres.js";
import { deterministicStore, dump, randomOps } from "../support/random-ops.js";

/**
 * Property test: random facade operation sequences give identical observable results (every
 * return value, every error code) and identical final rows on the reference backend and on each
 * other backend. Failures name the seed, which replays the sequence exactly.
 */
const url = useTestDatabase(async (u) => void (await migrate(u)));

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const targets: { name: string; open(): Promise<Backend> }[] = [
  {
    name: "json",
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "journal-equivalence-"));
      dirs.push(dir);
      return jsonFileBackend({ dir });
    },
  },
  {
    name: "postgres",
    async open() {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      await client.query(TRUNCATE_ALL);
      await client.end();
      return postgresBackend({ connectionString: url(), poolSize: 4 });
    },
  },
];

const SEEDS = Number(process.env.EQUIVALENCE_SEEDS ?? 6);
const STEPS = 120;

describe.each(targets)("memory and $name agree on random operation sequences", ({ open }) => {
  it.each(Array.from({ length: SEEDS }, (_, i) => i + 1))("seed %i", async (seed) => {
    const reference = memoryBackend();
    const other = await open();
    try {
      const expected = await randomOps(deterministicStore(reference), seed, STEPS);
      const actual = await randomOps(deterministicStore(other), seed, STEPS);
      for (let i = 0; i < expected.length; i++) expect(actual[i], `step ${i} (${expected[i]!.op})`).toEqual(expected[i]);
      expect(await dump(other)).toEqual(await dump(reference));
    } finally {
      await other.close();
      await reference.close();
    }
  });
});
