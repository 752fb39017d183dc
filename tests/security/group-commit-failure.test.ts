/**
 * A group commit that fails as a whole (database unreachable, receipt signing
 * failing) answers every caller — none is left hanging — with 503, stores nothing
 * half, and the next push works; a burst beyond the queue bound is refused at once
 * with GW_ERR_OVERLOADED and Retry-After.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { FaultyStore, allSettleWithin, holdNextPushBatch, isPushBatch, sqlError, until } from '../support/faulty-store';
import { sampleCaseRecord } from '../fixtures/case-record';
import { verifyReceipt } from '../../gateway/exchange/receipts';

let seq = 0;
const pushBody = (messageId: string) => ({ to: 'housing', type: 'case-record', messageId, purpose: 'case-handling', payload: sampleCaseRecord() });

describe('a failing group commit', () => {
  let t: TestGateway;
  let faulty: FaultyStore;
  beforeAll(async () => {
    t = await startTestGateway({ wrapStore: (s) => (faulty = new FaultyStore(s)) });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const push = (messageId: string) => t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: pushBody(messageId) });
  const storedCount = async (ids: string[]) =>
    Number((await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE message_id = ANY($1)`, [ids])).rows[0].n);

  test('the database unreachable during the batch statement: every caller gets 503 GW_ERR_STORE_UNAVAILABLE, nothing is stored, retries get 202', async () => {
    const ids = Array.from({ length: 6 }, () => `down-${++seq}`);
    const before = faulty.batches.length;
    faulty.before = (s) => {
      if (isPushBatch(s)) throw sqlError('08006', 'connection to server was lost');
    };
    const settled = await allSettleWithin(ids.map(push), 60_000);
    faulty.before = null;
    const answers = settled.map((s) => (s.status === 'fulfilled' ? [s.value.status, s.value.body?.code] : ['rejected']));
    expect(answers).toEqual(ids.map(() => [503, 'GW_ERR_STORE_UNAVAILABLE']));
    // Not the data's fault: the batch is not split and retried (that would only multiply the failure).
    const tried = faulty.batches.slice(before).filter((b) => b.kind === 'push');
    expect(tried.reduce((n, b) => n + b.rows, 0)).toBe(ids.length);
    expect(await storedCount(ids)).toBe(0);
    // Nothing half-stored: the very same pushes are new messages now (202, not 200 duplicates).
    const again = await Promise.all(ids.map(push));
    expect(again.map((a) => a.status)).toEqual(ids.map(() => 202));
    expect(await storedCount(ids)).toBe(ids.length);
  }, 120_000);

  test('receipt signing fails after the commit: every caller gets 503, and a retry gets the stored message with a valid signed receipt', async () => {
    const writer = t.gw.deps.writer as unknown as { signReceipts: (...a: unknown[]) => unknown };
    const real = writer.signReceipts;
    writer.signReceipts = () => {
      throw new Error('injected: the signing key is not usable');
    };
    const ids = Array.from({ length: 5 }, () => `nosig-${++seq}`);
    let settled: PromiseSettledResult<Awaited<ReturnType<typeof push>>>[];
    try {
      settled = await allSettleWithin(ids.map(push), 60_000);
    } finally {
      writer.signReceipts = real;
    }
    expect(settled.map((s) => (s.status === 'fulfilled' ? [s.value.status, s.value.body?.code] : ['rejected']))).toEqual(ids.map(() => [503, 'GW_ERR_STORE_UNAVAILABLE']));
    const logCert = t.gw.deps.trust.logSigner.certPem!;
    const retried = await Promise.all(ids.map(push));
    for (const r of retried) {
      expect(r.status).toBe(200); // stored by the failed attempt, exactly once
      expect(verifyReceipt(r.body, logCert)).toBe(true);
    }
    expect(await storedCount(ids)).toBe(ids.length);
    expect((await push(`after-${++seq}`)).status).toBe(202);
  }, 120_000);
});

describe('a burst beyond the queue bound', () => {
  let t: TestGateway;
  let faulty: FaultyStore;
  beforeAll(async () => {
    t = await startTestGateway({ config: { groupCommit: { maxBatch: 256, maxQueue: 3 } }, wrapStore: (s) => (faulty = new FaultyStore(s)) });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  test('is refused at once with 503 GW_ERR_OVERLOADED and Retry-After; the queued ones are stored when the database answers', async () => {
    const push = (messageId: string) => t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: pushBody(messageId) });
    const { first, release } = await holdNextPushBatch(faulty, () => push(`burst-${++seq}`));
    const rest = Array.from({ length: 6 }, () => push(`burst-${++seq}`));
    let refused = 0;
    for (const r of rest) void r.then((a) => (refused += a.status === 503 ? 1 : 0));
    // While the commit is held: three wait in the queue, the other three are answered at once.
    await until(() => t.gw.deps.writer.queued === 3 && refused === 3, 'three queued and three refused');
    release();
    const settled = await allSettleWithin([first, ...rest], 60_000);
    const answers = settled.map((s) => (s.status === 'fulfilled' ? s.value : null));
    const overloaded = answers.filter((a) => a?.status === 503);
    expect(overloaded).toHaveLength(3);
    for (const a of overloaded) {
      expect(a!.body.code).toBe('GW_ERR_OVERLOADED');
      expect(a!.headers.get('retry-after')).toBe('1');
    }
    expect(answers.filter((a) => a?.status === 202)).toHaveLength(4);
    faulty.before = null;
    expect((await push(`burst-after-${++seq}`)).status).toBe(202);
  }, 120_000);
});
