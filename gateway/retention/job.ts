import path from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import type { Clock } from '../clock';
import type { Store } from '../store/db';
import type { LogHashAlg } from '../merkle/hash';
import { BodyArchive } from './archive';
import { pruneBodies, type PruneReport } from './pruner';
import { pruneServiceCalls, type CallPruneReport } from './calls';
import { pruneAttachments, type AttachmentPruneReport } from './attachments';
import { Periodic } from '../periodic';

/** The archive the configuration names (archive mode), wherever bodies are read or written. */
export function archiveOf(config: Readonly<GatewayConfig>): BodyArchive | null {
  const r = config.retention;
  return r.mode === 'archive' ? new BodyArchive(path.resolve(r.archiveDir ?? path.join(config.dataDir, 'archive'))) : null;
}

/** What one pass did: message bodies (the top-level figures), service-call bodies, attachment bytes; logIndices holds every batch's entry. */
export interface RetentionReport extends PruneReport {
  serviceCalls: CallPruneReport;
  attachments: AttachmentPruneReport;
}

/**
 * Retention on a timer (every retention.intervalMs, and once at start: it catches up after downtime):
 * message bodies (bodiesAfterDays), service-call bodies (serviceCallsAfterDays), attachment bytes
 * (attachmentsAfterDays); each part is off while its setting is null, the job while all are.
 */
export class RetentionJob {
  private readonly schedule: Periodic;
  /** Where archive mode writes and bodies are read back from (null in drop mode). */
  readonly archive: BodyArchive | null;

  constructor(
    private readonly store: Store,
    private readonly config: Readonly<GatewayConfig>,
    private readonly clock: Clock,
    private readonly alg: LogHashAlg,
    private readonly log: Logger,
  ) {
    this.archive = archiveOf(config);
    this.schedule = new Periodic(
      () =>
        this.runOnce()
          .then((r) => {
            if (r.pruned) this.log.info({ pruned: r.pruned, waiting: r.waiting }, 'retention: message bodies pruned');
            if (r.serviceCalls.pruned) this.log.info({ pruned: r.serviceCalls.pruned }, 'retention: service-call bodies pruned');
            if (r.attachments.pruned) this.log.info({ pruned: r.attachments.pruned, bytes: r.attachments.bytes }, 'retention: attachment bytes pruned');
          })
          .catch((err) => this.log.error({ err }, 'retention pass failed')),
      config.retention.intervalMs,
    );
  }

  get enabled(): boolean {
    const r = this.config.retention;
    return r.bodiesAfterDays !== null || r.serviceCallsAfterDays !== null || r.attachmentsAfterDays !== null;
  }

  /** One pass now (the CLI, tests); resolves with what it pruned. */
  async runOnce(): Promise<RetentionReport> {
    const r = this.config.retention;
    const common = { archive: this.archive, clock: this.clock, alg: this.alg };
    const bodies: PruneReport =
      r.bodiesAfterDays === null
        ? { pruned: 0, waiting: 0, logIndices: [] }
        : await pruneBodies(this.store, { policy: { days: r.bodiesAfterDays, mode: r.mode, batchSize: r.batchSize }, ...common });
    const serviceCalls: CallPruneReport =
      r.serviceCallsAfterDays === null ? { pruned: 0, logIndices: [] } : await pruneServiceCalls(this.store, { days: r.serviceCallsAfterDays, mode: r.mode, batchSize: r.batchSize, ...common });
    const attachments: AttachmentPruneReport =
      r.attachmentsAfterDays === null ? { pruned: 0, bytes: 0, logIndices: [] } : await pruneAttachments(this.store, { days: r.attachmentsAfterDays, mode: r.mode, ...common });
    return { ...bodies, logIndices: [...bodies.logIndices, ...serviceCalls.logIndices, ...attachments.logIndices], serviceCalls, attachments };
  }

  start(): void {
    if (this.enabled) this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}
