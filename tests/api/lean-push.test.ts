/**
 * The plain push (exactly POST /api/v1/messages, a Bearer token, JSON) is served by
 * http/lean-route.ts in front of Express, on Node's own request and response; any other form of the
 * same request (here: a query string) goes through that stack. Both must answer alike:
 * the same status, problem+json code, headers (security headers, request id, rate limit)
 * and body, with one rate-limit budget per member and one metrics route label.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';

const PER_MEMBER = 40;
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ config: { rateLimit: { windowSeconds: 600, perMember: PER_MEMBER, perUser: 1000, perAddress: 1000 } } });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const LEAN = '/api/v1/messages';
const STACK = '/api/v1/messages?via=stack';
const record = sampleCaseRecord();
let n = 0;
const body = (over: Record<string, unknown> = {}) => ({ to: 'housing', type: 'case-record', messageId: `LEAN-${++n}`, caseId: record.caseNo, purpose: 'case-handling', payload: record, ...over });
/** Header names and the values that do not change per request. */
const VARYING = new Set(['date', 'x-request-id', 'location', 'content-length', 'ratelimit', 'keep-alive', 'connection']);
const shape = (r: { status: number; headers: Headers; body: any }) => ({
  status: r.status,
  headers: Object.fromEntries([...r.headers.entries()].map(([k, v]) => [k, VARYING.has(k) ? typeof v : v])),
  code: r.body?.code,
  keys: r.body ? Object.keys(r.body).sort() : [],
});

test.each([
  ['a new message', () => ({ token: t.tokens.hall, body: body() })],
  ['an unknown token', () => ({ token: 'xgs_not-a-token', body: body() })],
  ['malformed JSON', () => ({ token: t.tokens.hall, headers: { 'content-type': 'application/json' }, raw: '{"to": "housing",' })],
  ['an unstorable value', () => ({ token: t.tokens.hall, body: body({ purpose: 'case\u0000handling' }) })],
  ['an invalid envelope', () => ({ token: t.tokens.hall, body: body({ to: 'Not A Code' }) })],
  ['a too large body', () => ({ token: t.tokens.hall, body: body({ payload: { ...record, remarks: 'x'.repeat(2 * 1024 * 1024) } }) })],
  ['a member that may not push to the receiver', () => ({ token: t.tokens.tax, body: body() })],
  // bodies the lean route reads itself, and the ones it hands back to the API's parser for its own refusal
  ['JSON that is not an object or array (strict parser)', () => ({ token: t.tokens.hall, headers: { 'content-type': 'application/json' }, raw: ' "just a string"' })],
  ['a JSON number', () => ({ token: t.tokens.hall, headers: { 'content-type': 'application/json' }, raw: '42' })],
  ['an empty body', () => ({ token: t.tokens.hall, headers: { 'content-type': 'application/json' }, raw: '' })],
  ['a UTF-8 byte order mark before the JSON', () => ({ token: t.tokens.hall, headers: { 'content-type': 'application/json' }, raw: `\uFEFF${JSON.stringify(body())}` })],
  ['charset=utf-8 named', () => ({ token: t.tokens.hall, headers: { 'content-type': 'application/json; charset=UTF-8' }, raw: JSON.stringify(body()) })],
  ['another charset (the generic stack refuses it)', () => ({ token: t.tokens.hall, headers: { 'content-type': 'application/json; charset=iso-8859-1' }, raw: JSON.stringify(body()) })],
])('%s: the lean route answers as the generic stack does', async (_what, opts) => {
  const lean = await t.call('POST', LEAN, opts());
  const stack = await t.call('POST', STACK, opts());
  expect(shape(lean)).toEqual(shape(stack));
  expect(lean.headers.get('x-request-id')).toBeTruthy();
  if (lean.status === 202) expect(lean.headers.get('location')).toBe(`/api/v1/messages/${lean.body.id}`);
  else expect(lean.headers.get('content-type')).toMatch(/^application\/problem\+json/);
});

test('a retry through either form gets the same signed receipt', async () => {
  const b = body();
  const first = await t.call('POST', LEAN, { token: t.tokens.hall, body: b });
  const again = await t.call('POST', STACK, { token: t.tokens.hall, body: b });
  const third = await t.call('POST', LEAN, { token: t.tokens.hall, body: b });
  expect([first.status, again.status, third.status]).toEqual([202, 200, 200]);
  expect(again.body).toEqual(first.body);
  expect(third.body).toEqual(first.body);
});

test('both forms count against one budget per member; the 429 is the same; metrics name one route', async () => {
  const token = t.tokens.housing;
  const statuses: number[] = [];
  for (let i = 0; i < PER_MEMBER; i++) statuses.push((await t.call('POST', i % 2 ? STACK : LEAN, { token, body: body({ to: 'hall' }) })).status);
  expect(statuses.filter((s) => s === 429)).toEqual([]);
  const lean = await t.call('POST', LEAN, { token, body: body({ to: 'hall' }) });
  const stack = await t.call('POST', STACK, { token, body: body({ to: 'hall' }) });
  expect(shape(lean)).toEqual(shape(stack));
  expect([lean.status, lean.body.code, Number(lean.headers.get('retry-after')) > 0]).toEqual([429, 'GW_ERR_RATE_LIMITED', true]);
  const metrics = (await t.call('GET', '/metrics')).text;
  // as the router labels them: refused before the route matched (429) → unmatched; answered by the route → the route
  expect(metrics).toMatch(/^xgw_http_requests_total\{method="POST",route="unmatched",status="429"\} 2$/m);
  expect(metrics).toMatch(/^xgw_http_requests_total\{method="POST",route="\/api\/v1\/messages",status="202"\} \d+$/m);
  expect(metrics).not.toMatch(/route="unmatched",status="202"/);
  // refused by the route itself (a member without the agreement, in both forms): the route's full path, not the path below /api/v1
  expect(metrics).toMatch(/^xgw_http_requests_total\{method="POST",route="\/api\/v1\/messages",status="403"\} \d+$/m);
  expect(metrics).not.toMatch(/route="\/messages"/);
});
