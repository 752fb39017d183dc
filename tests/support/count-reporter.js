// Writes the run's pass/fail counts to $XGW_COUNT_FILE (if set) so .ci/run can
// print its own "N passed, N failed" line summed over several runs. In CI it also
// prints the slowest test files, so the suite's time has names attached.
const fs = require('node:fs');
const path = require('node:path');
class CountReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const file = process.env.XGW_COUNT_FILE;
    if (file) fs.appendFileSync(file, `${passed} ${failed}\n`);
    if (process.env.CI === 'true') {
      const slowest = results.testResults
        .map((r) => ({ file: path.relative(process.cwd(), r.testFilePath), ms: r.perfStats.end - r.perfStats.start }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 12);
      process.stdout.write(`slowest test files:\n${slowest.map((s) => `  ${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.file}`).join('\n')}\n`);
    }
  }
}
module.exports = CountReporter;
