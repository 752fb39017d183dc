/**
 * The one group-commit queue (gateway/batching/queue.ts), on its own: batching, one
 * batch in flight, each caller answered after its own commit, the overload bound,
 * failures answering every caller, splitting on an item's refused value, max wait,
 * and a second batch beside the one in flight (overlapMinBatch).
 * Real timers; the tests wait on events (a commit starting, a promise settling).
 */
import { GroupCommitQueue, type FailurePolicy, type GroupCommitOptions } from '../../gateway/batching/queue';
import { GatewayError, isGatewayError } from '../../gateway/errors';
import { allSettleWithin, gate, until } from '../support/faulty-store';

/** A queue whose commits are recorded and can be held open by the test. */
function recordingQueue(opts: Partial<GroupCommitOptions<string, string, string>> = {}) {
  const commits: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let hold: Promise<void> | null = null;
  const q = new GroupCommitQueue<string, string>({
    what: 'items',
    maxBatch: 100,
    commit: async (items) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      commits.push([...items]);
      try {
        if (hold) await hold;
        return items.map((i) => `${i}:done`);
      } finally {
        inFlight--;
      }
    },
    ...opts,
  });
  return {
    q,
    commits,
    maxInFlight: () => maxInFlight,
    /** Holds every commit from now on until the returned function is called. */
    holdCommits() {
      const g = gate();
      hold = g.wait;
      return () => {
        if (hold === g.wait) hold = null;
        g.open();
      };
    },
  };
}

const submitAll = (q: GroupCommitQueue<string, string>, items: string[]) => items.map((i) => q.submit(i));

/** Tracks which of the promises have settled so far. */
function settledSet<T>(ps: Promise<T>[]) {
  const done = new Set<number>();
  ps.forEach((p, i) => p.then(() => done.add(i), () => done.add(i)));
  return done;
}

test('items submitted in the same turn share one commit; items arriving during a commit share the next; one batch in flight', async () => {
  const r = recordingQueue({ maxBatch: 3 });
  const release = r.holdCommits();
  const first = submitAll(r.q, ['a', 'b']);
  await until(() => r.commits.length === 1, 'the first commit to start');
  const later = submitAll(r.q, ['c', 'd', 'e', 'f', 'g']);
  expect(r.q.queued).toBe(5);
  release();
  expect(await Promise.all([...first, ...later])).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((i) => `${i}:done`));
  // At most maxBatch per commit, in submission order.
  expect(r.commits).toEqual([['a', 'b'], ['c', 'd', 'e'], ['f', 'g']]);
  expect(r.maxInFlight()).toBe(1);
  await r.q.drain();
  expect(r.q.busy).toBe(false);
});

test('each caller is answered after its own commit, not before and not after the next one', async () => {
  const r = recordingQueue();
  let release = r.holdCommits();
  const batch1 = submitAll(r.q, ['a', 'b']);
  await until(() => r.commits.length === 1, 'the first commit to start');
  const batch2 = submitAll(r.q, ['c', 'd']);
  const done1 = settledSet(batch1);
  const done2 = settledSet(batch2);
  // Hold the second commit too, once the first is released: the first batch's callers are answered, the second's are not.
  const releaseFirst = release;
  release = r.holdCommits();
  releaseFirst();
  await Promise.all(batch1);
  await until(() => r.commits.length === 2, 'the second commit to start');
  expect(done1.size).toBe(2);
  expect(done2.size).toBe(0);
  release();
  expect(await Promise.all(batch2)).toEqual(['c:done', 'd:done']);
});

test('beyond maxQueue waiting, submit is refused at once with 503 GW_ERR_OVERLOADED and Retry-After; the waiting ones are committed', async () => {
  const r = recordingQueue({ maxQueue: 2 });
  const release = r.holdCommits();
  const inFlight = r.q.submit('a');
  await until(() => r.commits.length === 1, 'the first commit to start');
  const waiting = submitAll(r.q, ['b', 'c']);
  const refused = r.q.submit('d');
  await expect(refused).rejects.toMatchObject({ code: 'GW_ERR_OVERLOADED', status: 503, extra: { headers: { 'Retry-After': '1' } } });
  expect(((await refused.catch((e: unknown) => e)) as GatewayError).detail).toBe('2 items are waiting for a commit');
  release();
  expect(await Promise.all([inFlight, ...waiting])).toEqual(['a:done', 'b:done', 'c:done']);
  expect(r.commits).toEqual([['a'], ['b', 'c']]);
  expect(await r.q.submit('e')).toBe('e:done'); // room again
});

