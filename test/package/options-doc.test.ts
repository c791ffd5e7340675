import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Every option of every public factory is documented: each property of the options interface
// (inherited ones included) is named in a table row of the page docs/configuration.md sends the
// reader to. Read from the types themselves, so an option added without its docs fails here.
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Options interface (file and name) -> the page whose tables document it. */
const DOCUMENTED: readonly { file: string; name: string; page: string }[] = [
  { file: "src/store/create-store.ts", name: "StoreOptions", page: "docs/configuration.md" },
  { file: "src/backends/json/options.ts", name: "JsonFileBackendOptions", page: "docs/json-backend.md" },
  { file: "src/backends/json/source.ts", name: "JsonFileSourceOptions", page: "docs/sync.md" },
  { file: "src/backends/postgres/backend.ts", name: "PostgresBackendOptions", page: "docs/postgres.md" },
  { file: "src/backends/postgres/migrate.ts", name: "MigrateOptions", page: "docs/postgres.md" },
  { file: "src/dual-write/options.ts", name: "DualWriteOptions", page: "docs/dual-write.md" },
  { file: "src/sync/backfill.ts", name: "BackfillOptions", page: "docs/sync.md" },
  { file: "src/sync/compare.ts", name: "CompareOptions", page: "docs/sync.md" },
  { file: "src/sync/repair.ts", name: "RepairOptions", page: "docs/sync.md" },
  { file: "src/legacy/import.ts", name: "ImportLegacyOptions", page: "docs/import.md" },
  { file: "src/legacy/export.ts", name: "ExportLegacyOptions", page: "docs/import.md" },
];

const program = ts.createProgram(
  DOCUMENTED.map((d) => `${root}${d.file}`),
  { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true },
);
const checker = program.getTypeChecker();

/** The property names of interface `name` in `file`, inherited ones included. */
function optionsOf(file: string, name: string): string[] {
  const source = program.getSourceFile(`${root}${file}`);
  if (!source) throw new Error(`${file} is not in the program`);
  const declaration = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!declaration) throw new Error(`${file} declares no interface ${name}`);
  return checker.getPropertiesOfType(checker.getTypeAtLocation(declaration)).map((p) => p.name);
}

/** The names written in backticks in the first cell of every table row of `page` (`a`, `b` both count). */
function documentedIn(page: string): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(`${root}${page}`, "utf8").split("\n")) {
    if (!line.startsWith("|")) continue;
    const first = line.split("|")[1] ?? "";
    for (const m of first.matchAll(/`([A-Za-z][\w.]*)`/g)) names.add(m[1]!);
  }
  return names;
}

describe("every option of every public factory is documented", () => {
  for (const { file, name, page } of DOCUMENTED) {
    it(`${name} in ${page}`, () => {
      const options = optionsOf(file, name);
      expect(options.length).toBeGreaterThan(0);
      const documented = documentedIn(page);
      expect(options.filter((o) => !documented.has(o)), `options of ${name} missing from a table in ${page}`).toEqual([]);
    });
  }

  it("the configuration reference links every page that documents options", () => {
    const reference = readFileSync(`${root}docs/configuration.md`, "utf8");
    for (const page of new Set(DOCUMENTED.map((d) => d.page))) {
      if (page === "docs/configuration.md") continue;
      expect(reference, page).toContain(`(${page.replace("docs/", "")}`);
    }
  });
});
