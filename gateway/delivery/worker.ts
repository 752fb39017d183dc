import { prepared, type Db, type Store } from '../store/db';
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

const LOCK_DELIVERIES = prepared('SELECT id, status, attempts FROM deliveries WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE');

/** An attempt that ended, waiting for its outcome to be recorded (settled once it is, or could not be). */
interface Outcome {
  job: ClaimedJob;
  /** The request's outcome: one object for every message a batch request carried. */
  result: DeliveryAttempt;
  /** How many messages the request carried (1: a request of its own). */
  batch: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

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
 * the receiver's adapter transport (webhook, SOAP…; a member that takes batches gets several
 * in one request), and records each attempt.
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
  /** Attempts that ended and wait for their outcome to be recorded; `recording`: the loop recording them (recordQueued). */
  private outcomes: Outcome[] = [];
  private recording: Promise<void> | null = null;

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
   * One pass: keeps up to `concurrency` requests in flight (a request: one job, or up to its batch size
   * for a member that takes batches), claiming more as each ends (so a slow receiver's attempt never
   * holds back the others'), until nothing is due. Returns how many jobs were attempted.
   */
  async runOnce(): Promise<number> {
    let total = 0;
    // The first delivery that could not be recorded: no more claims, the others finish, then the pass fails
    // with it. Kept here, not left to a race: a delivery may fail while the pass awaits a claim.
    let failed: { error: unknown } | undefined;
    const inFlight = new Set<Promise<void>>();
    try {
      for (;;) {
        const free = this.opts.concurrency - inFlight.size;
        const jobs = free > 0 && !this.halted && !failed ? await this.claim(free) : [];
        total += jobs.length;
        for (const request of this.requests(jobs)) {
          const p: Promise<void> = this.attempt(request)
            .then(async (result) => {
              const settled = await Promise.allSettled(request.map((j) => this.settle(j, result, request.length)));
              const refused = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
              if (refused) throw refused.reason;
            })
            .catch((error: unknown) => void (failed ??= { error }))
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        if (!inFlight.size) break;
        await Promise.race(inFlight);
      }
    } finally {
      await Promise.allSettled(inFlight);
    }
    if (failed) throw failed.error;
    return total;
  }


  private claim(limit: number): Promise<ClaimedJob[]> {
    const now = this.clock.now();
    // The claim must outlast the longest attempt any transport can make, or another process would send it again.
    const lease = new Date(now.getTime() + Math.max(this.opts.requestTimeoutMs * 2, this.adapters.maxLeaseMs()));
    return claimDue(this.store, now, lease, {
      limit,
      perReceiver: this.opts.perReceiverConcurrency,
      breakAfterFailures: this.opts.breakAfterFailures,
      batchSizes: this.adapters.batchSizes(),
    });
  }

  /**
   * The claimed jobs as the requests the claim put them in (every request to a member that takes batches is a
   * batch, however few it carries: the receiver sees one body shape). Should the member's binding have changed
   * since the claim, a request is cut to what its transport takes now (one job each, without batches).
   */
  private requests(jobs: ClaimedJob[]): ClaimedJob[][] {
    const byRequest = new Map<string, ClaimedJob[]>();
    for (const j of jobs) {
      const request = byRequest.get(j.request);
      if (request) request.push(j);
      else byRequest.set(j.request, [j]);
    }
    return [...byRequest.values()].flatMap((request) => {
      const max = this.adapters.connectionOf(request[0]!.to)?.batch?.max ?? 1;
      const parts: ClaimedJob[][] = [];
      for (let i = 0; i < request.length; i += max) parts.push(request.slice(i, i + max));
      return parts;
    });
  }

  /** One request's attempt: the jobs' receiver's batch transport, or its one-message transport. */
  private async attempt(jobs: ClaimedJob[]): Promise<DeliveryAttempt> {
    const first = jobs[0]!;
    const connection = this.adapters.connectionOf(first.to);
    const sent = connection?.batch
      ? connection.batch.deliver(jobs.map((j) => ({ message: j, attempt: j.attempts })))
      : connection?.deliver?.(first, first.attempts);
    if (!sent) return { ok: false, error: `member ${first.to} has no push transport (adapter or delivery mode)`, durationMs: 0 };
    return sent.catch((err: Error) => ({ ok: false, error: err.message, durationMs: 0 }));
  }

  /** Queues a job's outcome for recording (recordQueued); settles once it is recorded. */
  private async settle(job: ClaimedJob, result: DeliveryAttempt, batch: number): Promise<void> {
    this.metrics?.deliveries.inc({ outcome: result.ok ? 'delivered' : result.notAttempted ? 'deferred' : 'failed' });
    await new Promise<void>((resolve, reject) => {
      this.outcomes.push({ job, result, batch, resolve, reject });
      this.recording ??= this.recordQueued();
    });
  }

  /**
   * Group commit for outcomes: the attempts that ended while a transaction was recording others
   * are recorded together in the next one (one WAL flush, one log append, one statement per table
   * for all of them), batch after batch until none wait. Should a batch's transaction fail, each of
   * its outcomes is tried again in its own, so one that cannot be recorded (a hook that throws, say)
   * does not cost the others theirs.
   */
  private async recordQueued(): Promise<void> {
    // Start after the answers read in this turn of the event loop have queued their outcomes too.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.outcomes.length) {
      const batch = this.outcomes.splice(0);
      const failed = await this.recordOutcomes(batch).then(
        () => false,
        (err: unknown) => {
          if (batch.length === 1) batch[0]!.reject(err);
          return true;
        },
      );
      if (!failed) for (const o of batch) o.resolve();
      else if (batch.length > 1) for (const o of batch) await this.recordOutcomes([o]).then(o.resolve, o.reject);
    }
    this.recording = null;
  }

  /** Records attempts' outcomes in one transaction: the delivery jobs, the receivers' breakers, the messages' steps. */
  private async recordOutcomes(batch: Outcome[]): Promise<void> {
    const now = this.clock.now();
    await this.store.tx(async (db) => {
      // The message rows first, then their deliveries: the lock order of every lifecycle step.
      const messages = new Map((await lockMessages(db, batch.map((o) => o.job.id))).map((m) => [m.id, m]));
      const cur = await db.query<{ id: string; status: string; attempts: number }>(LOCK_DELIVERIES, [batch.map((o) => o.job.deliveryId)]);
      const current = new Map(cur.rows.map((r) => [r.id, r]));
      // Settled meanwhile (pulled or acknowledged), or no longer our claim (its lease ran out and another worker took it).
      const ours = batch.filter((o) => {
        const c = current.get(o.job.deliveryId);
        return c?.status === 'in_flight' && c.attempts === o.job.attempts && messages.has(o.job.id);
      });
      const attempted = ours.filter((o) => !o.result.notAttempted);
      for (const o of ours) {
        if (!o.result.notAttempted) continue;
        // Our own circuit breaker or bulkhead held it back: not an attempt and not a message step (no history event);
        // the claim is handed back and the job is due again later.
        await db.query(
          `UPDATE deliveries SET status = 'pending', attempts = attempts - 1, locked_until = NULL, last_error = $2, next_attempt_at = $3, updated_at = $4 WHERE id = $1`,
          [o.job.deliveryId, o.result.error, new Date(now.getTime() + (o.result.retryAfterMs ?? 1000)), now],
        );
      }
      // Each receiver's breaker, as if its requests' outcomes came one by one (a batch request is one, however many
      // messages it carried): a success closes it, the failures after the last success count.
      for (const receiver of new Set(attempted.map((o) => o.job.to))) {
        const theirs = [...new Set(attempted.filter((o) => o.job.to === receiver).map((o) => o.result))];
        const lastOk = theirs.map((r) => r.ok).lastIndexOf(true);
        if (lastOk >= 0) await recordReceiverOutcome(db, receiver, true, now, this.opts, this.random);
        for (let i = lastOk + 1; i < theirs.length; i++) await recordReceiverOutcome(db, receiver, false, now, this.opts, this.random);
      }
      const step = { at: now, actor: 'gateway' };
      const attemptOf = (o: Outcome) => ({
        attempt: o.job.attempts,
        httpStatus: o.result.httpStatus ?? null,
        durationMs: o.result.durationMs,
        ...(o.batch > 1 ? { batch: o.batch } : {}),
        ...(o.result.answer ? { answer: o.result.answer } : {}),
      });
      const delivered = attempted.filter((o) => o.result.ok);
      if (delivered.length) {
        await recordStep(db, this.alg, delivered.map((o) => messages.get(o.job.id)!), {
          ...step,
          event: 'delivered',
          detail: delivered.map((o) => ({ via: 'push', ...attemptOf(o) })),
          delivery: { lastError: null },
        });
        for (const o of delivered) {
          for (const hook of this.deliveredHooks) await hook(db, { id: o.job.id, to: o.job.to, type: o.job.type, answer: o.result.answer, at: now });
          this.metrics?.messages.inc({ type: o.job.type, status: 'delivered' });
        }
      }
      for (const o of attempted) {
        if (o.result.ok) continue;
        const { job, result } = o;
        const message = [messages.get(job.id)!];
        const attempt = attemptOf(o);
        if (job.attempts >= this.opts.maxAttempts || result.retryable === false) {
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
      }
    });
  }
}
