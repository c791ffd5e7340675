import { describe, expect, it } from "vitest";
import { createStore, memoryBackend, ValidationError } from "../../src/index.js";
import { LIMITS } from "../../src/model/limits.js";

/**
 * What the shared field schemas (model/fields.ts) accept, refuse and return, through the facade:
 * the messages and paths of refused text and JSON fields, and the values they normalise (tags,
 * -0). They are written as refinements, checks and overwrites (nothing allocated per call), so
 * these pin what the zod `superRefine`/`transform` versions before them said and returned.
 */

async function issuesOf(write: () => Promise<unknown>): Promise<readonly { path: string; message: string }[]> {
  const error = await write().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
}

describe("field schemas", async () => {
  const store = createStore({ backend: memoryBackend() });
  const user = await store.users.create({ email: "fields@example.com", displayName: "Fields" });
  const entry = (input: Record<string, unknown>) => store.entries.create({ userId: user.id, content: "body", ...input } as never);

  it("refuses unstorable text with its reason, at the field's path, and accepts the same text when storable", async () => {
    expect(await issuesOf(() => entry({ title: "a\u0000b" }))).toEqual([{ path: "title", message: "contains a NUL character" }]);
    expect(await issuesOf(() => entry({ content: "x\ud800y" }))).toEqual([{ path: "content", message: "contains a lone surrogate" }]);
    expect(await issuesOf(() => entry({ tags: ["ok", "bad\u0000"] }))).toEqual([{ path: "tags.1", message: "contains a NUL character" }]);
    const stored = await entry({ title: "a b 😀" });
    expect(stored.title).toBe("a b 😀");
  });

  it("reports every problem of one write together", async () => {
    const issues = await issuesOf(() => entry({ title: "\u0000", content: "\ud800", metadata: [] }));
    expect(issues.map((i) => i.path).sort()).toEqual(["content", "metadata", "title"]);
  });

  it("refuses a JSON field of the wrong shape, or holding what no backend stores, naming the nested path", async () => {
    expect(await issuesOf(() => entry({ metadata: [1] }))).toEqual([{ path: "metadata", message: "must be a JSON object" }]);
    expect(await issuesOf(() => entry({ metadata: "text" }))).toEqual([{ path: "metadata", message: "must be a JSON object" }]);
    expect(await issuesOf(() => entry({ metadata: { a: { b: "x\u0000" } } }))).toEqual([{ path: "metadata.a.b", message: "contains a NUL character" }]);
    expect(await issuesOf(() => entry({ metadata: { a: [1, Number.NaN] } }))).toEqual([{ path: "metadata.a.1", message: "must be a finite number" }]);
    // Not JSON at all: refused, not cloned (a function cannot be copied).
    expect(await issuesOf(() => entry({ metadata: { f: () => 1 } }))).toEqual([
      { path: "metadata.f", message: "must be JSON (null, boolean, finite number, string, array or plain object)" },
    ]);
    const big = "x".repeat(LIMITS.jsonBytes);
    const [issue] = await issuesOf(() => entry({ metadata: { big } }));
    expect(issue).toEqual({ path: "metadata", message: `must serialise to at most ${LIMITS.jsonBytes} bytes (got ${LIMITS.jsonBytes + 10})` });
  });

  it("returns a JSON field as a copy the caller's object cannot change, with __proto__ kept as plain data", async () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "n": {"m": [1, 2]}}') as Record<string, unknown>;
    const stored = await entry({ metadata });
    (metadata.n as { m: number[] }).m.push(3);
    expect(stored.metadata).toEqual(JSON.parse('{"__proto__": {"polluted": true}, "n": {"m": [1, 2]}}'));
    expect(Object.getPrototypeOf(stored.metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const again = await store.entries.get(stored.id);
    expect(again?.metadata).toEqual(stored.metadata);
  });

  it("normalises tags (trimmed, first-seen order, no duplicates) after checking the raw list", async () => {
    const stored = await entry({ tags: [" b ", "a", "b", "a "] });
    expect(stored.tags).toEqual(["b", "a"]);
    expect(await issuesOf(() => entry({ tags: ["ok", "  "] }))).toEqual([{ path: "tags.1", message: "must not be empty" }]);
    expect(await issuesOf(() => entry({ tags: Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`) }))).toEqual([
      { path: "tags", message: `at most ${LIMITS.tags} tags` },
    ]);
  });

  it("reads -0 as 0 in whole-number and embedding fields", async () => {
    const stored = await entry({ embedding: [-0, 1.5] });
    expect(Object.is(stored.embedding![0], 0)).toBe(true);
    const session = await store.sessions.create({ userId: user.id, title: "s" } as never);
    const message = await store.messages.append({ sessionId: session.id, role: "user", content: "hi", tokens: -0 } as never);
    expect(Object.is((message as { tokens: number }).tokens, 0)).toBe(true);
  });
});
