import path from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import type { Clock } from '../clock';
import type { Store } from '../store/db';
import type { LogHashAlg } from '../merkle/hash';
import { BodyArchive } from './archive';
import { pruneBodies, type PruneReport } from './pruner';
import { Periodic } from '../periodic';

/** The archive the configuration names (archive mode), wherever bodies are read or written. */
export function archiveOf(config: Readonly<GatewayConfig>): BodyArchive | null {
  const r = config.retention;
  return r.mode === 'archive' ? new BodyArchive(path.resolve(r.archiveDir ?? path.join(config.dataDir, 'archive'))) : null;
}

/** Retention on a timer (every retention.intervalMs, and once at start: it catches up after downtime); off while bodiesAfterDays is null. */
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
          .then((r) => r.pruned && this.log.info({ pruned: r.pruned, waiting: r.waiting }, 'retention: message bodies pruned'))
          .catch((err) => this.log.error({ err }, 'retention pass failed')),
      config.retention.intervalMs,
    );
  }

  get enabled(): boolean {
    return this.config.retention.bodiesAfterDays !== null;
  }

  /** One pass now (the CLI, tests); resolves with what it pruned. */
  runOnce(): Promise<PruneReport> {
    const r = this.config.retention;
    if (r.bodiesAfterDays === null) return Promise.resolve({ pruned: 0, waiting: 0, logIndices: [] });
    return pruneBodies(this.store, {
      policy: { days: r.bodiesAfterDays, mode: r.mode, batchSize: r.batchSize },
      archive: this.archive,
      clock: this.clock,
      alg: this.alg,
    });
  }

  start(): void {
    if (this.enabled) this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}
