import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { startReceiver, type Hit, type Receiver } from '../support/receiver';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoMembers } from '../../gateway/registry/demo';
import { formatTime } from '../../gateway/clock';
import { verify } from '../../gateway/crypto/sign';
import { loadPublicKey } from '../../gateway/crypto/keys';
import { contentDigest, signatureBase } from '../../gateway/crypto/http-signature';

/**
 * The webhook contract as the OpenAPI document states it (a real request matches the
 * `webhooks` section: body and headers), the admin's webhook test (a signed test event;
 * status, latency, error) and the outbox per member (GET /admin/delivery).
 */
let t: TestGateway;
let rx: Receiver;
let admin: string;
let seq = 0;
const MAX_ATTEMPTS = 2;

beforeAll(async () => {
  rx = await startReceiver();
  const members = demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
  t = await startTestGateway({ members, config: { delivery: { maxAttempts: MAX_ATTEMPTS, backoffBaseMs: 1000, backoffMaxMs: 60_000, requestTimeoutMs: 2000 } } });
  admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});
beforeEach(() => rx.reset());

/** The next request the receiver gets, answered as `status` says. */
function nextHit(status = 200): Promise<Hit> {
  return new Promise((resolve) => {
    rx.reply = (hit) => {
      resolve(hit);
      return { status };
    };
  });
}

async function push(): Promise<{ id: string; receivedAt: string }> {
  const record = sampleCaseRecord({ caseNo: `JZ-WH-${String(++seq).padStart(4, '0')}` });
  const r = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: `wh-${seq}`, caseId: record.caseNo, purpose: 'case-handling', payload: record } });
  expect(r.status).toBe(202);
  return r.body;
}

/** The gateway's signature on a request checks out against GET /log/key (SM2 here: the test gateway's log key). */
async function expectSigned(hit: Hit): Promise<void> {
  const key = (await t.call('GET', '/api/v1/log/key', { token: t.tokens.housing })).body;
  expect(key.httpSignatureAlg).toBeNull();
  const input = String(hit.headers['signature-input']);
  expect(input).toContain(`keyid="${key.keyId}"`);
  expect(hit.headers['content-digest']).toBe(contentDigest(hit.raw));
  const base = signatureBase({ method: hit.method, url: rx.url, contentDigest: contentDigest(hit.raw) }, input.replace(/^xgw=/, ''));
  const sig = Buffer.from(/^xgw=:(.*):$/.exec(String(hit.headers.signature))![1]!, 'base64');
  expect(verify('SM2-SM3', base, sig, loadPublicKey(key.publicKey))).toBe(true);
}

const status = async (q = '') => (await t.call('GET', `/api/v1/admin/delivery${q}`, { token: admin })).body;
const housing = async () => (await status('?member=housing')).items[0];

test('the OpenAPI webhooks section describes a real delivered request: body schema, every header, 2XX/4XX/5XX', async () => {
  const doc = (await t.call('GET', '/api/v1/openapi.json')).body;
  const op = doc.webhooks.message.post;
  expect(Object.keys(op.responses)).toEqual(['2XX', '4XX', '5XX']);
  expect(op.description).toContain('4xx and 5xx alike');
  const got = nextHit();
  await push();
  await t.gw.deps.delivery.runOnce();
  const hit = await got;
  await expectSigned(hit);
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'oas');
  const body = ajv.getSchema('oas#/components/schemas/WebhookMessage')!;
  expect({ valid: body(hit.body), errors: body.errors }).toEqual({ valid: true, errors: null });
  expect(body({ ...hit.body, extra: 1 })).toBe(false); // the schema is closed: a new field must be documented
  for (const p of op.parameters as { name: string; in: string; required: boolean; schema: object }[]) {
    const value = hit.headers[p.name.toLowerCase()];
    if (p.name === 'X-Xgw-Event') {
      expect(value).toBeUndefined(); // test events only
      continue;
    }
    expect({ header: p.name, valid: ajv.validate(p.schema, value) }).toEqual({ header: p.name, valid: true });
  }
  // the documented headers are exactly the ones sent (plus transport ones)
  const sent = Object.keys(hit.headers).filter((h) => !['host', 'connection', 'content-length', 'accept', 'accept-language', 'sec-fetch-mode', 'user-agent', 'accept-encoding'].includes(h));
  expect(sent.sort()).toEqual((op.parameters as { name: string }[]).map((p) => p.name.toLowerCase()).filter((h) => h !== 'x-xgw-event').sort());
});

test('POST /admin/members/{code}/webhook/test sends a signed test event and reports status, latency and error; it stores nothing', async () => {
  const before = await t.db.store.query<{ n: string }>('SELECT count(*) AS n FROM messages');
  const got = nextHit();
  const ok = await t.call('POST', '/api/v1/admin/members/housing/webhook/test', { token: admin });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ member: 'housing', url: rx.url, active: true, ok: true, httpStatus: 200, error: null });
  expect(ok.body.latencyMs).toEqual(expect.any(Number));
  const hit = await got;
  expect(hit.headers['x-xgw-event']).toBe('test');
  expect(hit.headers['idempotency-key']).toBe(ok.body.id);
  expect(hit.body).toMatchObject({ id: ok.body.id, type: 'webhook-test', from: 'gateway', to: 'housing', payload: { test: true } });
  await expectSigned(hit);

  void nextHit(503);
  const failed = await t.call('POST', '/api/v1/admin/members/housing/webhook/test', { token: admin });
  expect(failed.body).toMatchObject({ ok: false, httpStatus: 503, error: 'HTTP 503' });
  const after = await t.db.store.query<{ n: string }>('SELECT count(*) AS n FROM messages');
  expect(after.rows[0]!.n).toBe(before.rows[0]!.n);

  expect((await t.call('POST', '/api/v1/admin/members/hall/webhook/test', { token: admin })).body.code).toBe('GW_ERR_REGISTRY_NOT_FOUND');
  expect((await t.call('POST', '/api/v1/admin/members/nobody/webhook/test', { token: admin })).body.code).toBe('GW_ERR_REGISTRY_UNKNOWN_MEMBER');
  expect((await t.call('POST', '/api/v1/admin/members/housing/webhook/test', { token: t.tokens.housing })).status).toBe(403);
});

