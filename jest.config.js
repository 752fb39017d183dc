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
};
