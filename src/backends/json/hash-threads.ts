import { Worker } from "node:worker_threads";
import type { CollectionName } from "../../model/rows.js";
import { CorruptStoreError } from "./errors.js";
import type { FsLayer } from "./fs.js";
import { hashRowsInFile, type RowFile, type RowSpans } from "./row-reader.js";

/**
 * Hashing a snapshot's rows on several threads. A compare's checksums cost the JSON side about
 * 10 µs of CPU a journal entry (parsing the line, the canonical text, its hash), and PostgreSQL
 * digests its side in a third of that, so the JSON side sets the pace. This thread and worker threads
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

/**
 * What a worker is given: where the collection's rows are, and the shared counter, hashes and
 * finished-job flags. The ids travel as one shared buffer of 36 ASCII bytes each (every id is a
 * lowercase UUID), not as an array of strings a worker would copy into its own heap.
 */
export interface HashTask {
  collection: CollectionName;
  file: RowFile;
  /** 36 bytes per position: the id the index found there. */
  ids: SharedArrayBuffer;
  starts: Float64Array;
  lengths: Uint32Array;
  lines: Uint32Array;
  /** Int32: the next job to claim. */
  next: SharedArrayBuffer;
  /** BigInt64 per position. */
  hashes: SharedArrayBuffer;
  /** Uint8 per job: 1 once its hashes are written. */
  done: SharedArrayBuffer;
}

const ID_BYTES = 36;

/** The task of hashing the file's rows of `spans`, nothing claimed yet. */
export function hashTask(collection: CollectionName, file: RowFile, spans: RowSpans): HashTask {
  const n = spans.ids.length;
  const ids = new SharedArrayBuffer(ID_BYTES * n);
  const idBytes = Buffer.from(ids);
  spans.ids.forEach((id, p) => idBytes.write(id, p * ID_BYTES, ID_BYTES, "latin1"));
  return {
    collection,
    file,
    ids,
    starts: spans.starts,
    lengths: spans.lengths,
    lines: spans.lines,
    next: new SharedArrayBuffer(4),
    hashes: new SharedArrayBuffer(8 * n),
    done: new SharedArrayBuffer(Math.ceil(n / JOB_ROWS)),
  };
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
  const done = new Uint8Array(task.done);
  const n = task.starts.length;
  for (let job = Atomics.add(next, 0, 1); job * JOB_ROWS < n; job = Atomics.add(next, 0, 1)) {
    await hashJob(fs, task, job);
    Atomics.store(done, job, 1);
  }
}

/** Hashes the rows of job `job` into the task's shared hashes. */
async function hashJob(fs: FsLayer, task: HashTask, job: number): Promise<void> {
  const from = job * JOB_ROWS;
  const to = Math.min(task.starts.length, from + JOB_ROWS);
  const idBytes = Buffer.from(task.ids);
  const spans: RowSpans = {
    ids: Array.from({ length: to - from }, (_, k) => idBytes.toString("latin1", (from + k) * ID_BYTES, (from + k + 1) * ID_BYTES)),
    starts: task.starts.subarray(from, to),
    lengths: task.lengths.subarray(from, to),
    lines: task.lines.subarray(from, to),
  };
  await hashRowsInFile(fs, task.file, task.collection, spans, new BigInt64Array(task.hashes, 8 * from, to - from));
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
  const task = hashTask(collection, file, spans);
  const jobs = task.done.byteLength;
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
  for (let job = 0; job < jobs; job++) if (done[job] !== 1) await hashJob(fs, task, job);
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
