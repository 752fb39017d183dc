/**
 * Security headers (helmet) on every response, the Swagger UI page with its own CSP,
 * and per-caller rate limits: member code for systems, login for people, address for
 * anonymous callers; /healthz, /readyz and /metrics never limited.
 */
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { createSystemToken } from '../../gateway/registry/systems';
import { DOCS_CSP } from '../../gateway/http/docs';

jest.setTimeout(180_000);

const PER_MEMBER = 6;
const PER_USER = 4;
const PER_ADDRESS = 5;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ config: { rateLimit: { windowSeconds: 600, perMember: PER_MEMBER, perUser: PER_USER, perAddress: PER_ADDRESS } } });
});
afterAll(async () => {
  await t?.close();
});

const from = (address: string) => ({ 'x-forwarded-for': address });

test('helmet headers on every kind of response; /docs keeps its self-only CSP and still loads', async () => {
  const answers = [
    await t.call('GET', '/api/v1/members', { token: t.tokens.tax, headers: from('10.2.0.1') }),
    await t.call('GET', '/api/v1/members', { headers: from('10.2.0.1') }), // 401 problem
    await t.call('GET', '/nowhere', { headers: from('10.2.0.1') }), // 404 problem
    await t.call('GET', '/healthz'),
  ];
  for (const r of answers) {
    expect({
      nosniff: r.headers.get('x-content-type-options'),
      frame: r.headers.get('x-frame-options'),
      csp: r.headers.get('content-security-policy'),
      referrer: r.headers.get('referrer-policy'),
      coop: r.headers.get('cross-origin-opener-policy'),
      hsts: r.headers.get('strict-transport-security'),
      poweredBy: r.headers.get('x-powered-by'),
    }).toEqual({
      nosniff: 'nosniff',
      frame: 'SAMEORIGIN',
      csp: "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      referrer: 'no-referrer',
      coop: 'same-origin',
      hsts: expect.stringMatching(/^max-age=\d+/),
      poweredBy: null,
    });
  }
  const docs = await t.call('GET', '/docs', { headers: from('10.2.0.2') });
  expect(docs.status).toBe(200);
  expect(docs.headers.get('content-security-policy')).toBe(DOCS_CSP);
  expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
  for (const src of [...docs.text.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1])) {
    expect({ src, status: (await t.call('GET', src, { headers: from('10.2.0.3') })).status }).toEqual({ src, status: 200 });
  }
});

test('a member is limited across all its tokens; another member is not; 429 GW_ERR_RATE_LIMITED with Retry-After', async () => {
  const second = (await createSystemToken(t.db.store, t.clock, 'hall', 'default', 'second')).token;
  const statuses: number[] = [];
  for (let i = 0; i < PER_MEMBER; i++) statuses.push((await t.call('GET', '/api/v1/members', { token: i % 2 ? second : t.tokens.hall })).status);
  expect(statuses).toEqual(Array(PER_MEMBER).fill(200));
  const limited = await t.call('GET', '/api/v1/inbox', { token: second });
  expect(limited.status).toBe(429);
  expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(limited.body).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', status: 429 });
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await t.call('GET', '/api/v1/members', { token: t.tokens.housing })).status).toBe(200);
  expect(t.logs.some((l) => l.msg === 'rate limit reached' && l.rateLimited === 'member:hall')).toBe(true);
  // operations endpoints are never limited
  for (let i = 0; i < PER_ADDRESS + 2; i++) {
    for (const p of ['/healthz', '/readyz', '/metrics']) expect({ p, status: (await t.call('GET', p, { token: t.tokens.hall })).status }).toEqual({ p, status: 200 });
  }
});

test('a person is limited by login; anonymous callers by address', async () => {
  const login = await t.call('POST', '/api/v1/auth/login', { body: { login: 't.clerk', password: TEST_PASSWORD }, headers: from('10.2.1.1') });
  expect(login.status).toBe(200);
  for (let i = 0; i < PER_USER; i++) expect((await t.call('GET', '/api/v1/auth/me', { token: login.body.token })).status).toBe(200);
  const person = await t.call('GET', '/api/v1/auth/me', { token: login.body.token });
  expect([person.status, person.body.code]).toEqual([429, 'GW_ERR_RATE_LIMITED']);

  for (let i = 0; i < PER_ADDRESS; i++) expect((await t.call('GET', '/docs', { headers: from('10.2.1.2') })).status).toBe(200);
  const anonymous = await t.call('POST', '/api/v1/auth/login', { body: { login: 't.signer', password: TEST_PASSWORD }, headers: from('10.2.1.2') });
  expect([anonymous.status, anonymous.body.code]).toEqual([429, 'GW_ERR_RATE_LIMITED']);
  expect(anonymous.headers.get('retry-after')).toBeTruthy();
  expect((await t.call('POST', '/api/v1/auth/login', { body: { login: 't.signer', password: TEST_PASSWORD }, headers: from('10.2.1.3') })).status).toBe(200);
});
