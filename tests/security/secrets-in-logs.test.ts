/**
 * Secrets never travel in URLs and never reach a log line; personal data in a logged
 * push or ack error is masked.
 */
import { Writable } from 'node:stream';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, samplePersonCaseRecord, validIdNumber } from '../fixtures/case-record';
import { createLogger } from '../../gateway/logger';

jest.setTimeout(180_000);

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

const logText = () => JSON.stringify(t.logs);

test('a token (or password, secret, api key) in the query string is refused with 400 GW_ERR_AUTH_TOKEN_IN_QUERY and not logged', async () => {
  const token = t.tokens.hall;
  for (const q of [`access_token=${token}`, `token=${token}`, `api_key=${token}`, `password=${token}`, `limit=5&Client_Secret=${token}`]) {
    const r = await t.call('GET', `/api/v1/inbox?${q}`);
    expect({ q, status: r.status, code: r.body.code }).toEqual({ q, status: 400, code: 'GW_ERR_AUTH_TOKEN_IN_QUERY' });
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }
  // not even alongside a good Authorization header
  const both = await t.call('GET', `/api/v1/inbox?access_token=${token}`, { token });
  expect([both.status, both.body.code]).toEqual([400, 'GW_ERR_AUTH_TOKEN_IN_QUERY']);
  const refused = t.logs.filter((l) => l.msg === 'request' && String(l.url).includes('access_token='));
  expect(refused.length).toBeGreaterThan(0);
  expect(refused[0].url).toBe('/api/v1/inbox?access_token=[REDACTED]');
  expect(logText()).not.toContain(token.slice(4));
});

test('no bearer token or password reaches the log, whatever the request', async () => {
  const login = await t.call('POST', '/api/v1/auth/login', { body: { login: 't.clerk', password: TEST_PASSWORD } });
  expect(login.status).toBe(200);
  expect((await t.call('GET', '/api/v1/inbox', { token: login.body.token })).status).toBe(200);
  expect((await t.call('GET', '/api/v1/inbox', { token: 'xgs_not-a-real-token-but-secret' })).status).toBe(401);
  // a password typed into the login field: only a masked login is logged
  expect((await t.call('POST', '/api/v1/auth/login', { body: { login: TEST_PASSWORD.slice(0, 20), password: 'x' } })).status).toBe(401);
  const text = logText();
  expect(text).not.toContain(login.body.token.slice(4));
  expect(text).not.toContain('not-a-real-token-but-secret');
  expect(text).not.toContain(TEST_PASSWORD.slice(0, 20));
});

test('the logger redacts secret-named fields, Authorization and cookies, tokens in text and secret URL parameters', () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }));
  log.info(
    { headers: { authorization: 'Bearer abc.def', cookie: 'sid=s3cr3t', 'x-api-key': 'k1' }, body: { login: 'a', password: 'p@ss', clientSecret: 'cs' }, url: '/x?a=1&token=t0k&b=2' },
    'seen Bearer xgu_abcdefghijklmnop and Basic dXNlcjpwYXNz',
  );
  expect(lines[0]).toMatchObject({
    headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]' },
    body: { login: 'a', password: '[REDACTED]', clientSecret: '[REDACTED]' },
    url: '/x?a=1&token=[REDACTED]&b=2',
    msg: 'seen Bearer [REDACTED] and Basic [REDACTED]',
  });
  expect(JSON.stringify(lines)).not.toMatch(/abc\.def|s3cr3t|p@ss|t0k|abcdefghijklmnop|dXNlcjpwYXNz/);
});

test('personal data in a logged push or ack error is masked (ID numbers, mobile numbers)', async () => {
  const id = validIdNumber('350102', '19791231', '456');
  const phone = '13912345678';
  // a push the schema refuses, holding an ID number and a phone where they do not belong
  const bad = sampleCaseRecord({ caseNo: `${id}` });
  const refused = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: `pii-${phone}`, caseId: id, purpose: 'case-handling', payload: { ...bad, remarks: `电话 ${phone} 身份证 ${id}`, unknownField: id } },
  });
  expect(refused.status).toBeGreaterThanOrEqual(400);
  // malformed JSON that quotes personal data
  expect((await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, raw: `{"caseId": "${id}", "phone": ${phone}x}`, headers: { 'content-type': 'application/json' } })).status).toBe(400);
  // an ack with a reason holding both, then a conflicting answer that is logged as refused
  const p = samplePersonCaseRecord();
  const ok = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'pii-ok', caseId: p.caseNo, purpose: 'case-handling', payload: p } });
  expect(ok.status).toBe(202);
  const reason = `申请人 ${id} 电话 ${phone} 材料不符`;
  expect((await t.call('POST', `/api/v1/messages/${ok.body.id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason } })).status).toBe(200);
  expect((await t.call('POST', `/api/v1/messages/${ok.body.id}/ack`, { token: t.tokens.housing, body: { result: 'accepted', reason } })).status).toBe(409);
  expect(t.logs.some((l) => l.msg === 'request refused' && l.code === 'GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED')).toBe(true);
  const text = logText();
  expect(text).not.toContain(id);
  expect(text).not.toContain(phone);
  expect(text).not.toContain(p.applicant.type === 'person' ? p.applicant.idNumber : 'never');
});
