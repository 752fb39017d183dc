import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { Db, Store } from '../store/db';
import { Periodic } from '../periodic';

/**
 * Attachment blobs no document references (an upload whose document never took it, an
 * upload cut off half-way) leave the database after a grace period: one statement per
 * batch picks blobs older than the cut-off both by creation and by last reuse (used_at,
 * set when an upload of the same bytes takes them up), with no document_attachments row,
 * and locks them FOR UPDATE SKIP LOCKED, so a blob a reference is being added to right now
 * (the foreign key's KEY SHARE lock) is skipped; the DELETE cascades to the chunks. An
 * upload that takes up a blob the sweep holds waits for it and, finding it gone, stores its
 * own copy (attachments.ts): the reference always wins. The foreign key from
 * document_attachments stays the last word: a referenced blob is never deleted.
 */
export interface SweepReport {
  removed: number;
  bytes: number;
  /** SHA-256 of the removed complete blobs (incomplete uploads have none). */
  digests: string[];
}

export interface SweepPolicy {
  /** Blobs created and last used before this instant are candidates. */
  before: Date;
  /** At most this many per statement. */
  batchSize: number;
}

/** One batch: removes up to `batchSize` unreferenced blobs older than the cut-off (its own statement, or the caller's transaction). */
export async function sweepOrphanBlobs(db: Db, policy: SweepPolicy): Promise<SweepReport> {
  const r = await db.query<{ sha256: string | null; size: string }>(
    `WITH doomed AS (
       SELECT b.id FROM attachment_blobs b
       WHERE b.created_at < $1 AND (b.used_at IS NULL OR b.used_at < $1)
         AND NOT EXISTS (SELECT 1 FROM document_attachments a WHERE a.sha256 = b.sha256)
       ORDER BY b.created_at
       LIMIT $2
       FOR UPDATE OF b SKIP LOCKED
     )
     DELETE FROM attachment_blobs b USING doomed WHERE b.id = doomed.id
     RETURNING b.sha256, b.size`,
    [policy.before, policy.batchSize],
  );
  return {
    removed: r.rows.length,
    bytes: r.rows.reduce((n, x) => n + Number(x.size), 0),
    digests: r.rows.map((x) => x.sha256).filter((x): x is string => x !== null),
  };
}

/** Batches until one comes back short: every orphan past the grace period, as of now. */
export async function sweepAllOrphanBlobs(store: Store, clock: Clock, graceHours: number, batchSize = 100): Promise<SweepReport> {
  const before = new Date(clock.now().getTime() - graceHours * 3_600_000);
  const total: SweepReport = { removed: 0, bytes: 0, digests: [] };
  for (;;) {
    const r = await sweepOrphanBlobs(store, { before, batchSize });
    total.removed += r.removed;
    total.bytes += r.bytes;
    total.digests.push(...r.digests);
    if (r.removed < batchSize) return total;
  }
}

/** The sweep on a timer (every documents.orphanSweepIntervalMs, and once at start). */
export class OrphanBlobSweeper {
  private readonly schedule: Periodic;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policy: { graceHours: number; intervalMs: number },
    log: Logger,
  ) {
    this.schedule = new Periodic(
      () =>
        this.runOnce()
          .then((r) => r.removed && log.info({ removed: r.removed, bytes: r.bytes }, 'attachments: unreferenced blobs removed'))
          .catch((err) => log.error({ err }, 'attachment sweep failed')),
      policy.intervalMs,
    );
  }

  runOnce(): Promise<SweepReport> {
    return sweepAllOrphanBlobs(this.store, this.clock, this.policy.graceHours);
  }

  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}
