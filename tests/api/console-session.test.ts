import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import path from 'node:path';
import { caseWithHistory, sendCaseRecord } from '../browser/scenario';
import { consoleSize } from '../../bench/console-size';

/**
 * The web console's HTTP side (README "Console"): login into an HttpOnly session cookie,
 * CSRF token for state changes, expiry and logout; /console/ static files with their
 * cache headers and CSP; the read-only mailbox, trace by type and the verify report it uses.
 */
const TTL_S = 600;
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ config: { auth: { sessionTtlSeconds: TTL_S, tokenCacheSeconds: 30 } } });
});
afterAll(async () => {
  await t?.close();
});

async function cookieLogin(login: string, headers: Record<string, string> = {}) {
  const res = await t.call('POST', '/api/v1/auth/login', { body: { login, password: TEST_PASSWORD, session: 'cookie' }, headers });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = /^(xgw_session=[^;]+)/.exec(setCookie)?.[1] ?? '';
  return { res, setCookie, cookie, csrf: res.body.csrfToken as string };
}

describe('session cookie and CSRF', () => {
  test('login with session=cookie sets an HttpOnly, SameSite=Strict cookie and answers no token, only the CSRF token', async () => {
    const { res, setCookie, cookie, csrf } = await cookieLogin('t.clerk');
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/api\//);
    expect(setCookie).not.toMatch(/Secure/i);
    expect(res.body).toEqual({ tokenType: 'Cookie', csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: expect.any(String), user: expect.objectContaining({ login: 't.clerk' }) });
    expect(res.text).not.toContain(cookie.slice('xgw_session='.length));
    const me = await t.call('GET', '/api/v1/auth/me', { headers: { cookie } });
    expect(me.body).toMatchObject({ kind: 'user', login: 't.clerk', role: 'clerk', csrfToken: csrf });
  });

  test('behind a TLS proxy (X-Forwarded-Proto: https from loopback) the cookie is Secure', async () => {
    const { setCookie } = await cookieLogin('t.auditor', { 'x-forwarded-proto': 'https' });
    expect(setCookie).toMatch(/;\s*Secure/i);
  });

  test('a state-changing request with the cookie but without (or with a wrong) X-CSRF-Token is refused with 403 GW_ERR_AUTH_CSRF; with it, it passes', async () => {
    const id = await sendCaseRecord(t, 'JZ-CSRF-0001');
    // t.clerk is in the hall: the hall's message to housing can be acknowledged only by housing's people.
    const { cookie, csrf } = await cookieLogin('t.signer');
    const none = await t.call('POST', `/api/v1/messages/${id}/ack`, { headers: { cookie }, body: { result: 'accepted' } });
    expect([none.status, none.body.code]).toEqual([403, 'GW_ERR_AUTH_CSRF']);
    const wrong = await t.call('POST', `/api/v1/messages/${id}/ack`, { headers: { cookie, 'x-csrf-token': `${csrf.slice(0, -2)}AA` }, body: { result: 'accepted' } });
    expect([wrong.status, wrong.body.code]).toEqual([403, 'GW_ERR_AUTH_CSRF']);
    // With the token the request reaches the route (the hall is the sender, not the receiver: the exchange's 403, not CSRF's).
    const right = await t.call('POST', `/api/v1/messages/${id}/ack`, { headers: { cookie, 'x-csrf-token': csrf }, body: { result: 'accepted' } });
    expect(right.body.code).toBe('GW_ERR_EXCHANGE_NOT_RECEIVER');
    // Reads need no CSRF token; bearer clients never do.
    expect((await t.call('GET', `/api/v1/messages?box=out`, { headers: { cookie } })).status).toBe(200);
    const bearer = await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
    expect(bearer.status).toBe(200);
  });

  test('the session expires after sessionTtlSeconds (injected clock); logout ends it and clears the cookie', async () => {
    const { cookie, csrf } = await cookieLogin('t.supervisor');
    expect((await t.call('GET', '/api/v1/auth/me', { headers: { cookie } })).status).toBe(200);
    t.clock.advance((TTL_S + 1) * 1000);
    const expired = await t.call('GET', '/api/v1/auth/me', { headers: { cookie } });
    expect([expired.status, expired.body.code]).toEqual([401, 'GW_ERR_AUTH_INVALID_TOKEN']);

    const again = await cookieLogin('t.supervisor');
    const noCsrf = await t.call('POST', '/api/v1/auth/logout', { headers: { cookie: again.cookie } });
    expect(noCsrf.status).toBe(403);
    const out = await t.call('POST', '/api/v1/auth/logout', { headers: { cookie: again.cookie, 'x-csrf-token': again.csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/xgw_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await t.call('GET', '/api/v1/auth/me', { headers: { cookie: again.cookie } })).status).toBe(401);
    expect(csrf).not.toBe(again.csrf);
  });

  test('failed cookie logins are throttled and logged like any login', async () => {
    const bad = await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: 'wrong password', session: 'cookie' } });
    expect([bad.status, bad.body.code]).toEqual([401, 'GW_ERR_AUTH_BAD_CREDENTIALS']);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(t.logs.some((l) => l.msg === 'login failed' && l.code === 'GW_ERR_AUTH_BAD_CREDENTIALS')).toBe(true);
  });
});

