// Runs the slowest test files first so the workers finish together (longest job first).
// Jest does this by itself from its cache of the last run's durations; CI starts without
// that cache and would order by file size, leaving a slow real-process file for the end.
// Known durations (seconds, a loaded PostgreSQL run; only their order matters) stand in
// for the cache; a file the cache knows is placed by its cached duration.
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const knownSeconds = {
  'e2e/registry-admin.test.ts': 221,
  'security/crash-durability.test.ts': 195,
  'e2e/evidence.test.ts': 156,
  'security/db-connection-loss.test.ts': 143,
  'e2e/verify-log.test.ts': 119,
  'e2e/graceful-shutdown.test.ts': 114,
  'e2e/workers.test.ts': 109,
  'e2e/supervision-processes.test.ts': 108,
  'browser/console-admin.test.ts': 70,
  'unit/ci-count.test.ts': 63,
  'documents/station-outbound.test.ts': 61,
  'browser/console-supervisor.test.ts': 60,
  'security/validation-limits.test.ts': 60,
  'store/postgres-concurrency.test.ts': 59,
  'delivery/receivers.test.ts': 52,
  'security/push-fuzz.test.ts': 52,
  'security/xml-linear.test.ts': 50,
  'browser/console-auditor.test.ts': 50,
  'documents/station-package.test.ts': 48,
  'e2e/webhook-signature.test.ts': 47,
  'trust/pki-registry.test.ts': 45,
  'documents/serials-concurrency.test.ts': 44,
  'log/scaling.test.ts': 44,
  'browser/console-certificates.test.ts': 44,
  'documents/station-inbound.test.ts': 44,
  'documents/lists-and-serials.test.ts': 44,
  'browser/console-staff.test.ts': 43,
  'api/restart.test.ts': 39,
  'security/headers-and-rate-limits.test.ts': 39,
  'e2e/bundle-recipe.test.ts': 37,
  'e2e/start.test.ts': 36,
  'security/login-limits.test.ts': 36,
  'security/batch-isolation.test.ts': 36,
  'browser/console-documents.test.ts': 35,
  'adapters/agency-outbox-limits.test.ts': 34,
  'security/group-commit-failure.test.ts': 34,
  'log/log-order.test.ts': 33,
  'api/webhook-admin.test.ts': 31,
  'audit/revocation.test.ts': 30,
  'security/known-attacks.test.ts': 30,
  'browser/console-admin-registry.test.ts': 30,
  'security/soap-charset.test.ts': 29,
  'supervision/runners.test.ts': 28,
  'security/input-strings.test.ts': 26,
  'security/log-visibility.test.ts': 26,
  'security/log-checkpoints.test.ts': 26,
  'audit/trace.test.ts': 26,
};
/** Files not measured yet that start real processes or a browser: assume slow. */
const likelySlow = /^(e2e|browser)\//;

class SlowFirst extends Sequencer {
  sort(tests) {
    const seconds = (test) => {
      const cached = this.time(test);
      if (cached != null) return cached / 1000;
      const rel = path.relative(path.join(test.context.config.rootDir, 'tests'), test.path).split(path.sep).join('/');
      return knownSeconds[rel] ?? (likelySlow.test(rel) ? 30 : 0);
    };
    const failed = (test) => (this.hasFailed(test) ? 1 : 0);
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    const keyed = tests.map((test) => ({ test, failed: failed(test), seconds: seconds(test), size: size(test) }));
    keyed.sort((a, b) => b.failed - a.failed || b.seconds - a.seconds || b.size - a.size);
    return keyed.map((k) => k.test);
  }
}

module.exports = SlowFirst;
