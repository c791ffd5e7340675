// Prints vitest's JSON report as one plain closing line, "Tests: N passed, N failed, N skipped",
// and exits non-zero when a test failed or none ran (a run that tests nothing is not green).
import { readFileSync } from "node:fs";

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.log("Tests: 0 passed, 1 failed");
  console.error(`no vitest report at ${file}: ${error.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that failed to load has no test results: count it as one failure so it cannot hide.
const brokenFiles = (report.testResults ?? []).filter((f) => f.status === "failed" && (f.assertionResults ?? []).length === 0).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) console.error("no test ran");
process.exit(failed > 0 || passed === 0 || report.success === false ? 1 : 0);
