import { prepared, type Store } from '../store/db';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { GatewayError } from '../errors';
import type { NewMessage, PreparedMessage, Receipt, SignedReceipt, StoredOutcome, WriteOutcome } from './types';
import type { BatchedSignature } from '../crypto/batch-signature';
import { writeBatch } from './write-batch';
import { databaseFailures } from '../store/isolate';
import { GroupCommitQueue, type FailurePolicy } from '../batching/queue';
import { joinJsonTexts, splitJsonTexts } from '../store/joined-texts';

export { receiptOf, writeBatch } from './write-batch';

type MaybePromise<T> = T | Promise<T>;

/** While messages keep coming, receipt signatures wait this long for company (one statement for several batches'). */
const RECEIPT_STORE_INTERVAL_MS = 50;
/** Receipt signatures stored per statement at most. */
const RECEIPT_STORE_MAX_BATCH = 4096;

/** The message ids as an array, the signatures' JSON texts joined (store/joined-texts.ts), stored as they are (json column, migration 033). */
const STORE_RECEIPT_SIGNATURES = prepared(
  `INSERT INTO receipt_signatures (message_id, signature)
   SELECT x.id, x.sig::json FROM ROWS FROM (unnest($1::uuid[]), ${splitJsonTexts('$2')}) AS x(id, sig)
   ON CONFLICT (message_id) DO NOTHING`,
);

/** A committed message whose receipt cannot be signed: a retry gets the stored message back as a duplicate, signed then. */
const receiptSigningFailures: FailurePolicy = {
  itemAtFault: () => false,
  answer: () => new GatewayError('GW_ERR_STORE_UNAVAILABLE', 'the message was stored but its receipt could not be signed; retry to get it'),
};

export interface WriterOptions {
  maxBatch: number;
  maxQueue: number;
  maxWaitMs?: number;
  /** A second batch is sealed and sent while one is being committed once this many wait (0 or absent: never). */
  overlapMinBatch?: number;
}

/**
 * The exchange write path, on three group-commit queues (gateway/batching/queue.ts):
 *
 * 1. messages: each batch is sealed (sender batch signatures, log entries) and written
 *    in ONE statement that locks the `exchange` sequence row first, so seq order is
 *    commit order across processes and the inbox cursor never skips a late commit. An
 *    idle gateway commits a lone message at once; a busy one amortises the commit
 *    (fsync) over up to `maxBatch` messages. Beyond `maxQueue` waiting: 503
 *    GW_ERR_OVERLOADED. A message the database refuses fails alone (the queue splits).
 *    Once `overlapMinBatch` messages wait, the next batch is sealed and sent while one is
 *    still being committed: it waits on the sequence row lock inside the database rather
 *    than for the answer to come back here, and whichever takes the lock first commits first.
 * 2. receipts: the receipts of committed messages share one batch signature (log key,
 *    on the thread pool) while the next batch of messages is already being written.
 *    Each caller is answered once its message is committed and its receipt signed.
 * 3. receipt signatures: stored in the background (a duplicate push gets the stored
 *    signed receipt back), in their own statement, never inside a message batch: that
 *    holds the sequence locks, and waiting there for a message row another transaction
 *    has locked could deadlock. While messages keep coming, one statement serves the
 *    receipts of several batches (RECEIPT_STORE_INTERVAL_MS).
 */
export class ExchangeWriter {
  private readonly listeners: Array<(created: NewMessage[]) => void> = [];
  private readonly messages: GroupCommitQueue<PreparedMessage, StoredOutcome, NewMessage>;
  private readonly receipts: GroupCommitQueue<Receipt, SignedReceipt>;
  private readonly signatures: GroupCommitQueue<{ id: string; sig: BatchedSignature }, void>;
  /** submit() calls not answered yet. */
  private unanswered = 0;

