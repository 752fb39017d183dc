/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // Transpile only: `npm test` type-checks the whole project with tsc first.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }] },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  // Slowest files first (known durations when jest has no cache, as in CI).
  testSequencer: '<rootDir>/tests/support/sequencer.js',
  reporters: ['default', '<rootDir>/tests/support/count-reporter.js'],
  // Generous: hooks start gateways, databases and mock agencies on a 2-core machine that may be busy.
  testTimeout: 60000,
  // Three on this 2-core machine: with two, the cores were ≈ 14 % idle while workers waited on the processes
  // they start (the real xgw CLI and server, chromium, openssl); side by side the PGlite pass took 539 s
  // with three against 618 s with two (2,118 tests each, all passed).
  maxWorkers: 3,
  // A worker whose heap holds more than 600 MB after a test file is replaced by a fresh one (Jest measures
  // heapUsed). Without it each worker ended a pass as a 2.1–2.5 GB process, heavy to collect all along, whose
  // teardown outlasted Jest's 500 ms grace at the end: Jest killed it and printed "A worker process has failed
  // to exit gracefully" although nothing was left open (each worker had emitted 'exit' within 1 ms of being
  // asked to end). Side by side on PGlite: 448 s with it (9 replacements, no warning, workers ending at
  // 0.35–1.1 GB), 569 s without it (the warning, workers ending at 3.8–4.0 GB); 478 s with 1 GB.
  workerIdleMemoryLimit: '600MB',
};
