import type { Db, QueryResult, Store } from '../../gateway/store/db';

/** A statement the gateway is about to run through the wrapped store. */
export interface Statement {
  sql: string;
  params: unknown[] | undefined;
}

/** The exchange writer's group-commit statement (one per batch). */
export const isPushBatch = (s: Statement) => s.sql.includes('INSERT INTO messages');
/** The service-call recorder's batch statement. */
export const isCallBatch = (s: Statement) => s.sql.includes('INSERT INTO service_calls');
/** How many rows a batch statement carries (its first parameter is the rows' JSON array). */
export const batchRows = (s: Statement): unknown[] => JSON.parse(String(s.params?.[0]));

/** An error shaped like the one pg / PGlite raise, with its SQLSTATE. */
export function sqlError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

/**
 * Fault injection around the real store (nothing of ours is mocked): `before` sees
 * every statement the gateway runs with `query` and may throw (the statement fails
 * and does not run) or wait (the statement is held). Transactions pass through.
 */
export class FaultyStore implements Store {
  before: ((s: Statement) => void | Promise<void>) | null = null;
  /** Every batch statement (pushes and service calls) with its row count and outcome. */
  readonly batches: Array<{ kind: 'push' | 'call'; rows: number; ok: boolean }> = [];
  /** Batch statements of each kind running now (past `before`, not answered yet), and the most seen at once. */
  readonly running = { push: 0, call: 0 };
  readonly maxRunning = { push: 0, call: 0 };

  constructor(private readonly inner: Store) {}

  get kind() {
    return this.inner.kind;
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const s = { sql, params };
    const kind = isPushBatch(s) ? 'push' : isCallBatch(s) ? 'call' : null;
    try {
      await this.before?.(s);
      if (kind) this.maxRunning[kind] = Math.max(this.maxRunning[kind], ++this.running[kind]);
      const r = await this.inner.query<T>(sql, params).finally(() => {
        if (kind) this.running[kind]--;
      });
      if (kind) this.batches.push({ kind, rows: batchRows(s).length, ok: true });
      return r;
    } catch (err) {
      if (kind) this.batches.push({ kind, rows: batchRows(s).length, ok: false });
      throw err;
    }
  }

  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }

  tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.inner.tx(fn);
  }

  copyBinary(select: string): Promise<Buffer> {
    return this.inner.copyBinary(select);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Holds the first statement `which` matches until a second one reaches the store, so two
 * of them run at once for certain (an overlap the test proves, not one that is likely).
 */
export function holdFirstUntilSecond(store: FaultyStore, which: (s: Statement) => boolean): void {
  const opened = gate();
  let first = true;
  store.before = async (s) => {
    if (!which(s)) return;
    if (first) {
      first = false;
      await opened.wait;
    } else opened.open();
  };
}

/** A gate a held statement waits on, opened by the test. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/**
 * Waits until `cond()` holds, checking on every turn of the event loop (a condition,
 * not a duration); fails after `ms` with `what`.
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Every promise settles within `ms` (a caller left hanging fails the test by name
 * instead of timing out the whole file).
 */
export async function allSettleWithin<T>(promises: Promise<T>[], ms: number): Promise<PromiseSettledResult<T>[]> {
  let done = 0;
  const tracked = promises.map((p) => p.finally(() => done++));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${promises.length - done} of ${promises.length} callers were left hanging for ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(tracked), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Holds the next push batch statement (the one `start` causes) until `release()`:
 * meanwhile the writer queues every further message behind it, so those share the
 * following group commit.
 */
export async function holdNextPushBatch<T>(faulty: FaultyStore, start: () => Promise<T>): Promise<{ first: Promise<T>; release: () => void }> {
  const g = gate();
  let held = false;
  faulty.before = async (s) => {
    if (!held && isPushBatch(s)) {
      held = true;
      await g.wait;
    }
  };
  const first = start();
  await until(() => held, 'the first batch to reach the database');
  return { first, release: g.open };
}
