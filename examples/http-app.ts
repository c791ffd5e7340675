/**
 * A small HTTP app on `createStoreFromEnv()`: the same code runs on JSON files, dual write or
 * PostgreSQL, chosen by ENABLE_DUAL_WRITE / JOURNAL_STORE_STAGE (docs/configuration.md) with no
 * code change. `PORT` picks the port (0: any free one; the chosen one is printed).
 *
 *   JOURNAL_STORE_JSON_DIR=./data PORT=3000 npx tsx examples/http-app.ts
 *   curl -X POST localhost:3000/users -d '{"email":"ada@example.com","displayName":"Ada"}'
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createStoreFromEnv, CutoverRefusedError, DualWriteBackend, JournalStoreError, type Store } from "../src/index.js";

/**
 * A start in `live` or `complete` right after another stage is the cutover itself, and is gated
 * (docs/cutover-runbook.md): refused, the app says which condition failed and exits 1, so the
 * deployment fails and the previous stage can be redeployed.
 */
async function openStore(): Promise<Store> {
  try {
    return await createStoreFromEnv();
  } catch (error) {
    if (!(error instanceof CutoverRefusedError)) throw error;
    console.error(`not starting in ${error.stage}: the cutover gate refused it`);
    for (const f of error.failed) console.error(`  ${f.condition}: ${f.message}`);
    console.error("fix it and restart, or set JOURNAL_STORE_FORCE_CUTOVER=true to override (recorded)");
    process.exit(1);
  }
}

const store: Store = await openStore();
const stage = store.backend instanceof DualWriteBackend ? store.backend.stage : process.env.JOURNAL_STORE_STAGE || "off";

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

/** Maps the store's typed errors to HTTP statuses; anything else is a 500 without details. */
function fail(res: ServerResponse, error: unknown): void {
  if (error instanceof SyntaxError) return send(res, 400, { error: "invalid JSON body" });
  if (!(error instanceof JournalStoreError)) return send(res, 500, { error: "internal error" });
  const status = { VALIDATION: 400, NOT_FOUND: 404, CONFLICT: 409 }[error.code as string] ?? 503;
  send(res, status, { error: error.message, code: error.code });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname.split("/").filter(Boolean);
  try {
    if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { stage });
    if (req.method === "POST" && url.pathname === "/users") return send(res, 201, await store.users.create(await body(req) as never));
    if (req.method === "POST" && url.pathname === "/entries") return send(res, 201, await store.entries.create(await body(req) as never));
    if (req.method === "GET" && url.pathname === "/entries") {
      const page = await store.entries.list({ userId: url.searchParams.get("userId") ?? "", limit: Number(url.searchParams.get("limit") ?? 50), cursor: url.searchParams.get("cursor") });
      return send(res, 200, page);
    }
    if (req.method === "GET" && url.pathname === "/search") {
      return send(res, 200, await store.entries.search({ userId: url.searchParams.get("userId") ?? "", text: url.searchParams.get("q") ?? "" }));
    }
    if (req.method === "POST" && url.pathname === "/sessions") return send(res, 201, await store.sessions.create(await body(req) as never));
    if (req.method === "POST" && path[0] === "sessions" && path[2] === "messages" && path[1]) {
      return send(res, 201, await store.messages.append({ ...(await body(req)), sessionId: path[1] } as never));
    }
    if (req.method === "GET" && path[0] === "sessions" && path[2] === "messages" && path[1]) {
      return send(res, 200, await store.messages.list({ sessionId: path[1], limit: 500 }));
    }
    send(res, 404, { error: "no such route" });
  } catch (error) {
    fail(res, error);
  }
});

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening on ${typeof address === "object" && address ? address.port : address} (stage ${stage})`);
});

// A graceful stop: no new requests, the store flushed (dual write drains) and closed.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close(async () => {
      await store.close();
      process.exit(0);
    });
  });
}
