import type { Store } from '../store/db';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { GatewayError } from '../errors';
import type { NewMessage, PreparedMessage, Receipt, SignedReceipt, StoredOutcome, WriteOutcome } from './types';
import type { BatchedSignature } from '../crypto/batch-signature';
import { writeBatch } from './write-batch';
import { batchWriteError, refusedForItsData, writeIsolating } from '../store/isolate';

export { receiptOf, writeBatch } from './write-batch';

interface Pending {
  msg: PreparedMessage;
  resolve: (o: WriteOutcome) => void;
  reject: (e: unknown) => void;
}

type MaybePromise<T> = T | Promise<T>;

/** Receipt signatures are stored in one statement per this many ms at most while batches keep coming. */
const RECEIPT_STORE_INTERVAL_MS = 50;

/**
 * Group commit for the exchange write path. Messages submitted while a commit is
 * in flight wait and then share the next transaction; each caller is answered
 * only after the transaction holding its message has committed. An idle gateway
 * commits a lone message at once (no added latency); a busy one amortises the
 * commit (fsync) over up to `maxBatch` messages.
 *
 * Every batch is one statement that locks the `exchange` sequence row first, so
 * seq order is commit order across processes: the inbox cursor never skips a
 * late commit. Exactly one batch is in flight at a time (more in flight only
 * made batches smaller in measurements). Sealing and receipt signing are
 * asynchronous (signatures on the thread pool): once batch N has committed, its
 * receipts are signed and answered while batch N+1 is already being sealed and
 * written.
 */
export class ExchangeWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private answering = 0;
  private idle: Array<() => void> = [];
  private readonly listeners: Array<(created: NewMessage[]) => void> = [];
  /** Receipt signatures made but not stored yet (stored in the background, coalesced). */
  private unstored: Array<{ id: string; sig: BatchedSignature }> = [];
  private storing = false;
  private lastStored = 0;

  constructor(
    private readonly store: Store,
    private readonly opts: { maxBatch: number; maxQueue: number },
    private readonly log: Logger,
    /** Seals a batch (signatures, log entries) just before it is written. */
    private readonly seal: (msgs: PreparedMessage[]) => MaybePromise<NewMessage[]>,
    /** Signs the batch's receipts once their log positions are known (one batch signature). */
    private readonly signReceipts: (receipts: Receipt[]) => MaybePromise<SignedReceipt[]>,
    private readonly metrics?: Metrics,
  ) {}

  /** Called after each commit with the messages it created (e.g. to wake the outbox). */
  onCommit(fn: (created: NewMessage[]) => void): void {
    this.listeners.push(fn);
  }

  /** Messages waiting for a commit (not yet in one). */
  get queued(): number {
    return this.queue.length;
  }

  submit(msg: PreparedMessage): Promise<WriteOutcome> {
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(
        new GatewayError('GW_ERR_OVERLOADED', `${this.queue.length} messages are waiting for a commit`, { headers: { 'Retry-After': '1' } }),
      );
    }
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ msg, resolve, reject });
      this.metrics?.writeQueue.set(this.queue.length);
      this.schedule();
    });
  }

  /** Resolves when nothing is queued, in flight or waiting for its receipt signature, and every receipt signature is stored (or failed to be). */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private isIdle(): boolean {
    return !this.flushing && this.queue.length === 0 && this.answering === 0 && !this.storing && this.unstored.length === 0;
  }

  private settle(): void {
    if (this.queue.length && !this.flushing) this.schedule();
    if (this.unstored.length && !this.storing && (!this.flushing || Date.now() - this.lastStored >= RECEIPT_STORE_INTERVAL_MS)) this.storeSignatures();
    if (this.isIdle()) for (const r of this.idle.splice(0)) r();
  }

  /**
   * Stores receipt signatures without holding up any answer (a duplicate push gets the
   * stored signed receipt back). Its own statement, never inside a batch: a batch holds
   * the sequence locks, and waiting there for a message row another transaction has
   * locked could deadlock. While batches keep coming, signatures from several batches
   * share one statement.
   */
  private storeSignatures(): void {
    const rows = this.unstored.splice(0);
    this.storing = true;
    this.lastStored = Date.now();
    let json = '[';
    for (let i = 0; i < rows.length; i++) json += `${i ? ',' : ''}{"id":"${rows[i]!.id}","sig":${JSON.stringify(rows[i]!.sig)}}`;
    this.store
      .query(`UPDATE messages m SET receipt_signature = x.sig FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, sig jsonb) WHERE m.id = x.id`, [json + ']'])
      .catch((err) => this.log.error({ err }, 'storing receipt signatures failed; duplicates will be re-signed'))
      .finally(() => {
        this.storing = false;
        this.settle();
      });
  }

  /**
   * Signs every receipt that has no stored signature yet (new messages, and the
   * rare duplicate whose signature was lost in a crash) with one batch signature,
   * then answers every caller of the batch.
   */
  private async answer(batch: Pending[], sealed: NewMessage[], stored: StoredOutcome[]): Promise<void> {
    this.answering++;
    try {
      const unsigned = stored.flatMap((o, i) => (o.outcome === 'created' || (o.outcome === 'duplicate' && !o.signature) ? [i] : []));
      const fresh = await this.signReceipts(unsigned.map((i) => (stored[i] as { receipt: Receipt }).receipt));
      const byIndex = new Map(unsigned.map((i, k) => [i, fresh[k]!]));
      for (const r of fresh) this.unstored.push({ id: r.id, sig: r.signature });
      stored.forEach((o, i) => {
        if (o.outcome === 'conflict') return batch[i]!.resolve(o);
        const receipt = byIndex.get(i) ?? { ...o.receipt, signature: (o as { signature: BatchedSignature }).signature };
        batch[i]!.resolve({ outcome: o.outcome, receipt });
      });
      const created = sealed.filter((_, i) => stored[i]!.outcome === 'created');
      if (created.length) for (const fn of this.listeners) fn(created);
    } catch (err) {
      // Committed, but not answerable: a retry gets the stored message back as a duplicate, signed then.
      this.log.error({ err, batch: batch.length }, 'signing receipts failed');
      const e = new GatewayError('GW_ERR_STORE_UNAVAILABLE', 'the message was stored but its receipt could not be signed; retry to get it');
      for (const p of batch) p.reject(e);
    } finally {
      this.answering--;
      this.settle();
    }
  }

  private schedule() {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets requests parsed in the same event-loop turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.opts.maxBatch);
        this.metrics?.writeQueue.set(this.queue.length);
        this.metrics?.commitBatch.observe(batch.length);
        try {
          const sealed = await this.seal(batch.map((p) => p.msg));
          // One statement; only if the database refuses a value of one message is the batch split to store the others.
          const written = await writeIsolating(sealed, (rows) => writeBatch(this.store, rows), (err, size) =>
            this.log.error({ err, batch: size }, size > 1 && refusedForItsData(err) ? 'group commit refused a value; writing its halves apart' : 'group commit failed'),
          );
          const ok: number[] = [];
          written.forEach((w, i) => (w.ok ? ok.push(i) : batch[i]!.reject(w.error)));
          if (ok.length) void this.answer(ok.map((i) => batch[i]!), ok.map((i) => sealed[i]!), ok.map((i) => (written[i] as { value: StoredOutcome }).value));
        } catch (err) {
          // Sealing failed (or anything unforeseen): every caller not answered yet is answered now, none is left waiting.
          this.log.error({ err, batch: batch.length }, 'group commit failed');
          const e = batchWriteError(err, false);
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.flushing = false;
      this.settle();
    }
  }
}
