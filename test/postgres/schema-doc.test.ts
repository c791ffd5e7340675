import { readFile } from "node:fs/promises";
import { getTableColumns } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/backends/postgres/index.js";
import { TABLES as COLLECTION_TABLES } from "../../src/backends/postgres/mapping.js";
import { specOf } from "../../src/model/collections.js";
import type { CollectionName } from "../../src/model/rows.js";
import { withClient } from "../support/pg-client.js";
import { useTestDatabase } from "../support/postgres.js";

// docs/schema.md describes every object migrate() creates. This file keeps it true: it migrates a
// fresh database, reads the catalog (information_schema, pg_indexes, pg_constraint, pg_sequences,
// pg_proc) and compares it, object by object, with the page's tables. An object in the database
// that the page does not describe exactly, or one the page names that the database lacks, is a
// difference, and any difference fails.

const SCHEMAS = ["journal_store", "journal_store_migrations"];
const DOC = new URL("../../docs/schema.md", import.meta.url);

/** One described object: its name and the cells that must match the database. */
type Described = Map<string, string[]>;

/** What the page describes (or the database holds), in the same shape. */
interface SchemaFacts {
  /** `schema.table` -> its columns, indexes and constraints. */
  tables: Map<string, { columns: Described; indexes: Described; constraints: Described }>;
  sequences: Described;
  functions: Described;
}

const strip = (cell: string) => cell.replace(/^`(.*)`$/, "$1");

/**
 * Reads the page's Markdown tables. A table section starts at a heading `### \`schema.table\``
 * and ends at the next heading; inside it, the tables headed `column`, `index` and `constraint`
 * describe the table's objects. The tables headed `sequence` and `function` may be anywhere.
 * A data row is one whose first cell is a code span; the model-field and explanation cells are
 * kept too, so the caller can check the model mapping.
 */
function parseDoc(text: string): SchemaFacts {
  const facts: SchemaFacts = { tables: new Map(), sequences: new Map(), functions: new Map() };
  let section: ReturnType<SchemaFacts["tables"]["get"]>;
  let kind: string | null = null;
  for (const line of text.split("\n")) {
    const heading = /^#{1,6} /.test(line);
    if (heading) {
      const m = /^### `([a-z_]+\.[a-z_]+)`$/.exec(line);
      section = m ? { columns: new Map(), indexes: new Map(), constraints: new Map() } : undefined;
      if (m) facts.tables.set(m[1]!, section!);
      kind = null;
      continue;
    }
    if (!line.startsWith("|")) {
      kind = null;
      continue;
    }
    const cells = line.slice(1, -1).split(" | ").map((c) => c.trim());
    if (!cells[0]!.startsWith("`")) {
      if (!cells[0]!.startsWith("---")) kind = cells[0]!;
      continue;
    }
    const name = strip(cells[0]!);
    const rest = cells.slice(1);
    const target =
      kind === "sequence"
        ? facts.sequences
        : kind === "function"
          ? facts.functions
          : kind === "column"
            ? section?.columns
            : kind === "index"
              ? section?.indexes
              : kind === "constraint"
                ? section?.constraints
                : undefined;
    if (!target) continue;
    if (target.has(name)) throw new Error(`docs/schema.md describes ${kind} ${name} twice`);
    target.set(name, rest);
  }
  return facts;
}

const KINDS: Record<string, string> = { p: "primary key", f: "foreign key", u: "unique", c: "check", x: "exclusion" };

