import type { Store } from '../store/db';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Signer } from '../crypto/sign';
import { signCheckpoint, type Checkpoint } from './checkpoint';
import { integrate, rootOf } from './store';

/** The integrator settings of the gateway config (trust.*). */
export const integratorOptions = (trust: { checkpointEveryEntries: number; checkpointIntervalMs: number }): IntegratorOptions => ({
  checkpointEveryEntries: trust.checkpointEveryEntries,
  checkpointIntervalMs: trust.checkpointIntervalMs,
  batch: 10_000,
});

export interface IntegratorOptions {
  /** A checkpoint at least every N new entries … */
  checkpointEveryEntries: number;
  /** … or every T ms when anything is new. */
  checkpointIntervalMs: number;
  /** Entries integrated per transaction. */
  batch: number;
}

/**
 * The sequencer half of the log (as in Trillian): writers only append entries
 * with their index and leaf hash; this integrates them into the stored tree
 * (O(1) amortised node writes per entry) and signs checkpoints — one signature
 * covers every entry up to its size. Safe with several processes: the head row
 * is locked for each pass.
 */
export class LogIntegrator {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly signer: Signer,
    private readonly clock: Clock,
    private readonly opts: IntegratorOptions,
    private readonly log: Logger,
  ) {}

  start(tickMs = Math.min(1000, this.opts.checkpointIntervalMs)): void {
    this.timer = setInterval(() => this.wake(), tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .then(() => undefined)
      .catch((err) => this.log.error({ err }, 'log integration failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Integrates everything committed so far; signs a checkpoint when due (or when
   * `force`, and the tree grew since the last one). Returns the new checkpoint, if any.
   */
  async runOnce(force = false): Promise<Checkpoint | null> {
    let made: Checkpoint | null = null;
    for (;;) {
      const out = await this.store.tx(async (db) => {
        const { head, added } = await integrate(db, this.opts.batch);
        const last = await db.query<{ size: number; at: Date }>('SELECT size, at FROM checkpoints ORDER BY size DESC LIMIT 1');
        const lastSize = Number(last.rows[0]?.size ?? 0);
        const lastAt = last.rows[0]?.at.getTime() ?? 0;
        const size = head.frontier.size;
        const now = this.clock.now();
        const due =
          size > lastSize &&
          (force || size - lastSize >= this.opts.checkpointEveryEntries || now.getTime() - lastAt >= this.opts.checkpointIntervalMs);
        let cp: Checkpoint | null = null;
        if (due) {
          const root = rootOf(head);
          cp = signCheckpoint(this.signer, head.alg, size, root, now);
          await db.query(
            `INSERT INTO checkpoints (size, alg, root, at, body, sig_alg, signature, key_fingerprint) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
            [size, head.alg, root, now, cp.body, cp.signature.alg, cp.signature.value, cp.signature.certificate],
          );
        }
        return { added, cp };
      });
      if (out.cp) made = out.cp;
      if (out.added < this.opts.batch) return made;
    }
  }
}
