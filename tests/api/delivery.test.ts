import { startTestGateway, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoMembers } from '../../gateway/registry/demo';
import { backoffMs } from '../../gateway/delivery/backoff';
import { DeliveryWorker } from '../../gateway/delivery/worker';
import { formatTime } from '../../gateway/clock';

const BASE = 1000;
const MAX = 60_000;
// Generous: on a loaded 2-core CI machine a 15 ms answer can take hundreds of ms.
const TIMEOUT = 1500;
const MAX_ATTEMPTS = 3;
const CONCURRENCY = 4;

let t: TestGateway;
let rx: Receiver;
let seq = 0;

beforeAll(async () => {
  rx = await startReceiver();
  const members = demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
  t = await startTestGateway({
    members,
    config: {
      // One receiver here: no per-receiver cap, so concurrent workers really share its jobs (the cap: tests/delivery/receivers.test.ts).
      delivery: { requestTimeoutMs: TIMEOUT, maxAttempts: MAX_ATTEMPTS, backoffBaseMs: BASE, backoffMaxMs: MAX, concurrency: CONCURRENCY, perReceiverConcurrency: 64 },
    },
  });
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});
beforeEach(() => rx.reset());

async function push(to = 'housing') {
  const record = sampleCaseRecord({ caseNo: `FZ-DL-${String(++seq).padStart(6, '0')}` });
  const res = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to, type: 'case-record', messageId: `dl-${seq}`, caseId: record.caseNo, purpose: 'case-handling', payload: record },
  });
  expect(res.status).toBe(202);
  return { receipt: res.body as { id: string; messageId: string; digest: { alg: string; value: string }; receivedAt: string }, record };
}

const view = async (id: string) => (await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall })).body;
const runOnce = () => t.gw.deps.delivery.runOnce();
/** Moves the manual clock to `iso` (never backwards). */
function clockTo(iso: string) {
  const ms = new Date(iso).getTime() - t.clock.now().getTime();
  expect(ms).toBeGreaterThanOrEqual(0);
  t.clock.advance(ms);
}

describe('backoffMs', () => {
  test('grows exponentially, is bounded by max, and jitter stays within [min(base/2, ceiling), ceiling]', () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 1000, 60_000, half))).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(backoffMs(7, 1000, 60_000, half)).toBe(30_000);
    expect(backoffMs(8, 1000, 60_000, half)).toBe(30_000); // ceiling capped at 60 s
    for (const n of [10, 20, 50, 1000]) {
      expect(backoffMs(n, 1000, 60_000, () => 0.999999)).toBeLessThanOrEqual(60_000);
      expect(backoffMs(n, 1000, 60_000, () => 1)).toBe(60_000);
    }
    // the floor is base/2, so a flapping receiver is not hammered
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(6, 1000, 60_000, () => 0)).toBe(500);
    // …unless max itself is smaller
    expect(backoffMs(3, 1000, 200, () => 0)).toBe(200);
    // attempt 0 or negative behaves like attempt 1
    expect(backoffMs(0, 1000, 60_000, () => 1)).toBe(1000);

    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 1; n <= 30; n++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (n - 1));
      for (let i = 0; i < 50; i++) {
        const ms = backoffMs(n, 1000, 60_000, rnd);
        expect(Number.isInteger(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(Math.min(500, ceiling));
        expect(ms).toBeLessThanOrEqual(ceiling);
      }
    }
    // with the default Math.random too
    for (let i = 0; i < 200; i++) {
      const ms = backoffMs(4, 1000, 60_000);
      expect(ms).toBeGreaterThanOrEqual(500);
      expect(ms).toBeLessThanOrEqual(8000);
    }
  });
});

