/**
 * Failed-login throttling (registry/login-throttle.ts): atomic claims, per login+address
 * and per address, growing delays instead of a lock-out a stranger can trigger.
 */
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';

jest.setTimeout(180_000);

const FREE = 5;
const PER_ADDRESS = 20;
const BASE_S = 2;
const MAX_S = 60;
const WINDOW_S = 900;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    config: { auth: { loginMaxFailures: FREE, loginAddressMaxFailures: PER_ADDRESS, loginDelaySeconds: BASE_S, loginMaxDelaySeconds: MAX_S, loginWindowSeconds: WINDOW_S } },
  });
});
afterAll(async () => {
  await t?.close();
});

/** The gateway trusts X-Forwarded-For from loopback (a reverse proxy): that is the client address. */
const login = (user: string, password: string, from: string) =>
  t.call('POST', '/api/v1/auth/login', { body: { login: user, password }, headers: { 'x-forwarded-for': from } });

test('40 concurrent wrong guesses: at most FREE are checked, the rest get 429 + Retry-After; the owner from another address logs in at once', async () => {
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login('t.signer', `guess-${i}`, '10.0.0.1')));
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s === 401)).toHaveLength(FREE);
  expect(statuses.filter((s) => s === 429)).toHaveLength(40 - FREE);
  for (const a of answers.filter((x) => x.status === 429)) {
    expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(a.body.code).toBe('GW_ERR_AUTH_RATE_LIMITED');
    expect(a.headers.get('retry-after')).toBe(String(BASE_S));
  }
  // the legitimate user, from an address that has not been failing: no delay at all
  const owner = await login('t.signer', TEST_PASSWORD, '10.0.0.2');
  expect(owner.status).toBe(200);
  // every refusal is logged, with the login masked
  const refusals = t.logs.filter((l) => l.msg === 'login refused (throttled)');
  expect(refusals).toHaveLength(40 - FREE);
  expect(refusals[0]).toMatchObject({ login: 't******r', code: 'GW_ERR_AUTH_RATE_LIMITED' });
  const failures = t.logs.filter((l) => l.msg === 'login failed' || l.msg === 'login refused (throttled)');
  expect(failures.filter((l) => l.login !== 't******r')).toEqual([]);
});

test('delays grow: each further failure from the failing address doubles the wait (capped), the right password waits too, then works', async () => {
  const from = '10.0.0.3';
  for (let i = 0; i < FREE; i++) expect((await login('t.clerk', `wrong-${i}`, from)).status).toBe(401);
  let wait = BASE_S;
  for (let round = 0; round < 6; round++) {
    const refused = await login('t.clerk', TEST_PASSWORD, from);
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, String(wait)]);
    t.clock.advance(wait * 1000 - 1);
    expect((await login('t.clerk', TEST_PASSWORD, from)).status).toBe(429); // not a millisecond early
    t.clock.advance(1);
    expect((await login('t.clerk', `wrong-again-${round}`, from)).status).toBe(401); // one more check, then a longer delay
    wait = Math.min(MAX_S, wait * 2);
  }
  expect(wait).toBe(MAX_S);
  t.clock.advance(MAX_S * 1000);
  expect((await login('t.clerk', TEST_PASSWORD, from)).status).toBe(200);
  // the success cleared this login's counter at this address
  expect((await login('t.clerk', 'wrong-after', from)).status).toBe(401);
  expect((await login('t.clerk', TEST_PASSWORD, from)).status).toBe(200);
});

test('one address spraying many logins is delayed per address; other addresses are not', async () => {
  const from = '10.0.0.4';
  for (let i = 0; i < PER_ADDRESS; i++) expect((await login(`nobody-${i}`, 'password', from)).status).toBe(401);
  const refused = await login('t.auditor', TEST_PASSWORD, from);
  expect([refused.status, refused.body.code, refused.headers.get('retry-after')]).toEqual([429, 'GW_ERR_AUTH_RATE_LIMITED', String(BASE_S)]);
  expect((await login('t.auditor', TEST_PASSWORD, '10.0.0.5')).status).toBe(200);
  // failures older than the window are forgotten
  t.clock.advance(WINDOW_S * 1000 + 1);
  expect((await login('t.auditor', TEST_PASSWORD, from)).status).toBe(200);
});
