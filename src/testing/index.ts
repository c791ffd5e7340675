/**
 * The conformance suite of the Backend contract, for vitest: `runConformance(name, target)`
 * registers the same cases for any backend. A behaviour the suite does not check is not part of
 * the contract; a new backend adds one line.
 *
 * @example
 * ```ts
 * // test/conformance/memory.test.ts
 * import { memoryBackend } from "@journal/store";
 * import { runConformance } from "@journal/store/testing";
 * runConformance("memory", { create: async () => memoryBackend() });
 * ```
 */
import { describe } from "vitest";
import type { ConformanceTarget } from "./harness.js";
import { analyticsSuite } from "./suites/analytics.js";
import { bulkLoadSuite } from "./suites/bulk-load.js";
import { collectionSuite } from "./suites/collections.js";
import { crudSuite } from "./suites/crud.js";
import { derivedSuite } from "./suites/derived.js";
import { feedSuite } from "./suites/feed.js";
import { digestSuite } from "./suites/digest.js";
import { filterSuite } from "./suites/filters.js";
import { hardNumberSuite } from "./suites/hard-numbers.js";
import { hardValueSuite } from "./suites/hard-values.js";
import { integritySuite } from "./suites/integrity.js";
import { pagingSuite } from "./suites/paging.js";
import { reopenSuite } from "./suites/reopen.js";
import { replicationSuite } from "./suites/replication.js";
import { scanSuite } from "./suites/scan.js";
import { searchSuite } from "./suites/search.js";
import { tombstoneSuite } from "./suites/tombstones.js";
import { topicSuite } from "./suites/topics.js";
import { transactionSuite } from "./suites/transactions.js";

export type { ConformanceTarget, Harness } from "./harness.js";
export { TestClock, sequentialIds, useHarness } from "./harness.js";

/** Every suite, by concern, in the order they run. */
const SUITES = [
  crudSuite,
  collectionSuite,
  derivedSuite,
  tombstoneSuite,
  integritySuite,
  topicSuite,
  filterSuite,
  pagingSuite,
  searchSuite,
  transactionSuite,
  replicationSuite,
  scanSuite,
  feedSuite,
  digestSuite,
  analyticsSuite,
  hardValueSuite,
  hardNumberSuite,
  bulkLoadSuite,
  reopenSuite,
] as const;

/** Registers the whole conformance suite for one backend under `describe(name)`. */
export function runConformance(name: string, target: ConformanceTarget): void {
  describe(`conformance: ${name}`, () => {
    for (const suite of SUITES) suite(target);
  });
}
