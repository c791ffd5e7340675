import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type { Backend, Stored } from "../../src/backend.js";
import type { CollectionName } from "../../src/model/rows.js";

/** Every row of `collection`, tombstones included, without the backend-local changeSeq, in id order. */
export async function allRows(backend: Backend, collection: CollectionName): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let afterId: string | null = null;
  for (;;) {
    const page: Stored[] = await backend.scan(collection, { afterId, limit: 500 });
    for (const row of page) {
      const { changeSeq: _s, ...plain } = row;
      out.push(plain);
    }
    if (page.length < 500) return out;
    afterId = page[page.length - 1]!.id;
  }
}

/** A file of the app's layout as records by key (arrays keyed by their `id`). */
export async function recordsOf(dir: string, file: string): Promise<Map<string, Record<string, unknown>>> {
  const parsed = JSON.parse(await readFile(join(dir, file), "utf8")) as unknown;
  const out = new Map<string, Record<string, unknown>>();
  if (Array.isArray(parsed)) parsed.forEach((r: Record<string, unknown>, i) => out.set(typeof r.id === "string" && r.id ? r.id : `#${i}`, r));
  else for (const [k, v] of Object.entries(parsed as Record<string, Record<string, unknown>>)) out.set(k, v);
  return out;
}

/**
 * Checks an export against the app directory it was imported from: every file holds exactly the
 * source's records less the `skipped` keys (per file, as the import reported them), each equal
 * field by field to its source record. Returns the number of records compared.
 */
export async function expectExportedAsRead(sourceDir: string, exportDir: string, files: readonly string[], skipped: Readonly<Record<string, readonly string[]>> = {}): Promise<number> {
  let compared = 0;
  for (const file of files) {
    const source = await recordsOf(sourceDir, file);
    const back = await recordsOf(exportDir, file);
    const left = new Set(skipped[file] ?? []);
    expect([...back.keys()].sort(), file).toEqual([...source.keys()].filter((k) => !left.has(k)).sort());
    for (const [key, record] of back) expect(record, `${file} ${key}`).toEqual(source.get(key));
    compared += back.size;
  }
  return compared;
}
