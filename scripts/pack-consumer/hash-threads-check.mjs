// Run by esm.mjs and cjs.cjs with the package as each loaded it: jsonFileSource's hashing
// threads work from the installed package. The worker module ships beside the build that starts
// it and answers a task; a threaded digest of a JSON store equals the one-thread digest, with no
// JOURNAL_STORE_HASH_THREAD warning (the one a worker that cannot start raises).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

const USERS = 20_000;

/** `api`: the package's main entry as loaded (ESM or CJS); `workerPath`: the shipped worker module of that build. */
export async function checkHashThreads(api, workerPath) {
  const warnings = [];
  const onWarning = (w) => w.code === "JOURNAL_STORE_HASH_THREAD" && warnings.push(w.message);
  process.on("warning", onWarning);
  const dir = await mkdtemp(join(tmpdir(), "journal-store-pack-json-"));
  try {
    const workerReply = await new Promise((resolve, reject) => {
      const worker = new Worker(workerPath);
      worker.once("error", reject);
      worker.once("message", (reply) => void worker.terminate().then(() => resolve(reply)));
      // A task of no rows (the shape of HashTask in src/backends/json/hash-threads.ts).
      const none = { ids: new SharedArrayBuffer(0), starts: new Float64Array(0), lengths: new Uint32Array(0), lines: new Uint32Array(0) };
      worker.postMessage({ collection: "users", file: { fd: -1, path: "none" }, ...none, next: new SharedArrayBuffer(4), hashes: new SharedArrayBuffer(0), done: new SharedArrayBuffer(0) });
    });
    const store = api.jsonFileBackend({ dir, autoCompact: false });
    const at = "2026-01-05T09:00:00.000Z";
    const rows = Array.from({ length: USERS }, (_, n) => ({
      id: `01900001-0000-7000-8000-${n.toString(16).padStart(12, "0")}`,
      version: 1,
      createdAt: at,
      updatedAt: at,
      deleted: false,
      email: `user${n}@example.com`,
      emailKey: `user${n}@example.com`,
      displayName: `User ${n}`,
      passwordHash: null,
      privacyLevel: "private",
      preferences: { theme: n % 2 ? "dark" : "light" },
      timezone: "UTC",
      active: true,
      lastLoginAt: null,
    }));
    // Batches of 500: the JSON engine checks a unique key against every row of the same transaction.
    for (let i = 0; i < rows.length; i += 500) await store.applyReplicated("users", rows.slice(i, i + 500));
    await store.compact();
    await store.close();
    const digest = async (options) => {
      const source = api.jsonFileSource({ dir, ...options });
      try {
        return await source.digest("users", {});
      } finally {
        await source.close();
      }
    };
    const threaded = await digest({ hashThreads: 2, minRowsPerHashThread: 1000 });
    const single = await digest({ hashThreads: 0 });
    return { workerReply, sameDigest: JSON.stringify(threaded) === JSON.stringify(single) && threaded[0].count === USERS, warnings };
  } finally {
    process.off("warning", onWarning);
    await rm(dir, { recursive: true, force: true });
  }
}
