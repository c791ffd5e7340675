import type { Backend } from "../../src/backend.js";
import type { ConformanceTarget } from "../../src/testing/index.js";

/**
 * A conformance target whose second `create()` within one case opens `spare()` instead. The
 * replication case that replays a scan onto a second copy makes one; a target whose copies share
 * storage (one database emptied per `create()`) would otherwise empty the first copy as it made
 * the second. The case closes the copy it made.
 */
export function withSpareCopy(target: ConformanceTarget, spare: () => Promise<Backend>): ConformanceTarget {
  let inCase = false;
  return {
    ...target,
    async create() {
      if (inCase) return spare();
      inCase = true;
      return target.create();
    },
    async cleanup() {
      inCase = false;
      await target.cleanup?.();
    },
  };
}
