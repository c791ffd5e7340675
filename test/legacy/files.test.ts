import { readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importLegacy, LegacyFileError, memoryBackend } from "../../src/index.js";
import { readLegacyFile, WINDOW_BYTES, type LegacyFileContent } from "../../src/legacy/files.js";
import { toPythonJson } from "../../src/legacy/python-json.js";
import { generateAppData } from "./app-data.js";

// readLegacyFile holds a window of the file, not the file: these tests read real files through
// windows far smaller than the files (and than single records), so every boundary case occurs,
// and compare with the file parsed whole and with positions counted on the decoded text.

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "journal-legacy-files-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const PIECES = ["plain", "café", "€uro", "😀 grin", "tab\there", 'quote " back \\ slash', "日本語", "𠀀 beyond", "line\nbreak"];

/** A seeded object of every kind of member value: numbers (exponents too), literals, strings, nested and empty containers. */
function sample(count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let k = 0; k < count; k++) {
    const key = k % 7 === 0 ? `clé-${k}` : k % 11 === 0 ? `k"${k}\\` : `key-${k}`;
    const piece = PIECES[k % PIECES.length]!;
    const kind = k % 6;
    out[key] =
      kind === 0
        ? 12345 + k / 7
        : kind === 1
          ? k % 2 === 0
          : kind === 2
            ? null
            : kind === 3
              ? piece.repeat((k % 5) + 1)
              : kind === 4
                ? -k * 1e-7
                : { text: piece, n: [k, -k * 1e-7, { deep: [[], {}], e: {} }], s: piece.repeat(k % 3) };
  }
  return out;
}

/** The three ways the files are written: as Python writes them (escaped, indented), raw UTF-8 indented, raw on one line. */
const WRITERS = {
  python: (v: unknown) => toPythonJson(v),
  indented: (v: unknown) => JSON.stringify(v, null, 2),
  oneLine: (v: unknown) => JSON.stringify(v),
} as const;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function put(bytes: Buffer | string, name = "data.json"): Promise<string> {
  await writeFile(join(scratch, name), bytes);
  return name;
}

/** Every key and record, read in order and released as the import does. */
function readAll(content: LegacyFileContent): { keys: (string | null)[]; records: unknown[] } {
  const keys: (string | null)[] = [];
  const records: unknown[] = [];
  for (let i = 0; i < content.size; i++) keys.push(content.keyAt(i));
  for (let i = 0; i < content.size; i++) {
    records.push(content.recordAt(i));
    content.release(i);
  }
  return { keys, records };
}

/** What reading the file whole gives: its keys (null for an array) and records. */
function whole(value: unknown): { keys: (string | null)[]; records: unknown[] } {
  if (Array.isArray(value)) return { keys: value.map(() => null), records: value };
  const entries = Object.entries(value as Record<string, unknown>);
  return { keys: entries.map(([k]) => k), records: entries.map(([, v]) => v) };
}

/** The error position as the whole file decoded up to byte `at` gives it (from byte `from`: after a BOM for JSON errors). */
function decodedPosition(bytes: Buffer, from: number, at: number): { line: number; column: number; offset: number } {
  const text = bytes.subarray(from, at).toString("utf8");
  const lines = text.split("\n");
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1, offset: text.length };
}

async function errorOf(name: string, window?: number): Promise<LegacyFileError> {
  const error = await readLegacyFile(scratch, name, window).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `window ${window}`).toBeInstanceOf(LegacyFileError);
  return error as LegacyFileError;
}

/** Open file descriptors of this process on `path`. */
function openOn(path: string): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count++;
    } catch {
      // closed meanwhile (the directory listing's own descriptor)
    }
  }
  return count;
}

const WINDOWS = [4, 5, 7, 16, 64, 1000, WINDOW_BYTES];

