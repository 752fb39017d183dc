/**
 * Text PostgreSQL cannot store (U+0000, a lone UTF-16 surrogate), anywhere in a
 * request — payload, payload key, envelope, ack, login, query parameter — is refused
 * on its own with a 4xx naming the field, never a 500 and never a 503 for the batch
 * it would have shared; and a body that does not decode as its Content-Encoding
 * says is a 400.
 */
import zlib from 'node:zlib';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';

let t: TestGateway;
let seq = 0;
beforeAll(async () => {
  t = await startTestGateway();
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const envelope = (extra: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => ({
  to: 'housing',
  type: 'case-record',
  messageId: `str-${++seq}`,
  purpose: 'case-handling',
  payload: { ...sampleCaseRecord(), ...payload },
  ...extra,
});
const push = (body: unknown) => t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body });
const messages = async () => Number((await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages`)).rows[0].n);

const BAD = { nul: 'a\u0000b', high: 'a\ud800b', low: '\udc00b', reversed: '\udc00\ud800' };

describe.each(Object.entries(BAD))('%s', (_name, bad) => {
  test.each([
    ['a payload string', () => envelope({}, { remarks: bad }), '/payload/remarks'],
    ['a nested payload string', () => envelope({}, { matter: { ...sampleCaseRecord().matter, name: bad } }), '/payload/matter/name'],
    ['a payload key', () => envelope({}, { [`k${bad}`]: 1 }), `/payload/k${bad}`],
    ['caseId', () => envelope({ caseId: `JZ${bad}` }), '/caseId'],
    ['purpose', () => envelope({ purpose: bad }), '/purpose'],
  ])('in %s: 422 GW_ERR_REQUEST_UNSTORABLE with its pointer, nothing stored, the next push works', async (_where, body, pointer) => {
    const before = await messages();
    const res = await push(body());
    expect([res.status, res.body?.code]).toEqual([422, 'GW_ERR_REQUEST_UNSTORABLE']);
    expect(res.body.errors).toEqual([{ pointer, message: expect.stringMatching(/U\+0000|lone UTF-16 surrogate/) }]);
    expect(await messages()).toBe(before);
    expect((await push(envelope())).status).toBe(202);
  });

  test('in an ack reason, a login, a service call body: 422, not 500', async () => {
    const ok = await push(envelope());
    const ack = await t.call('POST', `/api/v1/messages/${ok.body.id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason: `缺材料${bad}` } });
    expect([ack.status, ack.body.errors?.[0]?.pointer]).toEqual([422, '/reason']);
    const login = await t.call('POST', '/api/v1/auth/login', { body: { login: `t.clerk${bad}`, password: TEST_PASSWORD } });
    expect([login.status, login.body.errors?.[0]?.pointer]).toEqual([422, '/login']);
    const call = await t.call('POST', '/api/v1/services/amr/query-enterprise', {
      token: t.tokens.hall, headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-STR-000001' }, body: { uscc: `9135${bad}` },
    });
    expect([call.status, call.body.errors?.[0]?.pointer]).toEqual([422, '/uscc']);
    // and the acked message is still acknowledgeable
    expect((await t.call('POST', `/api/v1/messages/${ok.body.id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } })).status).toBe(200);
  });
});

test('U+0000 in a query parameter is a 422 naming it, not a 500 (inbox, dead letters, log)', async () => {
  const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
  for (const [path, token, pointer] of [
    ['/api/v1/inbox?type=case%00record', t.tokens.housing, '/type'],
    ['/api/v1/inbox?after=%00', t.tokens.housing, '/after'],
    ['/api/v1/admin/dead-letters?receiver=tax%00', admin, '/receiver'],
    ['/api/v1/admin/dead-letters?caseId=a&caseId=%00', admin, '/caseId/1'],
  ] as const) {
    const res = await t.call('GET', path, { token });
    expect([path, res.status, res.body?.code, res.body?.errors?.[0]?.pointer]).toEqual([path, 422, 'GW_ERR_REQUEST_UNSTORABLE', pointer]);
  }
  expect((await t.call('GET', '/api/v1/inbox?type=case-record', { token: t.tokens.housing })).status).toBe(200);
});

test('a literal backslash-u-0000 (six ordinary characters) is ordinary text and is stored', async () => {
  const res = await push(envelope({}, { remarks: 'see \\u0000 and \\ud800' }));
  expect(res.status).toBe(202);
});

test('a paired surrogate (an emoji, a CJK Extension B character) is a character and is stored', async () => {
  const res = await push(envelope({}, { remarks: '𠀀 办结 😀' }));
  expect(res.status).toBe(202);
});

describe('a body that does not match its Content-Encoding', () => {
  const send = (encoding: string, body: Buffer) =>
    fetch(`${t.url}/api/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.hall}`, 'content-type': 'application/json', 'content-encoding': encoding },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } }));

  test.each([
    ['gzip header, garbage after it', 'gzip', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('not deflate data at all')])],
    ['gzip, cut short', 'gzip', zlib.gzipSync(JSON.stringify({ to: 'housing', type: 'case-record' })).subarray(0, 12)],
    ['deflate, plain JSON bytes', 'deflate', Buffer.from('{"to":"housing"}')],
  ])('%s → 400 GW_ERR_HTTP_BAD_CONTENT_ENCODING, not 500', async (_what, encoding, body) => {
    const res = await send(encoding, body);
    expect([res.status, res.body.code]).toEqual([400, 'GW_ERR_HTTP_BAD_CONTENT_ENCODING']);
  });

  test('a well-formed gzip body is accepted', async () => {
    const res = await send('gzip', zlib.gzipSync(JSON.stringify(envelope())));
    expect(res.status).toBe(202);
  });
});