describe('failures', () => {
  const policy = (atFault: (err: unknown) => boolean): FailurePolicy & { answers: Array<[string, boolean]> } => {
    const answers: Array<[string, boolean]> = [];
    return {
      answers,
      itemAtFault: atFault,
      answer: (err, alone) => {
        answers.push([(err as Error).message, alone]);
        return new GatewayError(alone ? 'GW_ERR_REQUEST_UNSTORABLE' : 'GW_ERR_STORE_UNAVAILABLE', (err as Error).message);
      },
    };
  };

  test('a commit failing as a whole answers every caller with the policy answer, is not split, and the queue goes on', async () => {
    const attempts: string[][] = [];
    const reported: Array<[number, boolean]> = [];
    let down = true;
    const failures = policy(() => false);
    const q = new GroupCommitQueue<string, string>({
      what: 'items',
      maxBatch: 100,
      commit: async (items) => {
        attempts.push(items);
        if (down) throw new Error('connection lost');
        return items;
      },
      failures,
      onFailure: (_err, size, splitting) => reported.push([size, splitting]),
    });
    const settled = await allSettleWithin(submitAll(q, ['a', 'b', 'c', 'd']), 30_000);
    expect(settled.map((s) => (s.status === 'rejected' && isGatewayError(s.reason) ? s.reason.code : s.status))).toEqual(Array(4).fill('GW_ERR_STORE_UNAVAILABLE'));
    expect(attempts).toEqual([['a', 'b', 'c', 'd']]);
    expect(reported).toEqual([[4, false]]);
    expect(failures.answers).toEqual([['connection lost', false]]);
    down = false;
    expect(await q.submit('e')).toBe('e');
  });

  test('prepare failing, a commit returning too few results, or a throwing log hook: every caller is still answered', async () => {
    const prepareFails = new GroupCommitQueue<string, string>({
      what: 'items',
      maxBatch: 10,
      prepare: () => {
        throw new Error('sealing failed');
      },
      commit: async (items) => items,
      onFailure: () => {
        throw new Error('the log is broken too');
      },
    });
    const a = await allSettleWithin(submitAll(prepareFails, ['a', 'b']), 30_000);
    expect(a.map((s) => s.status === 'rejected' && (s.reason as Error).message)).toEqual(['sealing failed', 'sealing failed']);

    const short = new GroupCommitQueue<string, string>({ what: 'items', maxBatch: 10, commit: async (items) => items.slice(1) });
    const b = await allSettleWithin(submitAll(short, ['a', 'b', 'c']), 30_000);
    expect(b.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((b[0] as PromiseRejectedResult).reason.message).toMatch(/2 results for 3 items/);
  });

  test('a commit refused for one item is split down to that item: it alone fails, the others are committed; prepare runs once', async () => {
    const attempts: string[][] = [];
    let prepared = 0;
    const failures = policy((err) => (err as Error).message === 'refused value');
    const q = new GroupCommitQueue<string, string, string>({
      what: 'items',
      maxBatch: 100,
      prepare: (items) => {
        prepared++;
        return items.map((i) => i.toUpperCase());
      },
      commit: async (items) => {
        attempts.push(items);
        if (items.includes('BAD')) throw new Error('refused value');
        return items.map((i) => `${i}:ok`);
      },
      failures,
    });
    const items = ['a', 'b', 'c', 'bad', 'e', 'f', 'g', 'h'];
    const settled = await allSettleWithin(submitAll(q, items), 30_000);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as GatewayError).code))).toEqual([
      'A:ok', 'B:ok', 'C:ok', 'GW_ERR_REQUEST_UNSTORABLE', 'E:ok', 'F:ok', 'G:ok', 'H:ok',
    ]);
    expect(prepared).toBe(1);
    // 8 refused → halves: [A B C BAD] refused → [A B] ok, [C BAD] refused → [C] ok, [BAD] alone; then [E F G H] ok.
    expect(attempts).toEqual([items.map((i) => i.toUpperCase()), ['A', 'B', 'C', 'BAD'], ['A', 'B'], ['C', 'BAD'], ['C'], ['BAD'], ['E', 'F', 'G', 'H']]);
    expect(failures.answers).toEqual([['refused value', true]]);
  });
});