describe('static console', () => {
  test('/ redirects to /console/; index.html is revalidated and carries the console CSP; console routes fall back to it', async () => {
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/console/']);
    const index = await fetch(`${t.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    const html = await index.text();
    expect(html).toContain('lang="zh-CN"');
    expect(html).not.toMatch(/https?:\/\//); // no CDN
    const deep = await fetch(`${t.url}/console/trace?caseId=X`);
    expect([deep.status, (await deep.text()) === html]).toEqual([200, true]);
  });

  test('hashed assets are cached for a year and sent gzip-compressed; a missing asset is 404, not the page', async () => {
    const html = await (await fetch(`${t.url}/console/`)).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1];
    const res = await fetch(`${t.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect((await res.text()).length).toBeGreaterThan(1000); // fetch decodes it
    expect((await fetch(`${t.url}/console/assets/nope-123.js`)).status).toBe(404);
  });
});

test('the first load of /console/ is under 1 MB of compressed assets (the whole console under 1 MB too)', () => {
  const size = consoleSize(path.join(__dirname, '..', '..', 'web', 'dist'));
  expect(size.firstLoad.map((f) => f.file)).toEqual(expect.arrayContaining(['index.html', expect.stringMatching(/\.js$/), expect.stringMatching(/\.css$/)]));
  expect(size.firstLoadGzip).toBeLessThan(1024 * 1024);
  expect(size.allAssetsGzip).toBeLessThan(1024 * 1024);
});

describe('the API the console reads', () => {
  test('GET /messages lists a mailbox read only, newest first, with filters; others see only their own; auditors name the member', async () => {
    const { record, status } = await caseWithHistory(t, 'JZ-MAILBOX-0001');
    const inbox = await t.call('GET', '/api/v1/messages?box=in&caseId=JZ-MAILBOX-0001', { token: t.tokens.housing });
    expect(inbox.body.items).toEqual([expect.objectContaining({ id: record, from: 'hall', to: 'housing', status: 'acknowledged', caseId: 'JZ-MAILBOX-0001' })]);
    expect(inbox.body.items[0].payload).toBeUndefined();
    const outbox = await t.call('GET', '/api/v1/messages?box=out&caseId=JZ-MAILBOX-0001', { token: t.tokens.housing });
    expect(outbox.body.items.map((m: { id: string }) => m.id)).toEqual([status]);
    const queued = await t.call('GET', '/api/v1/messages?box=out&status=acknowledged&caseId=JZ-MAILBOX-0001', { token: t.tokens.housing });
    expect(queued.body.items).toEqual([]);
    // Listing is not pulling: the status message stays undelivered.
    expect((await t.call('GET', '/api/v1/messages?box=in&caseId=JZ-MAILBOX-0001', { token: t.tokens.hall })).body.items[0].status).not.toBe('delivered');
    const other = await t.call('GET', '/api/v1/messages?box=in&member=hall', { token: t.tokens.housing });
    expect([other.status, other.body.code]).toEqual([403, 'GW_ERR_AUTH_FORBIDDEN']);
    const auditor = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token;
    expect((await t.call('GET', '/api/v1/messages?box=in', { token: auditor })).body.code).toBe('GW_ERR_REQUEST_INVALID');
    const seen = await t.call('GET', '/api/v1/messages?box=in&member=housing&caseId=JZ-MAILBOX-0001', { token: auditor });
    expect(seen.body.items.map((m: { id: string }) => m.id)).toEqual([record]);
  });

  test('pages newest first without gaps or repeats', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await sendCaseRecord(t, 'JZ-PAGES-0001'));
    const seen: string[] = [];
    let after: string | null = '';
    while (after !== null) {
      const page: { body: { items: { id: string }[]; next: string | null } } = await t.call('GET', `/api/v1/messages?box=out&caseId=JZ-PAGES-0001&limit=2${after ? `&after=${after}` : ''}`, { token: t.tokens.hall });
      seen.push(...page.body.items.map((m) => m.id));
      after = page.body.next;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  test('the trace filters by message type; GET /audit/verify reports every check passing; every look is recorded for administrators', async () => {
    await caseWithHistory(t, 'JZ-TRACE-TYPE-01');
    const auditor = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token;
    const all = await t.call('GET', '/api/v1/audit/trace?caseId=JZ-TRACE-TYPE-01', { token: auditor });
    const status = await t.call('GET', '/api/v1/audit/trace?caseId=JZ-TRACE-TYPE-01&type=case-status', { token: auditor });
    expect(all.body.items.length).toBe(4); // record received, delivered, acknowledged; status received
    expect(status.body.items.map((e: { kind: string; entry: { message: { type: string } } }) => [e.kind, e.entry.message.type])).toEqual([['message.received', 'case-status']]);
    expect(t.logs.some((l) => l.audit === 'trace-query' && l.by === 'hall/t.auditor' && (l.filter as { type?: string }).type === 'case-status')).toBe(true);
    const report = await t.call('GET', '/api/v1/audit/verify?caseId=JZ-TRACE-TYPE-01', { token: auditor });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ ok: true, failures: 0, caseId: 'JZ-TRACE-TYPE-01', anchor: 'pinned', counts: { entries: 4, messages: 2 } });
    expect(report.body.lines.some((l: { group: string; index?: number }) => l.group === 'entries' && typeof l.index === 'number')).toBe(true);
    const clerk = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.clerk', password: TEST_PASSWORD } })).body.token;
    expect((await t.call('GET', '/api/v1/audit/verify?caseId=JZ-TRACE-TYPE-01', { token: clerk })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/audit/verify?caseId=NO-SUCH-CASE', { token: auditor })).body.code).toBe('GW_ERR_AUDIT_CASE_NOT_FOUND');

    // Who looked at what, when: the auditors' own entries in the signed log, for administrators (newest first; a failed look has results null).
    const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
    const access = await t.call('GET', '/api/v1/admin/audit-access?actor=hall/t.auditor&limit=4', { token: admin });
    const row = (action: string, params: object, results: number | null, extra: object = {}) => ({ logIndex: expect.any(Number), at: expect.any(String), actor: 'hall/t.auditor', role: 'auditor', action, params, results, ...extra });
    expect(access.body.items).toEqual([
      row('evidence-verify', { caseId: 'NO-SUCH-CASE' }, null, { error: 'GW_ERR_AUDIT_CASE_NOT_FOUND' }),
      row('evidence-verify', { caseId: 'JZ-TRACE-TYPE-01' }, 4),
      row('trace', { caseId: 'JZ-TRACE-TYPE-01', type: 'case-status' }, 1),
      row('trace', { caseId: 'JZ-TRACE-TYPE-01' }, 4),
    ]);
    // Each is a leaf of the signed log: the entry at that index is the record.
    const indexes = access.body.items.map((i: { logIndex: number }) => i.logIndex);
    expect(indexes).toEqual([...indexes].sort((a, b) => b - a));
    const entries = await t.call('GET', `/api/v1/log/entries?start=${indexes[0]}&end=${indexes[0] + 1}`, { token: auditor });
    expect(JSON.parse(entries.body.items[0].entry)).toMatchObject({ kind: 'audit.evidence_verified', actor: 'hall/t.auditor', query: { caseId: 'NO-SUCH-CASE' }, outcome: { ok: false, code: 'GW_ERR_AUDIT_CASE_NOT_FOUND' } });
    expect((await t.call('GET', '/api/v1/admin/audit-access', { token: auditor })).status).toBe(403);
  });
});
