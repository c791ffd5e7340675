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
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) console.error("no test ran");
process.exit(failed > 0 || passed === 0 ? 1 : 0);
