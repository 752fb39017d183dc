import type { Command } from 'commander';
import { systemClock } from '../clock';
import { createLogger } from '../logger';
import { RetentionJob } from '../retention/job';
import { withStore, print } from './context';

/** `xgw retention run`: one retention pass now, with the configured policy (the gateway also runs it every retention.intervalMs). */
export function registerRetention(program: Command): void {
  const retention = program.command('retention').description('message bodies past the retention period: archive or drop them, keeping digests and the signed log');
  retention
    .command('run')
    .description('prune now: bodies of settled messages older than retention.bodiesAfterDays (XGW_RETENTION_DAYS) leave the database, one signed log entry per batch')
    .action(() =>
      withStore(async (store, config) => {
        const days = config.retention.bodiesAfterDays;
        if (days === null) {
          print('retention is off: set retention.bodiesAfterDays (XGW_RETENTION_DAYS) to keep bodies that many days');
          return;
        }
        const job = new RetentionJob(store, config, systemClock, config.trust.logHashAlg, createLogger('warn'));
        const r = await job.runOnce();
        const where = config.retention.mode === 'archive' ? `archived under ${job.archive?.dir}` : 'dropped';
        print(`${r.pruned} message bod${r.pruned === 1 ? 'y' : 'ies'} older than ${days} day(s) ${where}; log entries ${r.logIndices.length ? r.logIndices.join(', ') : 'none'}`);
        if (r.waiting) print(`${r.waiting} older message(s) keep their bodies until they are settled (queued, retrying or dead letters)`);
      }),
    );
}
