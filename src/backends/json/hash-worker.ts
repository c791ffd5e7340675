import { parentPort } from "node:worker_threads";
import { CorruptStoreError } from "./errors.js";
import { realFs } from "./fs.js";
import { type HashReply, type HashTask, runHashJobs } from "./hash-threads.js";

/**
 * A hashing thread of `jsonFileSource` (started by `hash-threads.ts`): claims jobs of the task it
 * is given until none is left, reading rows through the file descriptor the source holds open
 * (threads share the process's descriptors) and writing their hashes into the shared array;
 * then replies that it finished, or with the error that stopped it.
 */
parentPort!.once("message", (task: HashTask) => {
  runHashJobs(realFs, task).then(
    () => parentPort!.postMessage({ finished: true } satisfies HashReply),
    (error: unknown) =>
      parentPort!.postMessage({
        error:
          error instanceof CorruptStoreError
            ? { corrupt: true, file: error.file, line: error.line, problem: error.problem }
            : { corrupt: false, message: error instanceof Error ? error.message : String(error) },
      } satisfies HashReply),
  );
});