test('GET /admin/delivery: backlog and its oldest, last error, dead letters and last success per member', async () => {
  await t.gw.deps.delivery.runOnce(); // nothing left over from the tests above
  const start = await housing();
  expect(start).toMatchObject({ member: 'housing', deliveryMode: 'push', webhook: { url: rx.url, active: true }, backlog: 0, oldestPendingAt: null, lastError: null });
  const lastSuccess = start.lastSuccessAt;
  expect(lastSuccess).toEqual(expect.any(String)); // the message of the first test

  rx.reply = () => ({ status: 500 });
  const first = await push();
  t.clock.advance(1000);
  await push();
  await t.gw.deps.delivery.runOnce();
  const failing = await housing();
  expect(failing).toMatchObject({ backlog: 2, oldestPendingAt: first.receivedAt, deadLetters: 0, lastSuccessAt: lastSuccess, lastError: { error: 'HTTP 500', at: formatTime(t.clock.now()) } });

  t.clock.advance(60_000);
  await t.gw.deps.delivery.runOnce(); // the second and last attempt: both dead-lettered
  expect(await housing()).toMatchObject({ backlog: 0, oldestPendingAt: null, deadLetters: 2, lastError: { error: 'HTTP 500' } });

  rx.reply = () => 'ok';
  await push();
  t.clock.advance(1000);
  await t.gw.deps.delivery.runOnce();
  expect(await housing()).toMatchObject({ backlog: 0, deadLetters: 2, lastSuccessAt: formatTime(t.clock.now()), lastError: { error: 'HTTP 500' } });

  // a pull member's backlog: messages not yet pulled
  const hall = (await status('?mode=pull&limit=500')).items.find((m: { member: string }) => m.member === 'hall');
  expect(hall).toMatchObject({ deliveryMode: 'pull', webhook: null });
  const page = await status('?limit=1');
  expect(page.items).toHaveLength(1);
  expect((await status(`?limit=1&after=${page.next}`)).items[0].member > page.items[0].member).toBe(true);
  expect((await t.call('GET', '/api/v1/admin/delivery?bogus=1', { token: admin })).status).toBe(400);
  expect((await t.call('GET', '/api/v1/admin/delivery', { token: t.tokens.hall })).status).toBe(403);
});

test("GET /delivery/status: a department sees its own outbox (backlog, dead letters, newest errors), nothing of another's", async () => {
  const own = async (token: string) => t.call('GET', '/api/v1/delivery/status', { token });
  rx.reply = () => ({ status: 503 });
  const pending = await push();
  await t.gw.deps.delivery.runOnce();

  const housing = await own(t.tokens.housing);
  expect(housing.status).toBe(200);
  expect(housing.body).toMatchObject({ member: 'housing', deliveryMode: 'push', webhook: { url: rx.url, active: true }, backlog: 1, oldestPendingAt: pending.receivedAt, deadLetters: 2, paused: false, pausedAt: null });
  expect(housing.body.recentErrors[0]).toEqual({ at: formatTime(t.clock.now()), message: pending.id, status: 'pending', attempts: 1, error: 'HTTP 503' });
  expect(housing.body.recentErrors.slice(1)).toEqual([expect.objectContaining({ status: 'dead', error: 'HTTP 500', attempts: MAX_ATTEMPTS }), expect.objectContaining({ status: 'dead', error: 'HTTP 500' })]);

  // hall (whose system and clerk ask) sent all of these: it sees none of housing's figures or errors
  for (const token of [t.tokens.hall, (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.clerk', password: TEST_PASSWORD } })).body.token]) {
    const hall = await own(token);
    expect(hall.status).toBe(200);
    expect(hall.body).toMatchObject({ member: 'hall', deliveryMode: 'pull', webhook: null, deadLetters: 0, recentErrors: [] });
    expect(JSON.stringify(hall.body)).not.toContain(pending.id);
  }

  const paused = await t.call('POST', '/api/v1/admin/members/housing/delivery/pause', { token: admin });
  expect((await own(t.tokens.housing)).body).toMatchObject({ paused: true, pausedAt: paused.body.pausedAt });
  expect(Object.keys((await own(t.tokens.housing)).body)).not.toContain('pausedBy');
  await t.call('POST', '/api/v1/admin/members/housing/delivery/resume', { token: admin });

  expect((await own(admin)).status).toBe(403);
  expect((await t.call('GET', '/api/v1/delivery/status?member=housing', { token: t.tokens.hall })).status).toBe(400);
  rx.reply = () => 'ok';
});
