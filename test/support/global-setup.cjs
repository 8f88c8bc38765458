// Clears the list of skipped test services before a run (see services.ts and summary-reporter.cjs).
const { rmSync } = require('node:fs');
const { join } = require('node:path');
module.exports = async function globalSetup() {
  rmSync(join(process.cwd(), 'node_modules', '.cache', 'ponte-test-skips.log'), { force: true });
};
