import { readFile, readdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "../../src");

/** Every relative import of every source file (type-only imports included), as src-relative paths. */
async function importGraph(): Promise<Map<string, string[]>> {
  const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await readFile(join(src, file), "utf8");
    const targets: string[] = [];
    for (const m of text.matchAll(/\bfrom\s+"(\.{1,2}\/[^"]+)"/g)) {
      const target = relative(src, resolve(dirname(join(src, file)), m[1]!)).replace(/\.js$/, ".ts");
      targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The first import cycle found, as a path of files, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "open") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return null;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

/** The layer rules of docs/architecture.md that a reader of imports can check. */
describe("source layers", () => {
  it("has no import cycles", async () => {
    expect(findCycle(await importGraph())).toBeNull();
  });

  it("no backend imports another backend", async () => {
    const sideways: string[] = [];
    for (const [file, targets] of await importGraph()) {
      const own = /^backends\/([^/.]+)/.exec(file)?.[1];
      if (!own) continue;
      for (const target of targets) {
        const other = /^backends\/([^/.]+)/.exec(target)?.[1];
        if (other && other !== own) sideways.push(`${file} -> ${target}`);
      }
    }
    expect(sideways).toEqual([]);
  });

  it("sync never prints or touches the process; in the CLI only bin.ts does", async () => {
    const offenders: string[] = [];
    for (const file of (await readdir(src, { recursive: true })).filter((f) => /^(sync|cli)\/.*\.ts$/.test(f) && f !== "cli/bin.ts")) {
      const code = (await readFile(join(src, file), "utf8")).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      if (/\bprocess\.|\bconsole\./.test(code)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
