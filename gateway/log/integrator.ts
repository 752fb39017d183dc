import type { Store } from '../store/db';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Signer } from '../crypto/sign';
import { lastCheckpoint, saveCheckpoint, type NoteKey, type SavedCheckpoint } from './checkpoint-store';
import { integrate } from './store';

/** The integrator settings of the gateway config (trust.*). */
export const integratorOptions = (trust: { checkpointEveryEntries: number; checkpointIntervalMs: number }): IntegratorOptions => ({
  checkpointEveryEntries: trust.checkpointEveryEntries,
  checkpointIntervalMs: trust.checkpointIntervalMs,
  batch: 10_000,
});

interface IntegratorOptions {
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
  private readonly listeners: Array<(cp: SavedCheckpoint) => void> = [];

  constructor(
    private readonly store: Store,
    /** The log key, read at each checkpoint (a renewal signs the next checkpoint with the new key). */
    private readonly signer: () => Signer,
    private readonly clock: Clock,
    private readonly opts: IntegratorOptions,
    private readonly log: Logger,
    /** Also signs each checkpoint as a C2SP signed note with this key (null: JSON checkpoints only). */
    private readonly noteKey: NoteKey | null = null,
  ) {}

  /** Called after each new checkpoint has committed (e.g. to send it to the witnesses). */
  onCheckpoint(listener: (cp: SavedCheckpoint) => void): void {
    this.listeners.push(listener);
  }

  start(tickMs = Math.min(1000, this.opts.checkpointIntervalMs)): void {
    this.timer = setInterval(() => this.wake(), tickMs);
    this.timer.unref();
  }

  /**
   * Stops the timer and signs what arrived since the last checkpoint, so a clean
   * shutdown leaves no unsigned tail (a crash leaves at most checkpointIntervalMs of one).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.again = false;
    await this.running;
    await this.runOnce(true).catch((err) => this.log.error({ err }, 'signing the last checkpoint at shutdown failed'));
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
  async runOnce(force = false): Promise<SavedCheckpoint | null> {
    let made: SavedCheckpoint | null = null;
    for (;;) {
      const out = await this.store.tx(async (db) => {
        const { head, added } = await integrate(db, this.opts.batch);
        const last = await lastCheckpoint(db);
        const size = head.frontier.size;
        const now = this.clock.now();
        const due =
          size > last.size &&
          (force || size - last.size >= this.opts.checkpointEveryEntries || now.getTime() - (last.at?.getTime() ?? 0) >= this.opts.checkpointIntervalMs);
        const cp = due ? await saveCheckpoint(db, this.signer(), head, last, now, this.noteKey) : null;
        return { added, cp };
      });
      if (out.cp) {
        made = out.cp;
        for (const l of this.listeners) l(out.cp);
      }
      if (out.added < this.opts.batch) return made;
    }
  }
}
