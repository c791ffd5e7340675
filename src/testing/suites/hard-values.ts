import { describe, expect, it } from "vitest";
import { ValidationError } from "../../errors.js";
import type { JsonObject } from "../../model/json.js";
import { LIMITS } from "../../model/limits.js";
import { hardValues } from "../fixtures/hard-values.js";
import type { ConformanceTarget } from "../harness.js";
import { useHarness } from "../harness.js";
import { seedUser } from "../seed.js";

const accept = hardValues.accept;
const reject = hardValues.reject;
const NUMBERS: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

/**
 * The shared hard values (fixtures/hard-values.json): every `accept` value round-trips unchanged
 * (and survives a reopen, for durable targets); every `reject` value is a ValidationError at the
 * facade with nothing stored.
 */
export function hardValueSuite(target: ConformanceTarget): void {
  describe("hard values", () => {
    const h = useHarness(target);

    it("accepted texts round-trip unchanged through every text field", async () => {
      const user = await seedUser(h().store);
      const session = await h().store.sessions.create({ userId: user.id });
      const written: { entry: string; message: string; topic: string; session: string; text: string; short: string }[] = [];
      for (const text of accept.text) {
        const short = text.length <= LIMITS.shortTextLength ? text : "short";
        const entry = await h().store.entries.create({ userId: user.id, title: short, content: text, metadata: { text } });
        const message = await h().store.messages.append({ sessionId: session.id, role: "user", content: text, metadata: { text } });
        const topic = await h().store.topics.create({ userId: user.id, name: short, description: text, color: short, tags: text.trim() ? [text.slice(0, 100)] : [] });
        const described = await h().store.sessions.create({ userId: user.id, description: text, metadata: { text } });
        expect(entry).toMatchObject({ title: short, content: text, metadata: { text } });
        expect(topic).toMatchObject({ name: short, description: text, color: short });
        written.push({ entry: entry.id, message: message.id, topic: topic.id, session: described.id, text, short });
        if (text.trim()) {
          const item = await h().store.content.create({ title: short.trim() ? short : "t", content: text, category: text.trim() ? text.slice(0, 100) : "c", evidenceLevel: "strong", source: short });
          expect(await h().store.content.get(item.id)).toMatchObject({ content: text, source: short });
        }
      }
      const check = async () => {
        for (const w of written) {
          expect((await h().store.entries.get(w.entry))?.content).toBe(w.text);
          expect((await h().store.entries.get(w.entry))?.metadata).toEqual({ text: w.text });
          expect((await h().store.messages.get(w.message))?.content).toBe(w.text);
          expect((await h().store.messages.get(w.message))?.metadata).toEqual({ text: w.text });
          expect(await h().store.topics.get(w.topic)).toMatchObject({ name: w.short, description: w.text, color: w.short });
          expect(await h().store.sessions.get(w.session)).toMatchObject({ description: w.text, metadata: { text: w.text } });
        }
      };
      await check();
      if (target.reopen) {
        await h().reopen();
        await check();
      }
    });

    it("search finds every accepted text by each of its words, as typed", async () => {
      const user = await seedUser(h().store);
      for (const text of accept.text) {
        if (!text.trim()) continue;
        const entry = await h().store.entries.create({ userId: user.id, content: text });
        for (const word of text.split(/\s+/u).filter(Boolean).slice(0, 6)) {
          const hits = await h().store.entries.search({ userId: user.id, text: word, limit: 500 });
          expect(hits.items.map((e) => e.id), `"${word}" in "${text.slice(0, 40)}"`).toContain(entry.id);
        }
      }
    });

    it("accepted tag lists are stored trimmed and de-duplicated in first-seen order, and filter exactly", async () => {
      const user = await seedUser(h().store);
      for (const tags of accept.tags) {
        const expected = [...new Set(tags.map((t) => t.trim()))];
        const entry = await h().store.entries.create({ userId: user.id, content: "x", tags });
        expect(entry.tags).toEqual(expected);
        expect((await h().store.entries.get(entry.id))?.tags).toEqual(expected);
        for (const tag of expected) {
          const hits = await h().store.entries.list({ userId: user.id, tags: [tag], limit: 500 });
          expect(hits.items.map((e) => e.id)).toContain(entry.id);
          expect(hits.items.every((e) => e.tags.includes(tag))).toBe(true);
        }
      }
    });

    it("accepted JSON values round-trip (key order aside) through every JSON field, polluting nothing", async () => {
      const user = await seedUser(h().store);
      const ids: { entry: string; session: string; value: JsonObject }[] = [];
      for (const value of accept.json as unknown as JsonObject[]) {
        const entry = await h().store.entries.create({ userId: user.id, content: "x", metadata: value, aiAnalysis: value });
        const session = await h().store.sessions.create({ userId: user.id, aiConfig: value, metadata: value });
        const topic = await h().store.topics.create({ userId: user.id, name: "t", metadata: value });
        expect((await h().store.topics.get(topic.id))?.metadata).toEqual(value);
        await h().store.users.update(user.id, { preferences: value });
        ids.push({ entry: entry.id, session: session.id, value });
        expect((await h().store.users.get(user.id))?.preferences).toEqual(value);
      }
      const check = async () => {
        for (const { entry, session, value } of ids) {
          const stored = await h().store.entries.get(entry);
          expect(stored?.metadata).toEqual(value);
          expect(stored?.aiAnalysis).toEqual(value);
          expect((await h().store.sessions.get(session))?.aiConfig).toEqual(value);
          expect((await h().store.sessions.get(session))?.metadata).toEqual(value);
          if (Object.prototype.hasOwnProperty.call(value, "__proto__")) {
            expect(Object.prototype.hasOwnProperty.call(stored!.metadata, "__proto__")).toBe(true);
            expect(Object.getPrototypeOf(stored!.metadata)).toBe(Object.prototype);
          }
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
      };
      await check();
      if (target.reopen) {
        await h().reopen();
        await check();
      }
    });

    it("rejected texts are ValidationErrors naming the field, in every text field, with nothing stored", async () => {
      const user = await seedUser(h().store);
      const session = await h().store.sessions.create({ userId: user.id });
      for (const text of reject.text) {
        for (const [field, attempt] of [
          ["content", () => h().store.entries.create({ userId: user.id, content: text })],
          ["title", () => h().store.entries.create({ userId: user.id, title: text, content: "ok" })],
          ["tags.0", () => h().store.entries.create({ userId: user.id, content: "ok", tags: [text] })],
          ["displayName", () => h().store.users.create({ email: "new@example.com", displayName: text })],
          ["content", () => h().store.messages.append({ sessionId: session.id, role: "user", content: text })],
          ["title", () => h().store.sessions.update(session.id, { title: text })],
          ["description", () => h().store.sessions.update(session.id, { description: text })],
          ["tags.0", () => h().store.sessions.update(session.id, { tags: [text] })],
          ["name", () => h().store.topics.create({ userId: user.id, name: text })],
          ["description", () => h().store.topics.create({ userId: user.id, name: "t", description: text })],
        ] as const) {
          const error = await attempt().then(() => null, (e: unknown) => e);
          expect(error, `${field} accepted ${JSON.stringify(text)}`).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.map((i) => i.path)).toContain(field);
        }
      }
      expect(await h().backend.count("journalEntries")).toBe(0);
      expect(await h().backend.count("messages")).toBe(0);
      expect(await h().backend.count("topics")).toBe(0);
      expect(await h().backend.count("users")).toBe(1);
      expect((await h().store.sessions.get(session.id))?.version).toBe(1);
    });

    it("rejected JSON values are ValidationErrors naming the path inside the field", async () => {
      const user = await seedUser(h().store);
      for (const value of reject.json) {
        const key = Object.keys(value)[0]!;
        const error = await h().store.entries.create({ userId: user.id, content: "x", metadata: value }).then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues.map((i) => i.path)).toContain(`metadata.${key}`);
        await expect(h().store.users.update(user.id, { preferences: { deep: [value] } })).rejects.toBeInstanceOf(ValidationError);
        await expect(h().store.sessions.create({ userId: user.id, metadata: value })).rejects.toThrow(new RegExp(`metadata\\.${key}`));
        await expect(h().store.topics.create({ userId: user.id, name: "t", metadata: value })).rejects.toThrow(new RegExp(`metadata\\.${key}`));
      }
      expect(await h().backend.count("journalEntries")).toBe(0);
      expect((await h().store.users.get(user.id))?.version).toBe(1);
    });

    it("every accepted session status round-trips; rejected ones are ValidationErrors naming status", async () => {
      const user = await seedUser(h().store);
      for (const status of accept.sessionStatuses) {
        const session = await h().store.sessions.create({ userId: user.id, status: status as never });
        expect((await h().store.sessions.get(session.id))?.status).toBe(status);
      }
      for (const status of reject.sessionStatuses) {
        const error = await h().store.sessions.create({ userId: user.id, status: status as never }).then(() => null, (e: unknown) => e);
        expect(error, `status ${JSON.stringify(status)}`).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues.map((i) => i.path)).toEqual(["status"]);
      }
      expect(await h().backend.count("chatSessions")).toBe(accept.sessionStatuses.length);
    });

    it("rejected numbers are ValidationErrors in every number field, JSON included", async () => {
      const user = await seedUser(h().store);
      const entry = await h().store.entries.create({ userId: user.id, content: "x", mood: 5 });
      for (const name of reject.numbers) {
        const n = NUMBERS[name]!;
        await expect(h().store.entries.create({ userId: user.id, content: "x", mood: n })).rejects.toThrow(/mood/);
        await expect(h().store.entries.update(entry.id, { energy: n })).rejects.toThrow(/energy/);
        await expect(h().store.entries.update(entry.id, { embedding: [1, n] })).rejects.toThrow(/embedding\.1/);
        await expect(h().store.entries.update(entry.id, { metadata: { score: n } })).rejects.toThrow(/metadata\.score/);
      }
      expect(await h().backend.count("journalEntries")).toBe(1);
      expect((await h().store.entries.get(entry.id))?.version).toBe(1);
    });

    it("rejected ids never reach a backend: get, update and delete of every repository, and every id parameter, are ValidationErrors", async () => {
      const user = await seedUser(h().store);
      const s = () => h().store;
      for (const id of reject.ids) {
        const attempts: [string, () => Promise<unknown>][] = [
          ["users.get", () => s().users.get(id)],
          ["users.get withPasswordHash", () => s().users.get(id, { withPasswordHash: true })],
          ["entries.get", () => s().entries.get(id)],
          ["sessions.get", () => s().sessions.get(id)],
          ["messages.get", () => s().messages.get(id)],
          ["content.get", () => s().content.get(id)],
          ["analytics.get", () => s().analytics.get(id)],
          ["migrationLogs.get", () => s().migrationLogs.get(id)],
          ["users.update", () => s().users.update(id, { displayName: "x" })],
          ["entries.update", () => s().entries.update(id, { content: "x" })],
          ["sessions.update", () => s().sessions.update(id, { title: "x" })],
          ["messages.update", () => s().messages.update(id, { content: "x" })],
          ["content.update", () => s().content.update(id, { title: "x" })],
          ["migrationLogs.update", () => s().migrationLogs.update(id, { status: "failed" })],
          ["users.delete", () => s().users.delete(id)],
          ["entries.delete", () => s().entries.delete(id)],
          ["sessions.delete", () => s().sessions.delete(id)],
          ["messages.delete", () => s().messages.delete(id)],
          ["content.delete", () => s().content.delete(id)],
        ];
        for (const [name, attempt] of attempts) {
          const error = await attempt().then(() => null, (e: unknown) => e);
          expect(error, `${name}(${JSON.stringify(id)})`).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.map((i) => i.path)).toEqual(["id"]);
        }
        await expect(h().store.entries.create({ userId: id, content: "x" })).rejects.toThrow(/userId/);
        await expect(h().store.entries.list({ userId: id })).rejects.toThrow(/userId/);
        await expect(h().store.analytics.refresh(id)).rejects.toBeInstanceOf(ValidationError);
        const row = { ...(await h().backend.get("users", user.id))!, id, email: "z@x.io", emailKey: "z@x.io" };
        await expect(h().backend.insert("users", row)).rejects.toBeInstanceOf(ValidationError);
      }
      expect(await h().backend.count("users")).toBe(1);
    });

    it("inputs over the documented limits are ValidationErrors before anything is written", async () => {
      const user = await seedUser(h().store);
      const big = "x".repeat(LIMITS.contentLength + 1);
      await expect(h().store.entries.create({ userId: user.id, content: big })).rejects.toThrow(/content/);
      const manyTags = Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`);
      await expect(h().store.entries.create({ userId: user.id, content: "x", tags: manyTags })).rejects.toThrow(/tags/);
      const hugeJson = { blob: "y".repeat(LIMITS.jsonBytes) };
      await expect(h().store.entries.create({ userId: user.id, content: "x", metadata: hugeJson })).rejects.toThrow(/metadata/);
      let deep: JsonObject = {};
      for (let i = 0; i < LIMITS.jsonDepth + 2; i++) deep = { d: deep };
      await expect(h().store.entries.create({ userId: user.id, content: "x", metadata: deep })).rejects.toThrow(/deeper/);
      expect(await h().backend.count("journalEntries")).toBe(0);
    });

    it("a ValidationError lists every offending field at once", async () => {
      const user = await seedUser(h().store);
      const error = await h()
        .store.entries.create({ userId: user.id, content: 5 as never, mood: 11, entryDate: "2026-02-30", tags: ["ok", ""], favorite: "yes" as never })
        .then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(["content", "entryDate", "favorite", "mood", "tags.1"]);
      expect((error as ValidationError).code).toBe("VALIDATION");
    });
  });
}
