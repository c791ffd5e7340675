import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { withoutChangeSeq, type Backend, type Stored } from "../backend.js";
import { ValidationError } from "../errors.js";
import { isId } from "../model/ids.js";
import type { Store } from "../store/create-store.js";
import { legacyInfoOf } from "./kept.js";
import { DEFAULT_LEGACY_MAPPING, type LegacyCollection, type LegacyMapping, type LegacyRow } from "./mapping.js";
import { backendOf, checkMapping, zoneOf } from "./options.js";
import { toPythonJson } from "./python-json.js";
import type { LegacyExportReport } from "./report.js";
import { put, rowToRecord } from "./to-record.js";
import { planFile } from "./to-row.js";

/** Options of {@link exportLegacy}. */
export interface ExportLegacyOptions {
  /** The store (or backend) to read. */
  from: Store | Backend;
  /** The directory to write the app's files into (created if absent; the mapped files are replaced). */
  dir: string;
  /** The app's layout (default: {@link DEFAULT_LEGACY_MAPPING}). */
  mapping?: LegacyMapping;
  /** IANA zone of the files marked `localTime` (default `UTC`): use the one the import used. */
  timezone?: string;
  /** Only this user's rows (default: every live row). */
  user?: string;
}

const PAGE = 1000;

/**
 * Writes the store back out in the app's own layout, so the previous app version runs on it (the
 * rollback): every live row of the mapped collections becomes a record; an imported row that has
 * not changed comes out field by field as it was read (same key, values and timestamp strings),
 * a changed or new row in the app's own format. Deleted rows are absent. Each file is written
 * whole to a temporary file, synced and renamed over the old one.
 *
 * @example
 * ```ts
 * await exportLegacy({ from: store, dir: "./app-data", timezone: "Europe/Paris" });
 * ```
 */
export async function exportLegacy(options: ExportLegacyOptions): Promise<LegacyExportReport> {
  if (typeof options.dir !== "string" || options.dir.length === 0) {
    throw new ValidationError("legacy", [{ path: "dir", message: "must be a directory path" }]);
  }
  if (options.user !== undefined && !isId(options.user)) throw new ValidationError("legacy", [{ path: "user", message: "must be a lowercase UUID" }]);
  const mapping = options.mapping ?? DEFAULT_LEGACY_MAPPING;
  checkMapping(mapping);
  const zone = zoneOf(options.timezone);
  const backend = backendOf(options.from, "from");

  const rowsOf = new Map<string, LegacyRow[]>();
  const keysOf = new Map<string, Map<string, string>>();
  for (const f of mapping.files) {
    const rows = await liveRows(backend, f.collection, options.user);
    const keys = new Map<string, string>();
    for (const row of rows) {
      const key = legacyInfoOf((row as { metadata?: unknown }).metadata)?.key;
      if (typeof key === "string") keys.set(row.id, key);
    }
    rowsOf.set(f.file, rows);
    keysOf.set(f.file, keys);
  }
  const keyOf = (file: string, id: string) => keysOf.get(file)?.get(id) ?? id;

  await mkdir(options.dir, { recursive: true });
  const report: LegacyExportReport = { files: [] };
  for (const f of mapping.files) {
    const plan = planFile(f, { zone: f.localTime ? zone : "UTC" });
    const rows = rowsOf.get(f.file)!;
    rowsOf.delete(f.file);
    const records = rows.map((row) => rowToRecord(plan, row, keyOf));
    let body: unknown;
    if (f.shape === "array") body = records.map(([, record]) => record);
    else {
      const object: Record<string, unknown> = {};
      for (const [key, record] of records) put(object, key, record);
      body = object;
    }
    const text = toPythonJson(body);
    await writeWhole(join(options.dir, f.file), text);
    report.files.push({ file: f.file, collection: f.collection, records: records.length, bytes: Buffer.byteLength(text) });
  }
  return report;
}

/** Every live row of `collection` (of `user`, when given), in id order. */
async function liveRows(backend: Backend, collection: LegacyCollection, user: string | undefined): Promise<LegacyRow[]> {
  const out: LegacyRow[] = [];
  let afterId: string | null = null;
  for (;;) {
    const page: Stored<LegacyRow>[] = await backend.scan(collection, { afterId, limit: PAGE });
    for (const stored of page) {
      if (stored.deleted || (user !== undefined && stored.userId !== user)) continue;
      out.push(withoutChangeSeq<LegacyRow>(stored));
    }
    if (page.length < PAGE) return out;
    afterId = page[page.length - 1]!.id;
  }
}

/** Writes `text` to `path` through a synced temporary file and a rename, so a reader sees the old file or the new one. */
async function writeWhole(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, "w", 0o644);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
