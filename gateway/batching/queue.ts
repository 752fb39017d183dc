import { GatewayError } from '../errors';

type MaybePromise<T> = T | Promise<T>;

/** How a failed commit is answered: whether to split the batch, and what each caller gets. */
export interface FailurePolicy {
  /**
   * The failure belongs to the data of one item, not to the batch as such (the others
   * would commit without it): the batch is split in halves, down to the item at fault.
   */
  itemAtFault(err: unknown): boolean;
  /** The error a caller is answered with; `alone`: the failed commit held its item only. */
  answer(err: unknown, alone: boolean): unknown;
}

/** No splitting; every caller gets the error as thrown. */
export const answerAsThrown: FailurePolicy = { itemAtFault: () => false, answer: (err) => err };

export interface GroupCommitOptions<T, P, R> {
  /** What waits, in the plural, for the overload answer ("messages", "service-call records"). */
  what: string;
  /** Items per commit at most. */
  maxBatch: number;
  /** Items waiting (not yet in a commit) beyond which `submit` is refused at once with GW_ERR_OVERLOADED and Retry-After. Default: no bound. */
  maxQueue?: number;
  /**
   * How long an item may wait for company before its batch starts (ms). 0 (default):
   * until the event loop's next turn, so requests parsed in the same turn share a commit
   * and an idle queue adds no latency. A full batch starts at once. A function is asked
   * each time a batch is due (e.g. wait only while another queue is busy).
   */
  maxWaitMs?: number | (() => number);
  /** Once per batch, before its commit (e.g. sealing): one value per item, in order. Without it the items are committed as they are. */
  prepare?: (items: T[]) => MaybePromise<P[]>;
  /** Commits items atomically (all of them or none) and returns one result per item, in order. */
  commit: (items: P[]) => Promise<R[]>;
  /**
   * A second batch may start while one is in flight once this many items wait (0 or
   * absent: never; one batch at a time). For a commit that orders itself in the database (the
   * message batch locks its sequence row), so the next batch is sealed and sent while the
   * one before it is still being committed, instead of after its answer came back.
   */
  overlapMinBatch?: number;
  /** Default: `answerAsThrown`. */
  failures?: FailurePolicy;
  /** Told of every failed commit (`size` items), and whether the batch is split because of it; for the log. */
  onFailure?: (err: unknown, size: number, splitting: boolean) => void;
  /** The number of items waiting changed (for a gauge). */
  onQueued?: (n: number) => void;
  /** A batch of `size` items starts (for a histogram). */
  onBatch?: (size: number) => void;
}

interface Waiting<T, R> {
  item: T;
  since: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * The group commit every batched write of the gateway uses (messages, service-call
 * records, receipt signatures, batch signatures). `submit(item)` returns a promise
 * settled only after the commit holding that item: items submitted while a commit is
 * in flight wait and share the next one. One batch is in flight at a time, so
 * batches commit in submission order; with `overlapMinBatch` a second may start beside
 * it (at most two), for a commit that orders itself (the message batch, by its lock on
 * the sequence row): which of the two commits first is then the database's choice.
 *
 * Failures are handled here and nowhere else: every caller of a failed batch is
 * answered, none is left waiting. A commit refused for one item's data
 * (`failures.itemAtFault`) is split in halves and each half committed on its own,
 * down to the item at fault, so one bad item fails alone: one bad item among n costs
 * about 2·log2(n) more commits, only after a failure, and the happy path exactly one.
 * `prepare` runs once per batch (not again for the halves).
 */
export class GroupCommitQueue<T, R, P = T> {
  private waiting: Waiting<T, R>[] = [];
  /** Batches being prepared or committed (at most 2, the second only with overlapMinBatch). */
  private inFlight = 0;
  /** The pending start of the next batch, and when it is due (ms since the epoch; -Infinity: at once). */
  private timer: { at: number; cancel: () => void } | null = null;
  private idle: Array<() => void> = [];
  private readonly failures: FailurePolicy;
  /** Items waiting that let a second batch run beside one in flight (overlapMinBatch; Infinity: never). */
  private readonly overlapAt: number;

  constructor(private readonly opts: GroupCommitOptions<T, P, R>) {
    if (!(Number.isInteger(opts.maxBatch) && opts.maxBatch >= 1)) throw new Error(`group commit (${opts.what}): maxBatch must be a positive integer`);
    this.failures = opts.failures ?? answerAsThrown;
    this.overlapAt = opts.overlapMinBatch || Infinity;
  }

  /** Items waiting for a commit (not yet in one). */
  get queued(): number {
    return this.waiting.length;
  }

  /** A batch is in flight or items are waiting. */
  get busy(): boolean {
    return !this.isIdle();
  }

  private maxWaitMs(): number {
    const w = this.opts.maxWaitMs ?? 0;
    return typeof w === 'number' ? w : w();
  }