describe('webhook delivery (push mode)', () => {
  test('the receiver gets the message by POST with Idempotency-Key and attempt number; the message becomes delivered', async () => {
    const { receipt, record } = await push();
    expect(rx.hits).toHaveLength(0); // nothing is sent before the worker runs
    expect(await runOnce()).toBe(1);
    expect(rx.hits).toHaveLength(1);
    const hit = rx.hits[0];
    expect(hit.method).toBe('POST');
    expect(hit.path).toBe('/hook');
    expect(hit.headers['content-type']).toMatch(/^application\/json/);
    expect(hit.headers['idempotency-key']).toBe(receipt.id);
    expect(hit.headers['x-xgw-message-id']).toBe(receipt.id);
    expect(hit.headers['x-xgw-delivery-attempt']).toBe('1');
    expect(hit.body).toEqual({
      id: receipt.id,
      messageId: receipt.messageId,
      from: 'hall',
      to: 'housing',
      type: 'case-record',
      caseId: record.caseNo,
      purpose: 'case-handling',
      digest: receipt.digest,
      receivedAt: receipt.receivedAt,
      payload: record,
    });

    const m = await view(receipt.id);
    expect(m.status).toBe('delivered');
    expect(m.delivery).toEqual({ mode: 'push', status: 'delivered', attempts: 1, nextAttemptAt: null, lastError: null });
    expect(m.history.map((h: { event: string }) => h.event)).toEqual(['received', 'queued', 'delivered']);
    expect(m.history[1]).toMatchObject({ mode: 'push' });
    expect(m.history[2]).toMatchObject({ via: 'push', attempt: 1, httpStatus: 200, actor: 'gateway' });

    // delivered means done: later passes, even much later, send nothing
    t.clock.advance(3600_000);
    expect(await runOnce()).toBe(0);
    expect(rx.hits).toHaveLength(1);
  });

  test('HTTP 500, then a hang past requestTimeoutMs: retries follow backoffMs; recovery delivers with the full history', async () => {
    const answers: ('fail' | 'hang' | 'ok')[] = ['fail', 'hang', 'ok'];
    rx.reply = () => {
      const a = answers.shift() ?? 'ok';
      return a === 'fail' ? { status: 500 } : a;
    };
    const { receipt } = await push();
    const t0 = t.clock.now().getTime();

    // attempt 1: HTTP 500
    expect(await runOnce()).toBe(1);
    const next1 = t0 + backoffMs(1, BASE, MAX, () => 0.5);
    let m = await view(receipt.id);
    expect(m.status).toBe('failed');
    expect(m.delivery).toEqual({ mode: 'push', status: 'pending', attempts: 1, nextAttemptAt: formatTime(next1), lastError: 'HTTP 500' });

    // not yet due: no attempt, even 1 ms before
    expect(await runOnce()).toBe(0);
    t.clock.advance(next1 - t0 - 1);
    expect(await runOnce()).toBe(0);
    expect(rx.hits).toHaveLength(1);

    // attempt 2: the receiver hangs; the gateway gives up after requestTimeoutMs
    t.clock.advance(1);
    const t1 = t.clock.now().getTime();
    const started = Date.now();
    expect(await runOnce()).toBe(1);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(TIMEOUT - 20);
    expect(took).toBeLessThan(TIMEOUT + 2000);
    const next2 = t1 + backoffMs(2, BASE, MAX, () => 0.5);
    m = await view(receipt.id);
    expect(m.status).toBe('failed');
    expect(m.delivery).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: formatTime(next2), lastError: `timeout after ${TIMEOUT} ms` });
    expect(next2 - t1).toBeGreaterThan(next1 - t0); // the wait grew

    t.clock.advance(next2 - t1 - 1);
    expect(await runOnce()).toBe(0);
    t.clock.advance(1);
    const t2 = t.clock.now().getTime();

    // attempt 3: recovered
    expect(await runOnce()).toBe(1);
    expect(rx.hits.map((h) => h.headers['x-xgw-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(rx.hits.map((h) => h.headers['idempotency-key']))).toEqual(new Set([receipt.id]));
    expect(rx.hits.every((h) => h.body.id === receipt.id)).toBe(true);

    m = await view(receipt.id);
    expect(m.status).toBe('delivered');
    expect(m.delivery).toEqual({ mode: 'push', status: 'delivered', attempts: 3, nextAttemptAt: null, lastError: null });
    expect(m.history.map((h: { event: string }) => h.event)).toEqual(['received', 'queued', 'delivery_failed', 'delivery_failed', 'delivered']);
    expect(m.history[2]).toMatchObject({ at: formatTime(t0), attempt: 1, httpStatus: 500, error: 'HTTP 500', nextAttemptAt: formatTime(next1), actor: 'gateway' });
    expect(m.history[3]).toMatchObject({ at: formatTime(t1), attempt: 2, httpStatus: null, error: `timeout after ${TIMEOUT} ms`, nextAttemptAt: formatTime(next2) });
    expect(m.history[4]).toMatchObject({ at: formatTime(t2), event: 'delivered', via: 'push', attempt: 3, httpStatus: 200 });
    expect(await runOnce()).toBe(0);
  });

  test('a permanently failing receiver: after maxAttempts the message is dead-lettered and never tried again', async () => {
    rx.reply = () => ({ status: 503 });
    const { receipt } = await push();
    const expectedNext: string[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = t.clock.now().getTime();
      expect(await runOnce()).toBe(1);
      if (attempt < MAX_ATTEMPTS) {
        const next = now + backoffMs(attempt, BASE, MAX, () => 0.5);
        expectedNext.push(formatTime(next));
        const m = await view(receipt.id);
        expect(m.delivery).toMatchObject({ status: 'pending', attempts: attempt, nextAttemptAt: formatTime(next) });
        clockTo(formatTime(next));
      }
    }
    const m = await view(receipt.id);
    expect(m.status).toBe('dead_lettered');
    expect(m.delivery).toEqual({ mode: 'push', status: 'dead', attempts: MAX_ATTEMPTS, nextAttemptAt: null, lastError: 'HTTP 503' });
    expect(m.history.map((h: { event: string }) => h.event)).toEqual(['received', 'queued', 'delivery_failed', 'delivery_failed', 'delivery_failed', 'dead_lettered']);
    expect(m.history.slice(2, 5).map((h: { attempt: number }) => h.attempt)).toEqual([1, 2, 3]);
    expect(m.history.slice(2, 4).map((h: { nextAttemptAt: string }) => h.nextAttemptAt)).toEqual(expectedNext);
    expect(m.history[4].nextAttemptAt).toBeUndefined();
    expect(m.history[4]).toMatchObject({ error: 'HTTP 503', httpStatus: 503 });
    expect(m.history[5]).toMatchObject({ event: 'dead_lettered', attempts: MAX_ATTEMPTS, actor: 'gateway' });
    expect(rx.hits).toHaveLength(MAX_ATTEMPTS);

    t.clock.advance(24 * 3600_000);
    expect(await runOnce()).toBe(0);
    expect(rx.hits).toHaveLength(MAX_ATTEMPTS);
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.text).toMatch(/xgw_messages_total\{type="case-record",status="dead_lettered"\} 1/);
  });

  test('an unreachable webhook (connection refused) is a failed attempt with the network error', async () => {
    const dead = await startReceiver();
    const url = dead.url;
    await dead.close(); // nothing listens there any more
    const dir = t.gw.deps.directory;
    const housing = dir.member('housing')!;
    const spy = jest.spyOn(dir, 'member').mockImplementation((code: string) => (code === 'housing' ? { ...housing, webhookUrl: url } : dir.allMembers().find((m) => m.code === code)));
    try {
      const { receipt } = await push();
      expect(await runOnce()).toBe(1);
      const m = await view(receipt.id);
      expect(m.status).toBe('failed');
      expect(m.delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: 'ECONNREFUSED' });
      expect(m.history.at(-1)).toMatchObject({ event: 'delivery_failed', attempt: 1, httpStatus: null, error: 'ECONNREFUSED' });
    } finally {
      spy.mockRestore();
    }
    // the registered receiver is back: the retry delivers
    t.clock.advance(MAX);
    expect(await runOnce()).toBe(1);
    expect(rx.hits).toHaveLength(1);
  });

  test('pull-mode receivers are never posted to; a pass delivers every due message, more than `concurrency`', async () => {
    const pulled = await push('tax'); // tax is in pull mode
    const n = CONCURRENCY * 2 + 3;
    const receipts = [];
    for (let i = 0; i < n; i++) receipts.push((await push()).receipt);
    expect(await runOnce()).toBe(n);
    expect(rx.hits).toHaveLength(n);
    expect(new Set(rx.hits.map((h) => h.body.id))).toEqual(new Set(receipts.map((r) => r.id)));
    expect(rx.hits.some((h) => h.body.id === pulled.receipt.id)).toBe(false);
    const tax = await view(pulled.receipt.id);
    expect(tax.status).toBe('queued');
    expect(tax.delivery).toMatchObject({ mode: 'pull', status: 'pending', attempts: 0 });
  });

  // On PGlite (one connection) the claims interleave but never overlap in the database: this checks the
  // claim bookkeeping. Separate connection pools racing for rows: tests/store/postgres-concurrency.test.ts.
  test('two workers claiming concurrently on the same store never deliver a message twice', async () => {
    rx.reply = () => ({ delayMs: 15 }); // slow enough that the workers overlap
    const n = 24;
    const ids = new Set<string>();
    for (let i = 0; i < n; i++) ids.add((await push()).receipt.id);
    const d = t.gw.deps;
    const second = new DeliveryWorker(d.store, d.adapters, t.clock, { ...d.config.delivery, concurrency: 3 }, d.log, d.config.trust.logHashAlg, undefined, () => 0.5);
    const third = new DeliveryWorker(d.store, d.adapters, t.clock, { ...d.config.delivery, concurrency: 2 }, d.log, d.config.trust.logHashAlg, undefined, () => 0.5);
    const counts = await Promise.all([d.delivery.runOnce(), second.runOnce(), third.runOnce(), second.runOnce()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1); // the work really was shared
    expect(rx.hits).toHaveLength(n);
    const perId = new Map<string, number>();
    for (const h of rx.hits) perId.set(h.body.id, (perId.get(h.body.id) ?? 0) + 1);
    expect(new Set(perId.keys())).toEqual(ids);
    expect([...perId.values()].every((c) => c === 1)).toBe(true);
    for (const id of ids) {
      const m = await view(id);
      expect(m.status).toBe('delivered');
      expect(m.delivery.attempts).toBe(1);
      expect(m.history.filter((h: { event: string }) => h.event === 'delivered')).toHaveLength(1);
    }
    expect(await Promise.all([d.delivery.runOnce(), second.runOnce()])).toEqual([0, 0]);
  });

  test('pulling a pushed message first settles its delivery: the worker does not post it afterwards', async () => {
    const { receipt } = await push();
    const inbox = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.housing });
    expect(inbox.body.items.map((m: { id: string }) => m.id)).toContain(receipt.id);
    expect(await runOnce()).toBe(0);
    expect(rx.hits).toHaveLength(0);
    const m = await view(receipt.id);
    expect(m.status).toBe('delivered');
    expect(m.delivery).toMatchObject({ status: 'delivered', attempts: 0 });
  });
});
