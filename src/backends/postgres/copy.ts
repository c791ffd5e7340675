import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Client, PoolClient } from "pg";
import type { FieldKind } from "../../model/collections.js";
import { isId } from "../../model/ids.js";
import { unstorableText } from "../../model/storable.js";
import { textArrayLiteral } from "./mapping.js";

/**
 * `COPY ... FROM STDIN` for the bulk replication path: rows encoded in COPY's text format and
 * streamed through pg-copy-streams. pg-copy-streams is an optional peer dependency, imported on
 * first use by this module only (which only the `@journal/store/postgres` entry reaches), so an
 * app without it still works: the bulk path is simply not taken.
 */

type CopyStreams = typeof import("pg-copy-streams");

let loading: Promise<CopyStreams | null> | undefined;

/** pg-copy-streams, or null when it is not installed (loaded once). */
export function copyStreams(): Promise<CopyStreams | null> {
  loading ??= import("pg-copy-streams").then(
    (m) => ((m as { from?: unknown }).from ? (m as CopyStreams) : ((m as { default?: CopyStreams }).default ?? null)),
    () => null,
  );
  return loading;
}

/** Streams `chunks` (COPY text format) into `text` (a `COPY ... FROM STDIN`) on `client`. */
export async function copyInto(client: Client | PoolClient, text: string, chunks: Iterable<string>): Promise<void> {
  const streams = await copyStreams();
  if (!streams) throw new Error("journal-store: pg-copy-streams is not installed");
  await pipeline(Readable.from(chunks, { objectMode: false }), client.query(streams.from(text)));
}

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A value as COPY's text format spells it: backslash, newline, CR and tab escaped. */
function escapeText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : text;
}

/** A finite number's text, or null (as JSON, and so the statement path, would store NaN and ±Infinity). */
function numberText(value: unknown): string | null {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : null;
  return String(value);
}

/**
 * One field value in COPY text format (`\N` for null), holding exactly what the JSON parameter of
 * the statement path would: JSON as JSON text, arrays as array literals, numbers as their
 * shortest round-trip text (-0 as 0, as JSON writes it).
 */
export function copyValue(kind: FieldKind | "owner", value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  switch (kind) {
    case "json":
      return escapeText(JSON.stringify(value));
    case "textArray":
      return escapeText(textArrayLiteral(value as unknown[]));
    case "numberArray":
      return `{${(value as unknown[]).map((n) => numberText(n) ?? "NULL").join(",")}}`;
    case "boolean":
      return value ? "t" : "f";
    case "integer":
    case "number":
      return numberText(value) ?? "\\N";
    case "owner":
      // An owner id that is not a UUID names no row: NULL, which reads as a missing owner.
      return isId(value) ? value : "\\N";
    default:
      return escapeText(String(value));
  }
}

/**
 * COPY text of `rows`, in chunks of about `chunkChars` characters, one line per row with the
 * fields in `fields` order. Returns null when a row holds text PostgreSQL cannot store (a lone
 * surrogate, which COPY would turn into U+FFFD, or NUL): such a batch takes the statement path,
 * which refuses it exactly as before.
 */
export function copyChunks(rows: readonly Record<string, unknown>[], fields: readonly { field: string; kind: FieldKind | "owner" }[], chunkChars = 1 << 16): string[] | null {
  const chunks: string[] = [];
  let chunk = "";
  for (const row of rows) {
    let line = "";
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      line += (i === 0 ? "" : "\t") + copyValue(f.kind, row[f.field]);
    }
    if (unstorableText(line) !== null) return null;
    chunk += `${line}\n`;
    if (chunk.length >= chunkChars) {
      chunks.push(chunk);
      chunk = "";
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
