// Prints the plain closing line CI reads ("N passed, N failed, N skipped") and, loudly,
// every test service that was missing so its tests were skipped.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipLog = join(process.cwd(), 'node_modules', '.cache', 'ponte-test-skips.log');
    if (existsSync(skipLog)) {
      const lines = [...new Set(readFileSync(skipLog, 'utf8').split('\n').filter(Boolean))];
      if (lines.length) {
        process.stdout.write('\n!!! SKIPPED: test services missing on this machine (set PONTE_TEST_REQUIRE_SERVICES=1 to fail instead):\n');
        for (const l of lines) process.stdout.write(`!!!   ${l}\n`);
      }
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
