/**
 * Three tiers (select one with `--selectProjects`):
 * - unit: pure modules, tests beside them in src/ and channels/ (no database, no network);
 * - integration: in-process tests under test/ (a real SQLite file, the whole app on loopback,
 *   and PostgreSQL when PONTE_TEST_POSTGRES_URL is set: each PostgreSQL variant that cannot run
 *   is reported as skipped with its reason);
 * - services: tests that start or need an outside service: Dovecot (`*.dovecot.test.ts`),
 *   Debian's Chromium (`*.browser.test.ts`), an S3-compatible server (test/storage) and several
 *   gateways on one PostgreSQL (test/cluster).
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
};
const services = [
  '<rootDir>/test/**/*.dovecot.test.ts',
  '<rootDir>/test/**/*.browser.test.ts',
  '<rootDir>/test/storage/**/*.test.ts',
  '<rootDir>/test/cluster/**/*.test.ts',
];
export default {
  testTimeout: 60000,
  // Test files run in a worker process that is replaced once it holds more than this after a
  // file: each ESM test file loads its own copy of the modules and the memory is not all given
  // back. In one process (jest's choice with one worker on 2 cores) it grew past 3 GB over the
  // run and garbage collection slowed every later file; measured on test/core, web, automation
  // and webform: 352 s of CPU in one process, 269 s with this limit (max RSS 2.6 GB, 1.1 GB).
  workerIdleMemoryLimit: '800MB',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/channels/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.dovecot\\.test\\.ts$', '\\.browser\\.test\\.ts$', '/test/storage/', '/test/cluster/'],
    },
    { ...common, displayName: 'services', testMatch: services },
  ],
};