describe('max wait', () => {
  test('with maxWaitMs, a lone item waits that long for company, and items arriving meanwhile share its commit', async () => {
    const r = recordingQueue({ maxWaitMs: 400 });
    const t0 = Date.now();
    const a = r.q.submit('a');
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setImmediate(res));
    expect(r.commits).toEqual([]); // still waiting for company
    const b = r.q.submit('b');
    expect(await Promise.all([a, b])).toEqual(['a:done', 'b:done']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(395); // timers may round by a millisecond, never fire much early
    expect(r.commits).toEqual([['a', 'b']]);
  });

  test('a full batch does not wait', async () => {
    const r = recordingQueue({ maxWaitMs: 60_000, maxBatch: 3 });
    const t0 = Date.now();
    expect(await Promise.all(submitAll(r.q, ['a', 'b', 'c']))).toEqual(['a:done', 'b:done', 'c:done']);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.q.queued).toBe(0);
  });

  test('maxWaitMs 0 (default): a batch starts on the next turn of the event loop, so an item submitted after that turn goes to the next commit', async () => {
    const r = recordingQueue();
    const release = r.holdCommits();
    const a = r.q.submit('a');
    await new Promise((res) => setImmediate(res));
    await until(() => r.commits.length === 1, 'the first commit to start');
    const b = r.q.submit('b');
    release();
    await Promise.all([a, b]);
    expect(r.commits).toEqual([['a'], ['b']]);
  });

  test('a maxWaitMs function is asked on every submit: a shorter wait replaces a pending longer one', async () => {
    let otherBusy = true;
    const r = recordingQueue({ maxWaitMs: () => (otherBusy ? 60_000 : 0) });
    const t0 = Date.now();
    const a = r.q.submit('a');
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setImmediate(res));
    expect(r.commits).toEqual([]); // waiting for company while the other side is busy
    otherBusy = false;
    const b = r.q.submit('b');
    expect(await Promise.all([a, b])).toEqual(['a:done', 'b:done']);
    expect(r.commits).toEqual([['a', 'b']]);
    expect(Date.now() - t0).toBeLessThan(30_000); // not the minute the first item was told
  });
});

describe('overlapMinBatch: a second batch beside the one in flight', () => {
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((res) => setImmediate(res));
  };

  test('starts once that many wait, never a third; a batch ending beside another takes the next only when that many wait', async () => {
    const r = recordingQueue({ maxBatch: 10, overlapMinBatch: 3 });
    const releaseFirst = r.holdCommits();
    const a = submitAll(r.q, ['a']);
    await until(() => r.commits.length === 1, 'the first commit to start');
    const releaseSecond = r.holdCommits(); // the commits from now on wait on their own gate
    const bc = submitAll(r.q, ['b', 'c']);
    await turns(4);
    expect(r.commits).toHaveLength(1); // two waiting: fewer than 3, they wait for the first
    const d = submitAll(r.q, ['d']);
    await until(() => r.commits.length === 2, 'a second commit beside the first');
    expect(r.commits[1]).toEqual(['b', 'c', 'd']);
    expect(r.maxInFlight()).toBe(2);

    const e = submitAll(r.q, ['e']);
    releaseFirst();
    expect(await Promise.all(a)).toEqual(['a:done']);
    await turns(4);
    expect(r.commits).toHaveLength(2); // the first's loop stops: one waiting beside the second is fewer than 3
    expect(r.q.queued).toBe(1);
    const fg = submitAll(r.q, ['f', 'g']);
    await until(() => r.commits.length === 3, 'a batch beside the second once 3 wait');
    expect(r.commits[2]).toEqual(['e', 'f', 'g']);
    const hij = submitAll(r.q, ['h', 'i', 'j']);
    await turns(4);
    expect(r.commits).toHaveLength(3); // 3 waiting, but two in flight: never a third
    releaseSecond();
    expect(await Promise.all([...bc, ...d, ...e, ...fg, ...hij])).toEqual(['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((x) => `${x}:done`));
    expect(r.commits).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f', 'g'], ['h', 'i', 'j']]);
    expect(r.maxInFlight()).toBe(2);
    await r.q.drain();
    expect(r.q.busy).toBe(false);
  });

  test('drain waits for both batches in flight', async () => {
    const r = recordingQueue({ overlapMinBatch: 1 });
    const releaseFirst = r.holdCommits();
    const a = r.q.submit('a');
    await until(() => r.commits.length === 1, 'the first commit to start');
    const releaseSecond = r.holdCommits();
    const b = r.q.submit('b');
    await until(() => r.commits.length === 2, 'the second beside it');
    let drained = false;
    const d = r.q.drain().then(() => (drained = true));
    releaseSecond();
    expect(await b).toBe('b:done');
    await turns(4);
    expect(drained).toBe(false); // the first is still in flight
    expect(r.q.busy).toBe(true);
    releaseFirst();
    await d;
    expect(await a).toBe('a:done');
    expect(r.q.busy).toBe(false);
  });
});