  submit(item: T): Promise<R> {
    const n = this.waiting.length;
    if (n >= (this.opts.maxQueue ?? Infinity)) {
      return Promise.reject(new GatewayError('GW_ERR_OVERLOADED', `${n} ${this.opts.what} are waiting for a commit`, { headers: { 'Retry-After': '1' } }));
    }
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, since: Date.now(), resolve, reject });
      this.opts.onQueued?.(n + 1);
      this.schedule();
    });
  }

  /** Resolves once nothing waits and no batch is in flight. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.waiting.length === 0;
  }

  /**
   * Starts a batch when one is due: at once when full, else once the oldest item has
   * waited maxWaitMs (asked again on every submit, so a shorter wait replaces a longer
   * one). A batch in flight starts the next itself.
   */
  private schedule(): void {
    if (!this.canStart()) return;
    const at = this.waiting.length >= this.opts.maxBatch ? -Infinity : this.waiting[0]!.since + this.maxWaitMs();
    if (this.timer && this.timer.at <= at) return;
    this.timer?.cancel();
    const start = () => {
      this.timer = null;
      void this.run();
    };
    const wait = at - Date.now();
    if (at === -Infinity) {
      // Full: start now, though not inside the caller's submit().
      let cancelled = false;
      queueMicrotask(() => cancelled || start());
      this.timer = { at, cancel: () => (cancelled = true) };
    } else if (wait <= 0) {
      const h = setImmediate(start);
      this.timer = { at, cancel: () => clearImmediate(h) };
    } else {
      const h = setTimeout(start, wait);
      this.timer = { at, cancel: () => clearTimeout(h) };
    }
  }

  /** Items wait, and no batch is in flight, or one is and enough wait to start a second beside it. */
  private canStart(): boolean {
    const n = this.waiting.length;
    if (!n) return false;
    if (this.inFlight === 0) return true;
    return this.inFlight === 1 && n >= this.overlapAt;
  }

  private due(): boolean {
    const first = this.waiting[0];
    return !!first && (this.waiting.length >= this.opts.maxBatch || Date.now() - first.since >= this.maxWaitMs());
  }

  private async run(): Promise<void> {
    if (!this.canStart()) return;
    this.timer?.cancel();
    this.timer = null;
    this.inFlight++;
    try {
      // Beside another batch in flight, only while enough wait (else the other's loop takes them).
      while (this.due() && (this.inFlight === 1 || this.waiting.length >= this.overlapAt)) {
        const batch = this.waiting.splice(0, this.opts.maxBatch);
        this.opts.onQueued?.(this.waiting.length);
        this.opts.onBatch?.(batch.length);
        await this.commitBatch(batch);
      }
    } finally {
      this.inFlight--;
      this.schedule();
      if (this.isIdle()) for (const r of this.idle.splice(0)) r();
    }
  }

  /** Commits one batch and answers each of its callers. Never throws. */
  private async commitBatch(batch: Waiting<T, R>[]): Promise<void> {
    let settled: Settled<R>[];
    try {
      const items = batch.map((w) => w.item);
      const prepared = this.opts.prepare ? await this.opts.prepare(items) : (items as unknown as P[]);
      if (prepared.length !== items.length) throw new Error(`group commit (${this.opts.what}): prepare returned ${prepared.length} values for ${items.length} items`);
      settled = await this.commitIsolating(prepared);
    } catch (err) {
      // Preparing failed (or anything unforeseen): the whole batch, never split.
      this.report(err, batch.length, false);
      const error = this.answerFor(err, false);
      settled = batch.map(() => ({ ok: false, error }));
    }
    settled.forEach((s, i) => (s.ok ? batch[i]!.resolve(s.value) : batch[i]!.reject(s.error)));
  }

  private async commitIsolating(items: P[]): Promise<Settled<R>[]> {
    try {
      const results = await this.opts.commit(items);
      if (results.length !== items.length) throw new Error(`group commit (${this.opts.what}): ${results.length} results for ${items.length} items`);
      return results.map((value) => ({ ok: true, value }));
    } catch (err) {
      const split = items.length > 1 && this.itemAtFault(err);
      this.report(err, items.length, split);
      if (!split) {
        const error = this.answerFor(err, items.length === 1);
        return items.map(() => ({ ok: false, error }));
      }
      const mid = items.length >> 1;
      const left = await this.commitIsolating(items.slice(0, mid));
      return left.concat(await this.commitIsolating(items.slice(mid)));
    }
  }

  // The policy and the report hooks are the caller's code: if they throw, the callers are still answered.
  private itemAtFault(err: unknown): boolean {
    try {
      return this.failures.itemAtFault(err);
    } catch {
      return false;
    }
  }

  private answerFor(err: unknown, alone: boolean): unknown {
    try {
      return this.failures.answer(err, alone);
    } catch {
      return err;
    }
  }

  private report(err: unknown, size: number, splitting: boolean): void {
    try {
      this.opts.onFailure?.(err, size, splitting);
    } catch {
      /* a failing log call must not leave callers waiting */
    }
  }
}