describe("readLegacyFile through a window", () => {
  it("a file many windows long gives every key and record as the file read whole, in any shape and writing", async () => {
    const value = sample(400);
    for (const [how, write] of Object.entries(WRITERS)) {
      for (const shaped of [value, Object.values(value)]) {
        const text = write(shaped);
        for (const bom of [false, true]) {
          const name = await put(bom ? Buffer.concat([BOM, Buffer.from(text)]) : text);
          for (const window of WINDOWS) {
            const content = (await readLegacyFile(scratch, name, window))!;
            expect(content.shape, `${how} ${window}`).toBe(Array.isArray(shaped) ? "array" : "object");
            expect(readAll(content), `${how} window ${window} bom ${bom}`).toEqual(whole(shaped));
          }
        }
      }
    }
  });

  it("records read out of order, twice, or from the end are the same records", async () => {
    const value = sample(200);
    const name = await put(toPythonJson(value));
    const expected = whole(value);
    const content = (await readLegacyFile(scratch, name, 64))!;
    for (let i = content.size - 1; i >= 0; i -= 3) expect(content.recordAt(i), `record ${i}`).toEqual(expected.records[i]);
    for (let i = 0; i < content.size; i += 5) expect(content.recordAt(i), `record ${i}`).toEqual(expected.records[i]);
    content.close();
  });

  it("UTF-8 sequences, escapes and numbers split by a window boundary at every offset", async () => {
    const pieces = ["é", "€", "😀", "\\u00e9", "\\ud83d\\ude00", '\\"', "\\\\", "\\n"];
    for (const piece of pieces) {
      for (let pad = 0; pad < 24; pad++) {
        const text = `{"${"k".repeat(pad)}${piece}": "${"v".repeat(pad)}${piece}${piece}", "n": ${"7".repeat(pad + 1)}.5e-3, "t": [true, ${piece.length}]}`;
        const name = await put(text);
        for (const window of [4, 5, 6, 7, 8, 13, 16]) {
          const content = (await readLegacyFile(scratch, name, window))!;
          expect(readAll(content), `${piece} pad ${pad} window ${window}`).toEqual(whole(JSON.parse(text)));
        }
      }
    }
  });

  it("a record many times the window is read whole, in an object and in an array", async () => {
    const big = { text: "é😀€x".repeat(20_000), list: Array.from({ length: 2_000 }, (_, k) => ({ k, s: "\\u00e9" })) };
    const value = { small: 1, big, after: "end" };
    for (const shaped of [value, Object.values(value)]) {
      const name = await put(toPythonJson(shaped));
      for (const window of [64, 4096]) {
        const content = (await readLegacyFile(scratch, name, window))!;
        expect(readAll(content), `window ${window}`).toEqual(whole(shaped));
      }
    }
  });

  it("a corrupt byte, a truncation and bytes that are not UTF-8 far past the first window report the line, column and offset of the decoded text", async () => {
    const value = { ...sample(150), marker: 987654321, ...Object.fromEntries(Object.entries(sample(60)).map(([k, v]) => [`late-${k}`, v])) };
    for (const [how, write] of Object.entries(WRITERS)) {
      for (const bom of [false, true]) {
        const text = Buffer.from(write(value));
        const original = bom ? Buffer.concat([BOM, text]) : text;
        const start = bom ? 3 : 0;
        const marker = original.indexOf("987654321");
        const cases: { what: string; bytes: Buffer; at: number; problem: RegExp; from: number }[] = [];
        // A byte the grammar refuses: after "9876", an "x".
        const corrupt = Buffer.from(original);
        corrupt[marker + 4] = 0x78;
        cases.push({ what: "corrupt", bytes: corrupt, at: marker + 4, problem: /is not valid JSON/, from: start });
        // Cut inside the number, inside an escape and after a value.
        const escape = original.indexOf("\\u", marker);
        for (const cut of [marker + 4, original.lastIndexOf(","), ...(escape > 0 ? [escape + 3] : [])]) {
          cases.push({ what: `cut at ${cut}`, bytes: original.subarray(0, cut), at: cut, problem: /ends before its JSON does \(truncated\)/, from: start });
        }
        // Not UTF-8: a lone continuation byte, a sequence cut short, an overlong form, a surrogate, beyond U+10FFFF.
        for (const bad of [[0x80], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
          const bytes = Buffer.concat([original.subarray(0, marker), Buffer.from(bad), original.subarray(marker)]);
          cases.push({ what: `bytes ${bad.join(",")}`, bytes, at: marker, problem: /is not valid UTF-8/, from: 0 });
        }
        // Not UTF-8 late and a JSON error early: the file is refused as text first.
        const both = Buffer.concat([original.subarray(0, marker), Buffer.from([0xff]), original.subarray(marker)]);
        both[start + 1] = 0x78;
        cases.push({ what: "both", bytes: both, at: marker, problem: /is not valid UTF-8/, from: 0 });
        // A multi-byte character cut short by the end of the file.
        if (how !== "python") {
          const euro = original.indexOf("€", Math.floor(original.length / 2));
          cases.push({ what: "cut in a character", bytes: original.subarray(0, euro + 2), at: euro, problem: /is not valid UTF-8/, from: 0 });
        }
        for (const c of cases) {
          const name = await put(c.bytes);
          for (const window of [16, 64, 1000, WINDOW_BYTES]) {
            const error = await errorOf(name, window);
            const where = `${how} bom ${bom} ${c.what} window ${window}`;
            expect({ line: error.line, column: error.column, offset: error.offset }, where).toEqual(decodedPosition(c.bytes, c.from, c.at));
            expect(error.message, where).toMatch(c.problem);
            expect(error.message, where).toContain(`at line ${error.line}, column ${error.column} (offset ${error.offset})`);
          }
          expect(openOn(join(scratch, name)), c.what).toBe(0);
        }
      }
    }
  });

  it("an error inside a record larger than the window, and not UTF-8 split by a boundary at every offset", async () => {
    const big = `{"a": 1, "big": {"text": "${"é".repeat(3000)}", "n": [1, 2, 3x]}, "z": 2}`;
    const at = Buffer.from(big).indexOf("x]");
    const name = await put(big);
    for (const window of [16, 100, 1000]) {
      const error = await errorOf(name, window);
      expect({ line: error.line, column: error.column, offset: error.offset }).toEqual(decodedPosition(Buffer.from(big), 0, at));
    }
    for (let pad = 0; pad < 20; pad++) {
      const bytes = Buffer.concat([Buffer.from(`{"a": "${"v".repeat(pad)}`), Buffer.from([0xe2, 0x82]), Buffer.from(`x"}`)]);
      const file = await put(bytes);
      const error = await errorOf(file, 16);
      expect(error, `pad ${pad}`).toMatchObject({ line: 1, column: pad + 8, offset: pad + 7 });
      expect(error.message).toMatch(/is not valid UTF-8/);
    }
  });

  it("the same JSON errors as before for the smallest files: empty, blank, not a container, trailing text, nested too deep", async () => {
    const cases: [string, RegExp, number][] = [
      ["", /ends before its JSON does/, 0],
      ["  \n ", /ends before its JSON does/, 4],
      ['  "text"', /holds neither a JSON object nor an array/, 2],
      ["{} x", /is not valid JSON/, 3],
      ["[1,]", /is not valid JSON/, 3],
      ['{"a": 1,}', /is not valid JSON/, 8],
      [`[${"[".repeat(2_001)}${"]".repeat(2_001)}]`, /is not valid JSON/, 2_001],
    ];
    for (const [text, problem, offset] of cases) {
      const name = await put(text);
      for (const window of [4, 1000]) {
        const error = await errorOf(name, window);
        expect(error.message, JSON.stringify(text)).toMatch(problem);
        expect(error.offset, JSON.stringify(text)).toBe(offset);
      }
    }
    const empty = (await readLegacyFile(scratch, await put("{ }"), 4))!;
    expect(empty.size).toBe(0);
    expect(openOn(join(scratch, "data.json"))).toBe(0);
  });

  it("a file changed after it was checked is refused when its records are read, not parsed as it now is", async () => {
    const value = sample(100);
    const name = await put(toPythonJson(value));
    const content = (await readLegacyFile(scratch, name, 64))!;
    expect(content.recordAt(0)).toEqual(whole(value).records[0]);
    await writeFile(join(scratch, name), toPythonJson({ ...value, [Object.keys(value)[50]!]: "changed" }));
    await utimes(join(scratch, name), new Date(), new Date(Date.now() + 5_000));
    expect(() => content.recordAt(60)).toThrow(/data\.json: changed while it was being imported/);
    expect(openOn(join(scratch, name))).toBe(0);
  });
});

describe("the file descriptors of an import", () => {
  const FILES = ["topics.json", "entries.json", "sessions.json", "messages.json"];

  it("a file is open while its records are pending and closed when every record is released or on close()", async () => {
    const name = await put(toPythonJson(sample(50)));
    const path = join(scratch, name);
    const first = (await readLegacyFile(scratch, name, 64))!;
    expect(openOn(path)).toBe(1);
    readAll(first);
    expect(openOn(path)).toBe(0);
    const second = (await readLegacyFile(scratch, name, 64))!;
    second.recordAt(3);
    second.close();
    second.close();
    expect(openOn(path)).toBe(0);
    expect(() => second.recordAt(4)).toThrow(/data\.json is closed/);
  });

  it("closes every file after a full import, an interrupted one, a failed one and a refused one", async () => {
    const data = await generateAppData(join(scratch, "app"), 3);
    const paths = FILES.map((f) => join(data.dir, f));
    const none = () => paths.map(openOn);
    const zero = FILES.map(() => 0);

    const full = await importLegacy({ dir: data.dir, into: memoryBackend() });
    expect(full.interrupted).toBe(false);
    expect(none()).toEqual(zero);

    const controller = new AbortController();
    controller.abort();
    const interrupted = await importLegacy({ dir: data.dir, into: memoryBackend(), signal: controller.signal });
    expect(interrupted.interrupted).toBe(true);
    expect(none()).toEqual(zero);

    const backend = memoryBackend();
    const failing = new Proxy(backend, {
      get(target, prop, receiver) {
        if (prop === "applyReplicated") {
          return (collection: string, rows: never[]) => (collection === "journalEntries" ? Promise.reject(new Error("disk full")) : target.applyReplicated(collection as never, rows));
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await expect(importLegacy({ dir: data.dir, into: failing })).rejects.toThrow(/disk full/);
    expect(none()).toEqual(zero);

    await writeFile(paths[2]!, "{ not json");
    await expect(importLegacy({ dir: data.dir, into: memoryBackend() })).rejects.toBeInstanceOf(LegacyFileError);
    expect(none()).toEqual(zero);
  });

  it("an import through many windows gives the rows of one through a single window", async () => {
    // generateAppData's files are tens of kilobytes: read them through 4-byte to whole-file windows.
    const data = await generateAppData(join(scratch, "app"), 8);
    for (const f of FILES) {
      const expected = whole(JSON.parse(await readFile(join(data.dir, f), "utf8")));
      for (const window of [4, 333, WINDOW_BYTES]) expect(readAll((await readLegacyFile(data.dir, f, window))!), `${f} ${window}`).toEqual(expected);
    }
  });
});
