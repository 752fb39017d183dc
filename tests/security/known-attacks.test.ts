/**
 * Attacks the gateway already withstands, kept as a standing suite: IDOR on another
 * member's messages and acknowledgements, agreement bypass, prototype pollution in
 * a push body, huge headers, concurrent duplicates (XML attacks: known-attacks-xml).
 */
import http from 'node:http';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';

jest.setTimeout(180_000);

let t: TestGateway;
let id = '';
beforeAll(async () => {
  t = await startTestGateway();
  const p = sampleCaseRecord();
  const r = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'atk-1', caseId: p.caseNo, purpose: 'case-handling', payload: p } });
  expect(r.status).toBe(202);
  id = r.body.id;
});
afterAll(async () => {
  await t?.close();
});

describe('IDOR: another member cannot read or answer a message', () => {
  test('a stranger reads, acks and rejects: 404, the same answer as for a message that does not exist', async () => {
    const nothing = await t.call('GET', '/api/v1/messages/00000000-0000-7000-8000-000000000000', { token: t.tokens.tax });
    for (const [method, path, body] of [
      ['GET', `/api/v1/messages/${id}`, undefined],
      ['POST', `/api/v1/messages/${id}/ack`, { result: 'accepted' }],
      ['POST', `/api/v1/messages/${id}/ack`, { result: 'rejected', reason: 'x' }],
    ] as const) {
      const r = await t.call(method, path, { token: t.tokens.tax, body });
      expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 404, code: 'GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND' });
    }
    expect(nothing.body.code).toBe('GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND');
    // the stranger's inbox does not list it
    const inbox = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.tax });
    expect(inbox.body.items.map((m: { id: string }) => m.id)).not.toContain(id);
  });

  test('the sender cannot acknowledge its own message on the receiver\'s behalf', async () => {
    const r = await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.hall, body: { result: 'accepted' } });
    expect([r.status, r.body.code]).toEqual([403, 'GW_ERR_EXCHANGE_NOT_RECEIVER']);
    expect((await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall })).body.status).toBe('queued');
  });
});

describe('agreement bypass', () => {
  test('no agreement, a purpose it does not name, a spoofed sender field: refused, nothing stored', async () => {
    const before = Number((await t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0].n);
    const s = sampleCaseStatus();
    const noAgreement = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'tax', type: 'case-status', messageId: 'atk-2', caseId: s.caseNo, purpose: 'status-feedback', payload: s } });
    expect([noAgreement.status, noAgreement.body.code]).toEqual([403, 'GW_ERR_EXCHANGE_NO_AGREEMENT']);
    const p = sampleCaseRecord();
    const purpose = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'atk-3', caseId: p.caseNo, purpose: 'marketing', payload: p } });
    expect([purpose.status, purpose.body.code]).toEqual([403, 'GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED']);
    // tax claims to be the hall in the body: the sender is the token's member, and the body field is refused
    const spoof = await t.call('POST', '/api/v1/messages', { token: t.tokens.tax, body: { from: 'hall', sender: 'hall', to: 'housing', type: 'case-record', messageId: 'atk-4', caseId: p.caseNo, purpose: 'case-handling', payload: p } });
    expect(spoof.status).toBeGreaterThanOrEqual(400);
    expect(spoof.status).toBeLessThan(500);
    const call = await t.call('POST', '/api/v1/services/amr/query-enterprise', {
      token: t.tokens.tax,
      body: { uscc: '91350100273896412W' },
      headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-ZJ-20260302-000001' },
    });
    expect([call.status, call.body.code]).toEqual([403, 'GW_ERR_EXCHANGE_NO_AGREEMENT']);
    expect(Number((await t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0].n)).toBe(before);
  });
});

test('prototype pollution in a push body: refused or stored inertly, Object.prototype untouched', async () => {
  const p = sampleCaseRecord();
  const raw = `{"to":"housing","type":"case-record","messageId":"atk-5","caseId":"${p.caseNo}","purpose":"case-handling",` +
    `"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},` +
    `"payload":${JSON.stringify(p).slice(0, -1)},"__proto__":{"polluted":"yes"}}}`;
  const r = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, raw, headers: { 'content-type': 'application/json' } });
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  // the gateway still works
  expect((await t.call('GET', '/api/v1/members', { token: t.tokens.hall })).status).toBe(200);
});

test('huge headers: 431 from the HTTP server, the gateway keeps answering', async () => {
  const url = new URL(t.url);
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: '/api/v1/members', headers: { authorization: `Bearer ${t.tokens.hall}`, 'x-filler': 'a'.repeat(64 * 1024) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  expect(status).toBe(431);
  expect((await t.call('GET', '/api/v1/members', { token: t.tokens.hall })).status).toBe(200);
});

test('concurrent duplicates: 20 pushes of one messageId at once store one message; every answer carries its receipt', async () => {
  const p = sampleCaseRecord({ caseNo: 'JZ-DUP-20260302-01' });
  const body = { to: 'housing', type: 'case-record', messageId: 'atk-dup-1', caseId: p.caseNo, purpose: 'case-handling', payload: p };
  const answers = await Promise.all(Array.from({ length: 20 }, () => t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body })));
  expect(answers.map((a) => a.status).sort()).toEqual([...Array(19).fill(200), 202].sort());
  expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  expect(new Set(answers.map((a) => a.body.log.index)).size).toBe(1);
  const rows = await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE sender = 'hall' AND message_id = 'atk-dup-1'`);
  expect(rows.rows[0]!.n).toBe(1);
});
