import type { Db, Store } from '../store/db';
import type { GatewayConfig } from '../config';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { AdapterBindings } from '../adapters/bindings';
import type { DeliveryAttempt } from '../../adapters/types';
import { formatTime } from '../clock';
import { claimDue, type ClaimedJob } from './claim';
import { recordReceiverOutcome } from './receiver-breaker';
import { lockMessages, recordStep } from '../exchange/lifecycle';
import type { LogHashAlg } from '../merkle/hash';
import { backoffMs } from './backoff';

/** The outbox settings of the gateway config (delivery.*). */
export type DeliveryOptions = Omit<GatewayConfig['delivery'], 'enabled'>;

/**
 * Runs in the outbox's transaction right after a delivery's 'delivered' step, with what the
 * receiver answered (e.g. the exchange station's 回执/回退, applied to the 公文 by the wiring).
 */
export type DeliveredHook = (db: Db, delivered: { id: string; to: string; type: string; answer?: Record<string, unknown>; at: Date }) => Promise<unknown>;

/**
 * The outbox worker: claims due push deliveries (FOR UPDATE SKIP LOCKED, so
 * several gateway processes share the work without double sends), hands each to
 * the receiver's adapter transport (webhook, SOAP…), and records each attempt.
 * Failures retry with backoff and jitter; after maxAttempts — or at once when the
 * transport says retrying cannot help — the delivery is dead-lettered. A claim holds a lease
 * (locked_until); a crashed process's claims are retried when it expires.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private again = false;
  private stopped = true;
  /** Set by stop(): a pass in progress ends after its current batch. (A never-started worker still runs full passes.) */
  private halted = false;
  private readonly deliveredHooks: DeliveredHook[] = [];

  constructor(
    private readonly store: Store,
    private readonly adapters: AdapterBindings,
    private readonly clock: Clock,
    private readonly opts: DeliveryOptions,
    private readonly log: Logger,
    private readonly alg: LogHashAlg,
    private readonly metrics?: Metrics,
    private readonly random: () => number = Math.random,
  ) {}

  /** Adds a hook run in the transaction of every 'delivered' step (see DeliveredHook). */
  onDelivered(hook: DeliveredHook): void {
    this.deliveredHooks.push(hook);
  }

  start(): void {
    this.stopped = false;
    this.halted = false;
    this.timer = setInterval(() => this.wake(), this.opts.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Runs a pass now (or right after the current one). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .catch((err) => {
        this.log.error({ err }, 'delivery pass failed');
        return 0;
      })
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * One pass: keeps up to `concurrency` jobs in flight, claiming more as each ends (so a slow
   * receiver's attempt never holds back the others'), until nothing is due. Returns how many were attempted.
   */
  async runOnce(): Promise<number> {
    let total = 0;
    const inFlight = new Set<Promise<void>>();
    try {
      for (;;) {
        const free = this.opts.concurrency - inFlight.size;
        const jobs = free > 0 && !this.halted ? await this.claim(free) : [];
        total += jobs.length;
        for (const j of jobs) {
          const p: Promise<void> = this.deliver(j).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        if (!inFlight.size) return total;
        await Promise.race(inFlight);
      }
    } finally {
      await Promise.allSettled(inFlight);
    }
  }

  private claim(limit: number): Promise<ClaimedJob[]> {
    const now = this.clock.now();
    // The claim must outlast the longest attempt any transport can make, or another process would send it again.
    const lease = new Date(now.getTime() + Math.max(this.opts.requestTimeoutMs * 2, this.adapters.maxLeaseMs()));
    return claimDue(this.store, now, lease, { limit, perReceiver: this.opts.perReceiverConcurrency, breakAfterFailures: this.opts.breakAfterFailures });
  }

  private async deliver(job: ClaimedJob): Promise<void> {
    const transport = this.adapters.connectionOf(job.to)?.deliver;
    const result: DeliveryAttempt = transport
      ? await transport(job, job.attempts).catch((err: Error) => ({ ok: false, error: err.message, durationMs: 0 }))
      : { ok: false, error: `member ${job.to} has no push transport (adapter or delivery mode)`, durationMs: 0 };
    this.metrics?.deliveries.inc({ outcome: result.ok ? 'delivered' : result.notAttempted ? 'deferred' : 'failed' });
    const now = this.clock.now();
    const attempt = { attempt: job.attempts, httpStatus: result.httpStatus ?? null, durationMs: result.durationMs, ...(result.answer ? { answer: result.answer } : {}) };
    await this.store.tx(async (db) => {
      // The message row first, then its delivery: the lock order of every lifecycle step.
      const message = await lockMessages(db, [job.id]);
      const cur = await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE id = $1 FOR UPDATE', [job.deliveryId]);
      // Settled meanwhile (pulled or acknowledged), or no longer our claim (its lease ran out and another worker took it).
      if (cur.rows[0]?.status !== 'in_flight' || cur.rows[0].attempts !== job.attempts) return;
      if (result.notAttempted) {
        // Our own circuit breaker or bulkhead held it back: not an attempt and not a message step (no history event);
        // the claim is handed back and the job is due again later.
        await db.query(
          `UPDATE deliveries SET status = 'pending', attempts = attempts - 1, locked_until = NULL, last_error = $2, next_attempt_at = $3, updated_at = $4 WHERE id = $1`,
          [job.deliveryId, result.error, new Date(now.getTime() + (result.retryAfterMs ?? 1000)), now],
        );
        return;
      }
      const step = { at: now, actor: 'gateway' };
      await recordReceiverOutcome(db, job.to, result.ok, now, this.opts, this.random);
      if (result.ok) {
        await recordStep(db, this.alg, message, { ...step, event: 'delivered', detail: { via: 'push', ...attempt }, delivery: { lastError: null } });
        for (const hook of this.deliveredHooks) await hook(db, { id: job.id, to: job.to, type: job.type, answer: result.answer, at: now });
        this.metrics?.messages.inc({ type: job.type, status: 'delivered' });
      } else if (job.attempts >= this.opts.maxAttempts || result.retryable === false) {
        const delivery = { lastError: result.error, maybeDelivered: result.maybeDelivered === true };
        await recordStep(db, this.alg, message, { ...step, event: 'delivery_failed', detail: { ...attempt, error: result.error }, delivery });
        await recordStep(db, this.alg, message, {
          ...step,
          event: 'dead_lettered',
          detail: { attempts: job.attempts, ...(result.retryable === false ? { reason: 'not retryable' } : {}) },
          delivery,
        });
        this.metrics?.messages.inc({ type: job.type, status: 'dead_lettered' });
        this.log.warn({ message: job.id, to: job.to, attempts: job.attempts, error: result.error }, 'delivery dead-lettered');
      } else {
        const next = new Date(now.getTime() + backoffMs(job.attempts, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.random));
        await recordStep(db, this.alg, message, {
          ...step,
          event: 'delivery_failed',
          detail: { ...attempt, error: result.error, nextAttemptAt: formatTime(next) },
          delivery: { lastError: result.error, nextAttemptAt: next, maybeDelivered: result.maybeDelivered === true },
        });
      }
    });
  }
}