  constructor(
    private readonly store: Store,
    opts: WriterOptions,
    private readonly log: Logger,
    /** Seals a batch (signatures, log entries) just before it is written. */
    seal: (msgs: PreparedMessage[]) => MaybePromise<NewMessage[]>,
    /** Signs receipts once their log positions are known (one batch signature). */
    private readonly signReceipts: (receipts: Receipt[]) => MaybePromise<SignedReceipt[]>,
    metrics?: Metrics,
  ) {
    this.messages = new GroupCommitQueue({
      what: 'messages',
      maxBatch: opts.maxBatch,
      maxQueue: opts.maxQueue,
      maxWaitMs: opts.maxWaitMs,
      overlapMinBatch: opts.overlapMinBatch,
      prepare: seal,
      commit: (rows) => this.write(rows),
      failures: databaseFailures,
      onFailure: (err, batch, splitting) => log.error({ err, batch }, splitting ? 'group commit refused a value; writing its halves apart' : 'group commit failed'),
      onQueued: (n) => metrics?.writeQueue.set(n),
      onBatch: (n) => metrics?.commitBatch.observe(n),
    });
    this.receipts = new GroupCommitQueue({
      what: 'receipts',
      maxBatch: opts.maxBatch,
      // Through the field at call time (a test swaps it to make signing fail).
      commit: async (receipts) => this.signReceipts(receipts),
      failures: receiptSigningFailures,
      onFailure: (err, batch) => log.error({ err, batch }, 'signing receipts failed'),
    });
    this.signatures = new GroupCommitQueue({
      what: 'receipt signatures',
      maxBatch: RECEIPT_STORE_MAX_BATCH,
      // At once when the message queue is idle (a retry right after the answer finds it), coalesced while it is busy.
      maxWaitMs: () => (this.messages.busy ? RECEIPT_STORE_INTERVAL_MS : 0),
      commit: (rows) => this.storeSignatures(rows),
      onFailure: (err) => log.error({ err }, 'storing receipt signatures failed; duplicates will be re-signed'),
    });
  }

  /** Called after each commit with the messages it created (e.g. to wake the outbox). */
  onCommit(fn: (created: NewMessage[]) => void): void {
    this.listeners.push(fn);
  }

  /** Messages waiting for a commit (not yet in one). */
  get queued(): number {
    return this.messages.queued;
  }

  /** Resolves after the commit holding `msg` and the signing of its receipt. */
  async submit(msg: PreparedMessage): Promise<WriteOutcome> {
    this.unanswered++;
    try {
      return await this.answer(await this.messages.submit(msg));
    } finally {
      this.unanswered--;
    }
  }

  /** Resolves when every submitted message is answered and every receipt signature is stored (or failed to be). */
  async drain(): Promise<void> {
    while (this.unanswered > 0) {
      await this.messages.drain();
      await this.receipts.drain();
      // A caller whose commit just settled is on its way to the next stage.
      if (this.unanswered > 0) await new Promise((r) => setImmediate(r));
    }
    await this.signatures.drain();
  }

  /** One statement for the batch (or, after a refused value, for each part of it). */
  private async write(rows: NewMessage[]): Promise<StoredOutcome[]> {
    const stored = await writeBatch(this.store, rows);
    const created = rows.filter((_, i) => stored[i]!.outcome === 'created');
    for (const fn of created.length ? this.listeners : []) {
      try {
        fn(created);
      } catch (err) {
        this.log.error({ err }, 'a commit listener failed');
      }
    }
    return stored;
  }

  /**
   * A receipt with no stored signature yet (a new message, or the rare duplicate whose
   * signature was lost in a crash) is signed with the others of its batch; a duplicate
   * gets its stored signature back.
   */
  private async answer(o: StoredOutcome): Promise<WriteOutcome> {
    if (o.outcome === 'conflict') return o;
    if (o.outcome === 'duplicate' && o.signature) return { outcome: 'duplicate', receipt: { ...o.receipt, signature: o.signature } };
    const receipt = await this.receipts.submit(o.receipt);
    this.signatures.submit({ id: receipt.id, sig: receipt.signature }).catch(() => {}); // reported by the queue's onFailure
    return { outcome: o.outcome, receipt };
  }

  private async storeSignatures(rows: Array<{ id: string; sig: BatchedSignature }>): Promise<void[]> {
    // A narrow row of its own (migration 026), not an update of the wide message row. Two signatures for one
    // message (two retries of a duplicate whose signature was lost, re-signed at once): the first stored stays.
    await this.store.query(STORE_RECEIPT_SIGNATURES, [rows.map((r) => r.id), joinJsonTexts(rows.map((r) => JSON.stringify(r.sig)), 'receipt signature')]);
    return rows.map(() => undefined);
  }
}
