import type { Command } from 'commander';
import { systemClock } from '../clock';
import { createLogger } from '../logger';
import { RetentionJob } from '../retention/job';
import { withStore, print } from './context';

/** `xgw retention run`: one retention pass now, with the configured policy (the gateway also runs it every retention.intervalMs). */
export function registerRetention(program: Command): void {
  const retention = program
    .command('retention')
    .description('bodies past the retention period (messages, service calls, 公文 attachments): archive or drop them, keeping digests and the signed log');
  retention
    .command('run')
    .description(
      'prune now: bodies of settled messages older than retention.bodiesAfterDays (XGW_RETENTION_DAYS), service-call bodies older than retention.serviceCallsAfterDays (XGW_RETENTION_CALL_DAYS), ' +
        'attachment bytes of documents distributed and untouched for retention.attachmentsAfterDays (XGW_RETENTION_ATTACHMENT_DAYS) leave the database, one signed log entry per batch',
    )
    .action(() =>
      withStore(async (store, config) => {
        const r0 = config.retention;
        const job = new RetentionJob(store, config, systemClock, config.trust.logHashAlg, createLogger('warn'));
        if (!job.enabled) {
          print('retention is off: set retention.bodiesAfterDays (XGW_RETENTION_DAYS), retention.serviceCallsAfterDays (XGW_RETENTION_CALL_DAYS) or retention.attachmentsAfterDays (XGW_RETENTION_ATTACHMENT_DAYS)');
          return;
        }
        const r = await job.runOnce();
        const where = r0.mode === 'archive' ? `archived under ${job.archive?.dir}` : 'dropped';
        const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
        if (r0.bodiesAfterDays !== null) print(`${plural(r.pruned, 'message body', 'message bodies')} older than ${r0.bodiesAfterDays} day(s) ${where}`);
        if (r0.serviceCallsAfterDays !== null) print(`${plural(r.serviceCalls.pruned, 'service call', 'service calls')} older than ${r0.serviceCallsAfterDays} day(s): bodies ${where}`);
        if (r0.attachmentsAfterDays !== null) print(`${plural(r.attachments.pruned, 'attachment', 'attachments')} (${r.attachments.bytes} bytes) of documents untouched for ${r0.attachmentsAfterDays} day(s) ${where}`);
        print(`log entries ${r.logIndices.length ? r.logIndices.join(', ') : 'none'}`);
        if (r.waiting) print(`${r.waiting} older message(s) keep their bodies until they are settled (queued, retrying or dead letters)`);
      }),
    );
}
