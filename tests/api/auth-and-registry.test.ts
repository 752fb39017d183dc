import { AUTOVACUUM_OFF } from '../../gateway/store/server-warnings';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { createSystemToken, revokeSystemToken } from '../../gateway/registry/systems';
import { formatTime } from '../../gateway/clock';

const MAX_FAILURES = 3;
const DELAY_S = 60;
const TTL_S = 600;
const CACHE_S = 5;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    config: { auth: { loginMaxFailures: MAX_FAILURES, loginDelaySeconds: DELAY_S, sessionTtlSeconds: TTL_S, tokenCacheSeconds: CACHE_S } },
  });
});
afterAll(async () => {
  await t?.close();
});

const login = (loginName: string, password: string) => t.call('POST', '/api/v1/auth/login', { body: { login: loginName, password } });
const me = (token: string) => t.call('GET', '/api/v1/auth/me', { token });

async function attempts(loginName: string) {
  const r = await t.db.store.query<{ ok: boolean; remote: string; at: Date }>('SELECT ok, remote, at FROM login_attempts WHERE login = $1 ORDER BY id', [loginName]);
  return r.rows;
}

describe('people: login, sessions, logout', () => {
  test('login with a seeded user returns a Bearer token; /auth/me shows role and department', async () => {
    const res = await login('t.clerk', TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresAt: formatTime(t.clock.now().getTime() + TTL_S * 1000),
      user: { login: 't.clerk', role: 'clerk', department: 'hall', name: 'clerk' },
    });
    expect(res.body.token).toMatch(/^xgu_/);
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash/i);

    const who = await me(res.body.token);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ kind: 'user', member: 'hall', login: 't.clerk', role: 'clerk', userId: res.body.user.id });

    // each role logs in and is what it says
    for (const role of ['signer', 'auditor', 'supervisor', 'admin']) {
      const r = await login(`t.${role}`, TEST_PASSWORD);
      expect(r.status).toBe(200);
      expect((await me(r.body.token)).body).toMatchObject({ role, member: 'hall' });
    }
    // a system token answers too
    expect((await me(t.tokens.tax)).body).toEqual({ kind: 'system', member: 'tax', system: 'default' });
    // the clear token is not stored
    const stored = await t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM user_sessions WHERE token_hash = $1', [res.body.token]);
    expect(Number(stored.rows[0].n)).toBe(0);
  });

  test('wrong password or unknown login → 401 GW_ERR_AUTH_BAD_CREDENTIALS; a malformed request → 400 with pointers', async () => {
    const wrong = await login('t.admin', 'not the password');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(wrong.body).toMatchObject({ code: 'GW_ERR_AUTH_BAD_CREDENTIALS', status: 401, requestId: wrong.headers.get('x-request-id') });
    const nobody = await login('no.such.user', TEST_PASSWORD);
    expect(nobody.status).toBe(401);
    expect(nobody.body.code).toBe('GW_ERR_AUTH_BAD_CREDENTIALS');
    expect(nobody.body.detail).toBe(wrong.body.detail); // no user enumeration
    const bad = await t.call('POST', '/api/v1/auth/login', { body: { login: '', password: 42 } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('GW_ERR_REQUEST_INVALID');
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/login', '/password']);
    const rows = await attempts('t.admin');
    expect(rows.filter((r) => !r.ok)).toHaveLength(1);
  });

  test('after loginMaxFailures failures → 429 with Retry-After even with the right password; lifts after the delay; every attempt recorded', async () => {
    const user = 't.signer';
    const before = (await attempts(user)).length;
    for (let i = 0; i < MAX_FAILURES; i++) {
      const r = await login(user, `wrong-${i}`);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('GW_ERR_AUTH_BAD_CREDENTIALS');
    }
    const limited = await login(user, TEST_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ code: 'GW_ERR_AUTH_RATE_LIMITED', status: 429 });
    expect(limited.headers.get('retry-after')).toBe(String(DELAY_S));
    expect(limited.body.token).toBeUndefined();
    // other logins are not affected
    expect((await login('t.auditor', TEST_PASSWORD)).status).toBe(200);

    // still limited just before the delay has passed
    t.clock.advance((DELAY_S - 1) * 1000);
    expect((await login(user, TEST_PASSWORD)).status).toBe(429);
    // waiting Retry-After lifts the limit (refusals do not extend it)
    t.clock.advance(1000);
    const ok = await login(user, TEST_PASSWORD);
    expect(ok.status).toBe(200);
    expect((await me(ok.body.token)).body.login).toBe(user);

    const rows = (await attempts(user)).slice(before);
    expect(rows.map((r) => r.ok)).toEqual([false, false, false, false, false, true]);
    for (const r of rows) expect(r.remote).toMatch(/127\.0\.0\.1/);
    expect(new Date(rows[5].at).getTime()).toBe(t.clock.now().getTime());
  });

  test('a session expires after sessionTtlSeconds (the token cache does not extend it)', async () => {
    const res = await login('t.supervisor', TEST_PASSWORD);
    const token = res.body.token;
    expect((await me(token)).status).toBe(200);
    t.clock.advance((TTL_S - 2) * 1000);
    expect((await me(token)).status).toBe(200); // a fresh lookup 2 s before expiry: cached, but only up to the expiry
    t.clock.advance(2000 + 1); // still inside the cache time, past the session's expiry
    const expired = await me(token);
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('GW_ERR_AUTH_INVALID_TOKEN');
    // a new login works
    expect((await me((await login('t.supervisor', TEST_PASSWORD)).body.token)).status).toBe(200);
  });

  test('logout invalidates the token at once; the user’s other sessions stay valid', async () => {
    const a = (await login('t.auditor', TEST_PASSWORD)).body.token;
    const b = (await login('t.auditor', TEST_PASSWORD)).body.token;
    expect((await me(a)).status).toBe(200); // now in the token cache
    const out = await t.call('POST', '/api/v1/auth/logout', { token: a });
    expect(out.status).toBe(204);
    const after = await me(a);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('GW_ERR_AUTH_INVALID_TOKEN');
    expect((await me(b)).status).toBe(200);
    // without a token logout is refused like any API call
    expect((await t.call('POST', '/api/v1/auth/logout')).status).toBe(401);
  });

  test('a revoked system token is refused once the token cache has expired', async () => {
    const store = t.gw.deps.store;
    const issued = await createSystemToken(store, t.clock, 'tax', 'default', 'temp');
    const byId = await createSystemToken(store, t.clock, 'tax', 'default', 'temp2');
    expect((await me(issued.token)).body).toMatchObject({ kind: 'system', member: 'tax' });
    expect((await me(byId.token)).status).toBe(200);
    expect(await revokeSystemToken(store, t.clock, issued.token)).toBe(1);
    expect(await revokeSystemToken(store, t.clock, byId.id)).toBe(1);
    expect(await revokeSystemToken(store, t.clock, byId.id)).toBe(0); // already revoked
    t.clock.advance(CACHE_S * 1000 + 1);
    for (const token of [issued.token, byId.token]) {
      const r = await me(token);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('GW_ERR_AUTH_INVALID_TOKEN');
      const inbox = await t.call('GET', '/api/v1/inbox', { token });
      expect(inbox.status).toBe(401);
    }
    // the member's other token is untouched
    expect((await me(t.tokens.tax)).status).toBe(200);
  });

  test('a user (clerk of the hall) can push as the hall department', async () => {
    const token = (await login('t.clerk', TEST_PASSWORD)).body.token;
    const record = sampleCaseRecord({ caseNo: 'FZ-AU-20260302-000001' });
    const res = await t.call('POST', '/api/v1/messages', {
      token,
      body: { to: 'housing', type: 'case-record', messageId: 'by-clerk-1', caseId: record.caseNo, purpose: 'case-handling', payload: record },
    });
    expect(res.status).toBe(202);
    const seen = await t.call('GET', `/api/v1/messages/${res.body.id}`, { token: t.tokens.housing });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ from: 'hall', to: 'housing', messageId: 'by-clerk-1' });
    expect(seen.body.history[0]).toMatchObject({ event: 'received', actor: 'hall/t.clerk' });
    // the hall's system sees it as its own message too
    expect((await t.call('GET', `/api/v1/messages/${res.body.id}`, { token: t.tokens.hall })).status).toBe(200);
    // idempotency is per department: the hall system repeating the same messageId and content gets the receipt
    const again = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: 'by-clerk-1', caseId: record.caseNo, purpose: 'case-handling', payload: record },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });
});

