import { Worker } from "node:worker_threads";
import type { CollectionName } from "../../model/rows.js";
import { CorruptStoreError } from "./errors.js";
import type { FsLayer } from "./fs.js";
import { hashRowsInFile, type RowFile, type RowSpans } from "./row-reader.js";

/**
 * Hashing a snapshot's rows on several threads. A compare's checksums cost the JSON side about
 * 11-13 µs of CPU a row (parsing the line, the canonical text, its hash), and PostgreSQL digests
 * its side in a fifth of that, so the JSON side sets the pace. This thread and worker threads
 * take jobs of JOB_ROWS consecutive rows by incrementing one shared counter (no thread waits for
 * another to hand it work), read them through the descriptor the source already holds (threads
 * share it), hash them with the same code (`row-reader.ts`) and write the hashes into one shared
 * array. Measured in bench/sync.ts (compare on one thread and with one worker, side by side).
 *
 * A worker that cannot start (a bundler that left `hash-worker` behind) or fails for any reason
 * other than a damaged row leaves the jobs it did not finish to this thread, with one process
 * warning: the hashes are the same, only slower. A damaged row fails the digest as it would on
 * this thread.
 */

/** Rows per job: small enough that the threads finish close together, large enough that claiming one costs nothing. */
const JOB_ROWS = 2048;

/** What a worker is given: the whole collection's rows, and the shared counter, hashes and finished-job flags. */
export interface HashTask {
  collection: CollectionName;
  file: RowFile;
  spans: RowSpans;
  /** Int32: the next job to claim. */
  next: SharedArrayBuffer;
  /** BigInt64 per position. */
  hashes: SharedArrayBuffer;
  /** Uint8 per job: 1 once its hashes are written. */
  done: SharedArrayBuffer;
}

/** A worker's answer once no job is left, or what stopped it. */
export type HashReply =
  | { finished: true }
  | { error: { corrupt: true; file: string; line: number | undefined; problem: string } | { corrupt: false; message: string } };

/** How rows are split over threads. */
export interface HashThreading {
  /** Worker threads besides this one; 0 hashes here only. */
  threads: number;
  /** Rows each thread must have at least for a worker to be started. */
  minRowsPerThread: number;
  /** Workers running now, so that closing the source can stop them. */
  live: Set<RunningWorker>;
}

/** Claims and hashes jobs of `task` until none is left (this thread's side and the worker's). */
export async function runHashJobs(fs: FsLayer, task: HashTask): Promise<void> {
  const next = new Int32Array(task.next);
  const hashes = new BigInt64Array(task.hashes);
  const done = new Uint8Array(task.done);
  const n = task.spans.ids.length;
  for (let job = Atomics.add(next, 0, 1); job * JOB_ROWS < n; job = Atomics.add(next, 0, 1)) {
    await hashRowsInFile(fs, task.file, task.collection, task.spans, hashes, job * JOB_ROWS, Math.min(n, (job + 1) * JOB_ROWS));
    Atomics.store(done, job, 1);
  }
}

/** The file's rows of `spans` hashed by position (rows not in the file left 0), by this thread and up to `threads` workers. */
export async function hashRowsInThreads(fs: FsLayer, collection: CollectionName, file: RowFile, spans: RowSpans, threading: HashThreading): Promise<BigInt64Array> {
  const n = spans.ids.length;
  const workers = Math.max(0, Math.min(threading.threads, Math.floor(n / threading.minRowsPerThread) - 1));
  if (workers === 0) {
    const hashes = new BigInt64Array(n);
    await hashRowsInFile(fs, file, collection, spans, hashes);
    return hashes;
  }
  const jobs = Math.ceil(n / JOB_ROWS);
  const task: HashTask = {
    collection,
    file,
    spans,
    next: new SharedArrayBuffer(4),
    hashes: new SharedArrayBuffer(8 * n),
    done: new SharedArrayBuffer(jobs),
  };
  const next = new Int32Array(task.next);
  const started = Array.from({ length: workers }, () => hashInWorker(task, threading.live));
  const done = new Uint8Array(task.done);
  try {
    await runHashJobs(fs, task);
  } catch (error) {
    Atomics.store(next, 0, jobs); // the workers claim nothing more
    for (const w of started) w.stop();
    throw error;
  }
  // A worker still starting when this thread has done every job is not waited for.
  if (done.every((d) => d === 1)) for (const w of started) w.stop();
  const corrupt = (await Promise.all(started.map((w) => w.result))).find((r) => r !== null);
  if (corrupt) throw corrupt;
  // Jobs a failed worker claimed and did not finish.
  const hashes = new BigInt64Array(task.hashes);
  for (let job = 0; job < jobs; job++) {
    if (done[job] !== 1) await hashRowsInFile(fs, file, collection, spans, hashes, job * JOB_ROWS, Math.min(n, (job + 1) * JOB_ROWS));
  }
  return hashes;
}

/** A worker running a task: see {@link hashInWorker}. */
export interface RunningWorker {
  /** Null when it finished, failed (warned once; its unfinished jobs left undone) or was stopped; the CorruptStoreError it met otherwise. */
  result: Promise<CorruptStoreError | null>;
  /** Stops it at once (no warning): for when every job is done. */
  stop(): void;
}

/** Starts a worker claiming jobs of `task` until none is left. */
export function hashInWorker(task: HashTask, live: Set<RunningWorker>): RunningWorker {
  let worker: Worker;
  try {
    worker = startWorker();
  } catch (error) {
    warnOnce((error as Error).message);
    return { result: Promise.resolve(null), stop: () => {} };
  }
  let settle!: (result: CorruptStoreError | null, failure?: string) => void;
  const result = new Promise<CorruptStoreError | null>((resolve) => {
    let settled = false;
    settle = (outcome, failure) => {
      if (settled) return;
      settled = true;
      live.delete(running);
      if (failure !== undefined) warnOnce(failure);
      void worker.terminate();
      resolve(outcome);
    };
  });
  worker.once("message", (reply: HashReply) => {
    if ("finished" in reply) settle(null);
    else if (reply.error.corrupt) settle(new CorruptStoreError(reply.error.file, reply.error.problem, { line: reply.error.line }));
    else settle(null, reply.error.message);
  });
  worker.once("error", (error) => settle(null, error.message));
  worker.once("exit", (code) => settle(null, `it exited with code ${code}`));
  const running: RunningWorker = { result, stop: () => settle(null) };
  live.add(running);
  worker.postMessage(task);
  return running;
}

/**
 * A worker running `hash-worker` beside this module: `hash-worker.js` or `.cjs` in the built
 * package (one of its entries); `hash-worker.ts` when run from source (the repository's tests and
 * benchmarks), loaded through the tsx loader they run with.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  const ext = here.slice(here.lastIndexOf("."));
  const url = new URL(`./hash-worker${ext}`, here);
  // No flags of this process (a loader such as tsx, an instrumentation --import): the module needs none.
  if (ext !== ".ts") return new Worker(url, { execArgv: [] });
  return new Worker(`import("tsx/esm/api").then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(here)}))`, { eval: true });
}

let warned = false;

function warnOnce(why: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`journal-store: a hashing thread failed (${why}); its rows are hashed on the main thread`, { code: "JOURNAL_STORE_HASH_THREAD" });
}
