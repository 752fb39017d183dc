import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

const push = (messageId: string, payload: unknown = sampleCaseRecord(), extra: Record<string, unknown> = {}) =>
  t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId, caseId: (payload as { caseNo?: string }).caseNo, purpose: 'case-handling', payload, ...extra },
  });

describe('push → pull → ack round trip', () => {
  test('a pushed case record reaches the receiver inbox and its ack is visible to the sender', async () => {
    const record = sampleCaseRecord();
    const res = await push('rt-1', record);
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    // the hall signs with SM2, so its payload digests are SM3
    expect(res.body).toMatchObject({ messageId: 'rt-1', status: 'queued', digest: { alg: 'sm3' } });
    expect(res.body.log).toEqual({ index: expect.any(Number), leafHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/); // UUIDv7
    expect(res.body.digest.value).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.receivedAt).toMatch(/\+08:00$/);

    const inbox = await t.call('GET', '/api/v1/inbox', { token: t.tokens.housing });
    expect(inbox.status).toBe(200);
    const item = inbox.body.items.find((m: { id: string }) => m.id === res.body.id);
    expect(item).toMatchObject({ from: 'hall', to: 'housing', type: 'case-record', status: 'delivered', payload: record });

    // the hall's own inbox does not contain it
    const hallInbox = await t.call('GET', '/api/v1/inbox', { token: t.tokens.hall });
    expect(hallInbox.body.items.map((m: { id: string }) => m.id)).not.toContain(res.body.id);

    const ack = await t.call('POST', `/api/v1/messages/${res.body.id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
    expect(ack.status).toBe(200);
    expect(ack.body.status).toBe('acknowledged');

    const seen = await t.call('GET', `/api/v1/messages/${res.body.id}`, { token: t.tokens.hall });
    expect(seen.status).toBe(200);
    expect(seen.body.status).toBe('acknowledged');
    expect(seen.body.history.map((h: { event: string }) => h.event)).toEqual(['received', 'queued', 'delivered', 'acknowledged']);
    expect(seen.body.history[2]).toMatchObject({ via: 'pull', actor: 'housing/default' });
  });

  test('rejection carries the reason; a second different answer is refused; the same answer is harmless', async () => {
    const res = await push('rt-2');
    const id = res.body.id;
    const noReason = await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'rejected' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([{ pointer: '/reason', message: "must have required property 'reason'" }]);
    const rej = await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason: '材料不全' } });
    expect(rej.body.status).toBe('rejected');
    expect(rej.body.history.at(-1)).toMatchObject({ event: 'rejected', reason: '材料不全' });
    const again = await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason: '材料不全' } });
    expect(again.status).toBe(200);
    const flip = await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
    expect(flip.status).toBe(409);
    expect(flip.body.code).toBe('GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED');
  });

  test('only the receiver may ack; third parties cannot even see the message', async () => {
    const { body } = await push('rt-3');
    const bySender = await t.call('POST', `/api/v1/messages/${body.id}/ack`, { token: t.tokens.hall, body: { result: 'accepted' } });
    expect(bySender.status).toBe(403);
    expect(bySender.body.code).toBe('GW_ERR_EXCHANGE_NOT_RECEIVER');
    const byOther = await t.call('GET', `/api/v1/messages/${body.id}`, { token: t.tokens.tax });
    expect(byOther.status).toBe(404);
    expect(byOther.body.code).toBe('GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND');
    const ackOther = await t.call('POST', `/api/v1/messages/${body.id}/ack`, { token: t.tokens.tax, body: { result: 'accepted' } });
    expect(ackOther.status).toBe(404);
  });

  test('status events flow back from the department to the hall', async () => {
    const status = sampleCaseStatus();
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.housing,
      body: { to: 'hall', type: 'case-status', messageId: 'st-1', caseId: status.caseNo, purpose: 'status-feedback', payload: status },
    });
    expect(res.status).toBe(202);
    const inbox = await t.call('GET', '/api/v1/inbox?type=case-status', { token: t.tokens.hall });
    expect(inbox.body.items.map((m: { messageId: string }) => m.messageId)).toContain('st-1');
  });
});

describe('idempotency', () => {
  test('same sender + messageId + content → 200 with the original receipt; different content → 409', async () => {
    const record = sampleCaseRecord();
    const first = await push('idem-1', record);
    expect(first.status).toBe(202);
    const second = await push('idem-1', record);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    const changed = await push('idem-1', { ...record, remarks: '改过的内容' });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('GW_ERR_EXCHANGE_DUPLICATE_CONFLICT');
    const count = await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE message_id = 'idem-1'`);
    expect(count.rows[0].n).toBe(1);
  });

  test('concurrent duplicates inside one group commit still store exactly one message', async () => {
    const record = sampleCaseRecord();
    const answers = await Promise.all(Array.from({ length: 20 }, () => push('idem-burst', record)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  });

  test('the same messageId from two different senders is two messages', async () => {
    const a = await push('shared-id');
    const status = sampleCaseStatus();
    const b = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.housing,
      body: { to: 'hall', type: 'case-status', messageId: 'shared-id', purpose: 'status-feedback', payload: status },
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.id).not.toBe(b.body.id);
  });
});

describe('group commit and inbox pagination', () => {
  test('a burst of concurrent pushes shares transactions and every message is paged exactly once, in order', async () => {
    const before = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.tax });
    expect(before.body.items).toHaveLength(0);
    const n = 120;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        t.call('POST', '/api/v1/messages', {
          token: t.tokens.hall,
          body: { to: 'tax', type: 'case-record', messageId: `burst-${i}`, purpose: 'case-handling', payload: sampleCaseRecord() },
        }),
      ),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const metrics = await t.call('GET', '/metrics');
    const count = Number(/xgw_group_commit_batch_size_count (\d+)/.exec(metrics.text)![1]);
    const sum = Number(/xgw_group_commit_batch_size_sum (\d+)/.exec(metrics.text)![1]);
    expect(sum / count).toBeGreaterThan(1); // batches really formed

    const seen: string[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const page: { body: { items: { id: string }[]; next: string | null } } = await t.call('GET', `/api/v1/inbox?limit=7${after ? `&after=${after}` : ''}`, { token: t.tokens.tax });
      seen.push(...page.body.items.map((m) => m.id));
      after = page.body.next;
      pages++;
    }
    expect(seen).toHaveLength(n);
    expect(new Set(seen).size).toBe(n);
    expect(pages).toBe(Math.ceil(n / 7) + (n % 7 === 0 ? 1 : 0));
    expect(new Set(seen)).toEqual(new Set(answers.map((a) => a.body.id)));
  });

  test('a bad cursor is a clear 400', async () => {
    const r = await t.call('GET', '/api/v1/inbox?after=bm9wZQ', { token: t.tokens.tax });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('GW_ERR_LIST_BAD_CURSOR');
  });
});