/** The same facts, read from the catalog of a migrated database, in the page's wording. */
async function readDatabase(url: string): Promise<SchemaFacts> {
  return withClient(url, async (c) => {
    const facts: SchemaFacts = { tables: new Map(), sequences: new Map(), functions: new Map() };
    const tables = await c.query<{ t: string }>(
      `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
       WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
      [SCHEMAS],
    );
    for (const { t } of tables.rows) facts.tables.set(t, { columns: new Map(), indexes: new Map(), constraints: new Map() });
    const other = await c.query<{ o: string }>(
      `SELECT table_schema || '.' || table_name AS o FROM information_schema.tables WHERE table_schema = ANY($1) AND table_type <> 'BASE TABLE'`,
      [SCHEMAS],
    );
    for (const { o } of other.rows) facts.tables.set(o, { columns: new Map([["(not a base table)", []]]), indexes: new Map(), constraints: new Map() });

    const columns = await c.query<{ t: string; name: string; type: string; nullable: string; def: string | null }>(
      `SELECT col.table_schema || '.' || col.table_name AS t, col.column_name AS name,
              format_type(a.atttypid, a.atttypmod) AS type, col.is_nullable AS nullable, col.column_default AS def
       FROM information_schema.columns col
       JOIN pg_attribute a ON a.attrelid = (quote_ident(col.table_schema) || '.' || quote_ident(col.table_name))::regclass
                          AND a.attname = col.column_name
       WHERE col.table_schema = ANY($1)`,
      [SCHEMAS],
    );
    for (const r of columns.rows) facts.tables.get(r.t)?.columns.set(r.name, [r.type, r.nullable === "YES" ? "null" : "not null", r.def ?? "–"]);

    const indexes = await c.query<{ t: string; name: string; def: string; options: string[] | null }>(
      `SELECT i.schemaname || '.' || i.tablename AS t, i.indexname AS name, i.indexdef AS def, cl.reloptions AS options
       FROM pg_indexes i JOIN pg_class cl ON cl.oid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
       WHERE i.schemaname = ANY($1)`,
      [SCHEMAS],
    );
    for (const r of indexes.rows) {
      const m = /^CREATE (UNIQUE )?INDEX \S+ ON \S+ USING (\w+) (.*)$/.exec(r.def);
      if (!m) throw new Error(`unexpected index definition: ${r.def}`);
      const columnsPart = m[3]!.replace(/ WITH \([^)]*\)/, "");
      facts.tables.get(r.t)!.indexes.set(r.name, [`${m[1] ? "unique " : ""}${m[2]}`, columnsPart, r.options?.join(", ") ?? "–"]);
    }

    const constraints = await c.query<{ t: string; name: string; kind: string; def: string }>(
      `SELECT n.nspname || '.' || cl.relname AS t, co.conname AS name, co.contype AS kind, pg_get_constraintdef(co.oid) AS def
       FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = ANY($1)`,
      [SCHEMAS],
    );
    for (const r of constraints.rows) facts.tables.get(r.t)!.constraints.set(r.name, [KINDS[r.kind] ?? r.kind, r.def]);

    const sequences = await c.query<{ name: string; type: string; start: string; inc: string; cache: string }>(
      `SELECT schemaname || '.' || sequencename AS name, data_type::text AS type, start_value::text AS start,
              increment_by::text AS inc, cache_size::text AS cache
       FROM pg_sequences WHERE schemaname = ANY($1)`,
      [SCHEMAS],
    );
    for (const r of sequences.rows) facts.sequences.set(r.name, [r.type, r.start, r.inc, r.cache]);

    const functions = await c.query<{ name: string; result: string }>(
      `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_arguments(p.oid) || ')' AS name,
              pg_get_function_result(p.oid) AS result
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1)`,
      [SCHEMAS],
    );
    for (const r of functions.rows) facts.functions.set(r.name, [r.result]);
    return facts;
  });
}

/** Every way `doc` and `db` disagree, one line each; empty when the page is true. */
function differences(doc: SchemaFacts, db: SchemaFacts): string[] {
  const out: string[] = [];
  const compare = (what: (name: string) => string, documented: Described, live: Described, cells: number) => {
    for (const [name, facts] of live) {
      const page = documented.get(name);
      if (!page) out.push(`${what(name)} is in the database but not in docs/schema.md`);
      else {
        const shown = page.slice(0, cells).map(strip);
        if (shown.join(" | ") !== facts.join(" | ")) out.push(`${what(name)}: docs/schema.md says ${shown.join(" | ")}, the database ${facts.join(" | ")}`);
      }
    }
    for (const name of documented.keys()) if (!live.has(name)) out.push(`${what(name)} is in docs/schema.md but not in the database`);
  };
  for (const [table, live] of db.tables) {
    const page = doc.tables.get(table);
    if (!page) {
      out.push(`table ${table} is in the database but not in docs/schema.md`);
      continue;
    }
    compare((name) => `column ${table}.${name}`, page.columns, live.columns, 3);
    compare((name) => `index ${name} on ${table}`, page.indexes, live.indexes, 3);
    compare((name) => `constraint ${name} on ${table}`, page.constraints, live.constraints, 2);
  }
  for (const table of doc.tables.keys()) if (!db.tables.has(table)) out.push(`table ${table} is in docs/schema.md but not in the database`);
  compare((name) => `sequence ${name}`, doc.sequences, db.sequences, 4);
  compare((name) => `function ${name}`, doc.functions, db.functions, 1);
  return out;
}

/** The model field each column of a collection's table holds, as the page must name it. */
function modelFields(collection: CollectionName): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [key, column] of Object.entries(getTableColumns(COLLECTION_TABLES[collection]))) fields.set(column.name, key);
  return fields;
}

const url = useTestDatabase(async (u) => void (await migrate(u)));
let page: string;
let doc: SchemaFacts;
let db: SchemaFacts;
beforeAll(async () => {
  page = await readFile(DOC, "utf8");
  doc = parseDoc(page);
  db = await readDatabase(url());
});

describe("docs/schema.md against a freshly migrated database", () => {
  it("reads what it compares: every table, with columns, indexes and constraints, sequences and functions", () => {
    // A parser or catalog query that silently found nothing would make the next test pass.
    expect(db.tables.size).toBeGreaterThanOrEqual(9);
    for (const [table, facts] of db.tables) {
      expect(facts.columns.size, table).toBeGreaterThan(0);
      expect(facts.indexes.size, table).toBeGreaterThan(0);
      expect(facts.constraints.size, table).toBeGreaterThan(0);
    }
    expect(db.sequences.size).toBeGreaterThan(0);
    expect(db.functions.size).toBeGreaterThan(0);
    expect([...db.tables.values()].some((t) => [...t.indexes.values()].some(([, , options]) => options === "fastupdate=false"))).toBe(true);
  });

  it("describes every table, column, index, constraint, sequence and function exactly, and nothing else", () => {
    expect(differences(doc, db)).toEqual([]);
  });

  it("is right that the schemas hold no triggers (the page says so)", async () => {
    expect(page).toContain("no views,\ntriggers or column defaults");
    const triggers = await withClient(url(), (c) =>
      c.query(`SELECT tgname FROM pg_trigger t JOIN pg_class cl ON cl.oid = t.tgrelid WHERE NOT t.tgisinternal AND cl.relnamespace::regnamespace::text = ANY($1)`, [SCHEMAS]),
    );
    expect(triggers.rows).toEqual([]);
  });

  it("names, for every column of a collection's table, the model field that column holds", () => {
    const problems: string[] = [];
    for (const collection of Object.keys(COLLECTION_TABLES) as CollectionName[]) {
      const table = `journal_store.${getTableConfig(COLLECTION_TABLES[collection]).name}`;
      const spec = specOf(collection);
      for (const [column, key] of modelFields(collection)) {
        const named = doc.tables.get(table)?.columns.get(column)?.[3];
        const want = key === "changeSeq" ? /^`changeSeq` of `Stored<\w+Row>`$/ : new RegExp(`^\`\\w+Row\\.${key}\`$`);
        if (key !== "changeSeq" && !(key in spec.fields)) problems.push(`${table}.${column}: ${key} is not a field of ${collection}`);
        if (!named || !want.test(named)) problems.push(`${table}.${column}: docs/schema.md names ${named ?? "nothing"}, expected the field ${key}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("would notice a line missing from the page, or one naming what the database lacks", () => {
    const lines = page.split("\n");
    const drop = (pattern: RegExp) => lines.filter((l) => !pattern.test(l)).join("\n");
    expect(differences(parseDoc(drop(/^\| `email_key` \|/)), db)).toEqual(["column journal_store.users.email_key is in the database but not in docs/schema.md"]);
    expect(differences(parseDoc(drop(/^\| `journal_entries_tags` \|/)), db)).toEqual([
      "index journal_entries_tags on journal_store.journal_entries is in the database but not in docs/schema.md",
    ]);
    const renamed = page.replace("| `users_change_seq` | btree |", "| `users_change_seq_gone` | btree |");
    expect(differences(parseDoc(renamed), db)).toHaveLength(2);
    const retyped = page.replace("| `streak` | `integer` |", "| `streak` | `bigint` |");
    expect(differences(parseDoc(retyped), db)).toHaveLength(1);
    const optionless = page.replace(/(\| `psychology_content_tags` \| gin \| `\(tags\)` \| )`?fastupdate=false`?/, "$1–");
    expect(differences(parseDoc(optionless), db)).toHaveLength(1);
  });
});