describe('operations and registry', () => {
  test('/healthz, /readyz and /metrics (with request and message counters after a push)', async () => {
    const health = await t.call('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await t.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', database: t.gw.deps.store.kind });
    // PostgreSQL with autovacuum off (as the server says on the test's own connection) is warned about; PGlite never
    const autovacuum = t.db.store.kind === 'postgres' ? (await t.db.store.query<{ v: string }>(`SELECT current_setting('autovacuum') AS v`)).rows[0]!.v : null;
    const warned = (ready.body.warnings ?? []).filter((w: string) => w.includes('autovacuum'));
    expect({ autovacuum, warned }).toEqual({ autovacuum, warned: autovacuum === 'off' ? [AUTOVACUUM_OFF] : [] });

    const record = sampleCaseRecord({ caseNo: 'FZ-OPS-000001' });
    const pushed = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'tax', type: 'case-record', messageId: 'metrics-1', purpose: 'case-handling', payload: record },
    });
    expect(pushed.status).toBe(202);
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/^xgw_http_requests_total\{method="POST",route="\/api\/v1\/messages",status="202"\} \d+$/m);
    expect(metrics.text).toMatch(/^xgw_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m);
    const queued = /^xgw_messages_total\{type="case-record",status="queued"\} (\d+)$/m.exec(metrics.text);
    expect(queued).not.toBeNull();
    expect(Number(queued![1])).toBeGreaterThanOrEqual(1);
    expect(metrics.text).toContain('xgw_http_request_duration_seconds_bucket');
  });

  test('GET /api/v1/members lists the members; it needs a token', async () => {
    const anon = await t.call('GET', '/api/v1/members');
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('GW_ERR_AUTH_MISSING_TOKEN');
    const res = await t.call('GET', '/api/v1/members', { token: t.tokens.hall });
    expect(res.status).toBe(200);
    expect(res.body.next).toBeNull();
    expect(res.body.items.map((m: { code: string }) => m.code)).toEqual(['amr', 'docstation', 'hall', 'housing', 'tax']);
    expect(res.body.items.find((m: { code: string }) => m.code === 'housing')).toMatchObject({
      name: '江州市住房和城乡建设局',
      kind: 'municipal',
      adapter: 'dept-rest',
      delivery: 'pull',
      uscc: expect.stringMatching(/^[0-9A-Z]{18}$/),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/webhook|token/i);
  });

  test('GET /api/v1/members/housing/services lists case-record with senders, purposes and the JSON schema', async () => {
    const res = await t.call('GET', '/api/v1/members/housing/services', { token: t.tokens.tax });
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ code: 'housing', kind: 'municipal' });
    expect(res.body.messageTypes).toHaveLength(1);
    const [ct] = res.body.messageTypes;
    expect(ct.type).toBe('case-record');
    expect(ct.senders).toEqual([{ sender: 'hall', purposes: ['case-handling', 'parallel-approval'] }]);
    expect(ct.jsonSchema).toMatchObject({ $id: 'https://xgw.gov.cn/schemas/case-record.schema.json', type: 'object' });
    expect(ct.jsonSchema.required).toEqual(expect.arrayContaining(['caseNo', 'applicant', 'materials']));
    expect(ct.schema).toMatch(/\/api\/v1\/schemas\/case-record$/);

    // the hall receives case-status from three departments
    const hall = await t.call('GET', '/api/v1/members/hall/services', { token: t.tokens.tax });
    expect(hall.body.messageTypes.map((m: { type: string }) => m.type)).toEqual(['case-status']);
    expect(hall.body.messageTypes[0].senders.map((s: { sender: string }) => s.sender)).toEqual(['amr', 'housing', 'tax']);
    // amr receives case-record from the hall and from housing
    const amr = await t.call('GET', '/api/v1/members/amr/services', { token: t.tokens.tax });
    expect(amr.body.messageTypes[0].senders).toEqual([
      { sender: 'hall', purposes: ['case-handling', 'parallel-approval'] },
      { sender: 'housing', purposes: ['parallel-approval'] },
    ]);
  });

  test('an unknown member → 404 GW_ERR_REGISTRY_UNKNOWN_MEMBER', async () => {
    const res = await t.call('GET', '/api/v1/members/nobody/services', { token: t.tokens.hall });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', status: 404, requestId: res.headers.get('x-request-id') });
    expect(res.body.detail).toContain('nobody');
  });
});
