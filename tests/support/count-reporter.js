// Writes the run's pass/fail counts to $XGW_COUNT_FILE (if set) so .ci/run can
// print its own "N passed, N failed" line summed over several runs.
const fs = require('node:fs');
class CountReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const file = process.env.XGW_COUNT_FILE;
    if (file) fs.appendFileSync(file, `${passed} ${failed}\n`);
  }
}
module.exports = CountReporter;
