import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';
import { TEST_PASSWORD } from '../support/gateway';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { digestHex } from '../../gateway/crypto/digest';
import { verify, Verifier } from '../../gateway/crypto/sign';
import { verifyBatched } from '../../gateway/crypto/batch-signature';

let w: AgencyWorld;

beforeAll(async () => {
  w = await startAgencyWorld({ circuit: { failures: 2, halfOpenAfterMs: 400 } });
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => {
  w.agencies.amr.reset();
  w.agencies.tax.reset();
});

const CASE = 'JZ-SV-20260302-000001';
const headers = { 'x-purpose': 'case-handling', 'x-case-id': CASE };
const query = (member: string, service: string, body: unknown, h: Record<string, string> = headers, token = w.t.tokens.hall) =>
  w.t.call('POST', `/api/v1/services/${member}/${service}`, { token, body, headers: h });

test('query-enterprise: the agency answers over SOAP 1.1; JSON back, recorded, logged and signed by the gateway', async () => {
  const res = await query('amr', 'query-enterprise', { uscc: '91350102MA2YJ8X3K3' });
  expect(res.status).toBe(200);
  expect(res.body.data).toEqual({
    uscc: '91350102MA2YJ8X3K3',
    name: '江州喆犇淼科技有限公司（高新区分公司）',
    legalRepresentative: '王堃赟',
    status: 'active',
    registeredCapital: { amount: '1200.50', unit: '万元' },
    address: '江州市高新区创业路88号（科技园）A座：3层、5层',
    establishedOn: '2019-09-30',
  });
  expect(res.body).toMatchObject({ service: 'query-enterprise', provider: 'amr', purpose: 'case-handling', caseId: CASE });
  expect(w.agencies.amr.received.map((c) => [c.operation, c.args])).toEqual([['QueryEnterprise', { TYSHXYDM: '91350102MA2YJ8X3K3' }]]);
  // the gateway's batch signature covers the answer without it, and verifies with the log certificate
  const { signature, ...unsigned } = res.body;
  expect(signature).toMatchObject({ signer: 'gateway', alg: 'SM2-SM3', certificate: w.t.gw.deps.trust.logCertificate });
  const pem = w.t.gw.deps.trust.certificatePem(signature.certificate)!;
  expect(verifyBatched(signature, canonicalJson(unsigned), pem)).toBe(true);
  const forged = { ...unsigned, data: { ...unsigned.data, status: 'revoked' } };
  expect(verifyBatched(signature, canonicalJson(forged), pem)).toBe(false);
  // and the manifest's signature is plain SM2 over its text (what openssl checks)
  expect(verify(signature.alg, signature.manifest, Buffer.from(signature.value, 'base64'), Verifier.fromPem(pem, signature.alg).publicKey)).toBe(true);
  // request, response and both native texts are kept; the log entry names their digests
  const row = (await w.t.db.store.query<any>('SELECT * FROM service_calls WHERE id = $1', [res.body.id])).rows[0];
  expect(row).toMatchObject({ caller: 'hall', provider: 'amr', service: 'query-enterprise', purpose: 'case-handling', case_id: CASE, outcome: 'ok' });
  expect(row.response).toEqual(res.body.data);
  expect(digestHex('sha256', row.native_request)).toBe(res.body.digests.nativeRequest.value);
  expect(digestHex('sha256', row.native_response)).toBe(res.body.digests.nativeResponse.value);
  const entry = (await w.t.db.store.query<{ idx: string; entry: string }>('SELECT idx, entry FROM log_entries WHERE message_id = $1', [res.body.id])).rows[0];
  expect(Number(entry.idx)).toBe(res.body.log.index);
  expect(JSON.parse(entry.entry)).toMatchObject({
    kind: 'service.called',
    call: { caller: 'hall/default', provider: 'amr', service: 'query-enterprise', operation: 'QueryEnterprise', purpose: 'case-handling', caseId: CASE },
    adapter: { name: 'amr-soap', mappingVersion: 'amr-soap/1.0.0' },
    outcome: { ok: true },
    digests: res.body.digests,
  });
});

test('query-tax-status: SOAP 1.2, GBK and UsernameToken; arrears mapped', async () => {
  const res = await query('tax', 'query-tax-status', { uscc: '91350105MA2XK9P1LR' });
  expect(res.status).toBe(200);
  expect(res.body.data).toMatchObject({ uscc: '91350105MA2XK9P1LR', status: 'normal', arrears: { owing: true, amount: '128560.35', currency: 'CNY' } });
  const gbk = await query('tax', 'query-tax-status', { uscc: '91350102MA2YJ8X3K3' });
  expect(gbk.body.data.taxAuthority).toBe('国家税务总局江州市高新技术产业开发区税务局：第一税务所、办税服务厅');
  expect(w.agencies.tax.received.every((c) => c.username === 'jz-tax-gw' && /charset=GBK/i.test(c.contentType))).toBe(true);
});

test('SOAP faults become GW_ERR_AGENCY_FAULT with the fault string; the failed call is recorded and logged too', async () => {
  const res = await query('amr', 'query-enterprise', { uscc: '91350100MA00000009' });
  expect([res.status, res.body.code]).toEqual([502, 'GW_ERR_AGENCY_FAULT']);
  expect(res.body.detail).toContain('未查询到该统一社会信用代码对应的企业');
  expect(res.body.detail).not.toMatch(/\n\s+at /); // no stack
  const row = (await w.t.db.store.query<any>(`SELECT * FROM service_calls WHERE outcome = 'failed' ORDER BY started_at DESC LIMIT 1`)).rows[0];
  expect(row).toMatchObject({ error_code: 'GW_ERR_AGENCY_FAULT', request: { uscc: '91350100MA00000009' } });
  // no answer: SQL NULL, not a JSON null (the driver reads both as null)
  expect((await w.t.db.store.query<{ none: boolean }>('SELECT response IS NULL AS none FROM service_calls WHERE id = $1', [row.id])).rows[0]!.none).toBe(true);
  const entry = (await w.t.db.store.query<{ entry: string }>('SELECT entry FROM log_entries WHERE message_id = $1', [row.id])).rows[0];
  expect(JSON.parse(entry.entry).outcome).toEqual({ ok: false, code: 'GW_ERR_AGENCY_FAULT' });
});

test('a slow agency times out with GW_ERR_AGENCY_TIMEOUT, well before it would answer', async () => {
  // The agency would answer after 30 s; the gateway's deadline is 800 ms (tests/support/agencies.ts). Only the
  // deadline can produce this 504 long before then, however slow the machine is.
  const agencyDelayMs = 30_000;
  w.agencies.tax.behave({ delayMs: agencyDelayMs, times: 1 });
  const started = Date.now();
  const res = await query('tax', 'query-tax-status', { uscc: '91350100273896412W' });
  expect([res.status, res.body.code]).toEqual([504, 'GW_ERR_AGENCY_TIMEOUT']);
  expect(res.body.detail).toContain('did not answer within 800 ms');
  expect(Date.now() - started).toBeLessThan(agencyDelayMs);
  // the next call is fine
  w.agencies.tax.reset();
  expect((await query('tax', 'query-tax-status', { uscc: '91350100273896412W' })).status).toBe(200);
});

test('the circuit opens after repeated failures (calls fail fast, the agency is spared) and closes after a good probe', async () => {
  w.agencies.amr.behave({ fail: 'http-503' });
  for (let i = 0; i < 2; i++) expect((await query('amr', 'query-enterprise', { uscc: '91350100273896412W' })).body.code).toBe('GW_ERR_AGENCY_UNAVAILABLE');
  const calls = w.agencies.amr.received.length;
  const open = await query('amr', 'query-enterprise', { uscc: '91350100273896412W' });
  expect([open.status, open.body.code]).toEqual([503, 'GW_ERR_AGENCY_CIRCUIT_OPEN']);
  expect(open.headers.get('retry-after')).toBe('1');
  expect(w.t.gw.deps.adapters.connectionOf('amr')!.circuit()?.state).toBe('open');
  const metrics = (await w.t.call('GET', '/metrics')).text;
  expect(metrics).toContain('xgw_agency_circuit_state{member="amr"} 2');
  expect(metrics).toContain('xgw_agency_circuit_state{member="tax"} 0');
  expect(metrics).toMatch(/xgw_service_calls_total\{provider="amr",service="query-enterprise",outcome="GW_ERR_AGENCY_CIRCUIT_OPEN"\} 1/);
  expect(w.agencies.amr.received.length).toBe(calls); // nothing reached the agency
  // The administrators see the same (GET /admin/adapters): state, failures in a row, refusals, the last failure.
  const admin = await w.t.call('GET', '/api/v1/admin/adapters?circuit=open', { token: w.admin });
  expect(admin.body.items.map((a: { member: string }) => a.member)).toEqual(['amr']);
  expect(admin.body.items[0]).toMatchObject({ adapter: 'amr-soap', endpoint: w.agencies.amr.url, circuit: { state: 'open', failuresInARow: 2, threshold: 2, halfOpenAfterMs: 400, refused: 1, since: w.t.clock.now().toISOString() } });
  expect(admin.body.items[0].circuit.lastFailure.error).toMatch(/503/);
  const all = (await w.t.call('GET', '/api/v1/admin/adapters', { token: w.admin })).body.items as { member: string; circuit: { state: string } | null }[];
  expect(all.find((a) => a.member === 'tax')?.circuit?.state).toBe('closed');
  expect(all.find((a) => a.member === 'hall')?.circuit).toBeNull();
  w.agencies.amr.reset();
  await new Promise((r) => setTimeout(r, 450));
  const probe = await query('amr', 'query-enterprise', { uscc: '91350100273896412W' });
  expect(probe.status).toBe(200);
  expect(w.t.gw.deps.adapters.connectionOf('amr')!.circuit()).toMatchObject({ state: 'closed', failuresInARow: 0, refused: 1 });
});

test('the caller must declare purpose and case, be allowed by an agreement, and send a valid request', async () => {
  const noHeaders = await query('amr', 'query-enterprise', { uscc: '91350100273896412W' }, {});
  expect([noHeaders.status, noHeaders.body.errors.map((e: { pointer: string }) => e.pointer)]).toEqual([400, ['/headers/X-Purpose', '/headers/X-Case-Id']]);
  const purpose = await query('amr', 'query-enterprise', { uscc: '91350100273896412W' }, { ...headers, 'x-purpose': 'marketing' });
  expect([purpose.status, purpose.body.code]).toEqual([403, 'GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED']);
  const stranger = await query('amr', 'query-enterprise', { uscc: '91350100273896412W' }, headers, w.t.tokens.housing);
  expect([stranger.status, stranger.body.code]).toEqual([403, 'GW_ERR_EXCHANGE_NO_AGREEMENT']);
  const bad = await query('amr', 'query-enterprise', { uscc: 'not-a-code', extra: 1 });
  expect([bad.status, bad.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
  expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/extra', '/uscc']);
  expect((await query('amr', 'query-tax-status', { uscc: '91350100273896412W' })).body.code).toBe('GW_ERR_SERVICE_UNKNOWN');
  expect((await query('nobody', 'query-enterprise', { uscc: '91350100273896412W' })).body.code).toBe('GW_ERR_REGISTRY_UNKNOWN_MEMBER');
  expect(w.agencies.amr.received).toHaveLength(0);
});

test('the metaservice advertises each service with its schemas and the inbound SOAP endpoint with its WSDL', async () => {
  const res = await w.t.call('GET', '/api/v1/members/amr/services', { token: w.t.tokens.hall });
  expect(res.body.adapter).toMatchObject({ name: 'amr-soap', version: '1.0.0', mappingVersion: 'amr-soap/1.0.0', delivers: ['case-record', 'supervision-notice'] });
  expect(res.body.services).toEqual([
    expect.objectContaining({ name: 'query-enterprise', title: '企业登记信息查询', operation: 'QueryEnterprise', url: `${w.t.url}/api/v1/services/amr/query-enterprise`, callers: [{ sender: 'hall', purposes: ['case-handling'] }] }),
  ]);
  expect(res.body.inbound).toEqual({ url: `${w.t.url}/soap/amr`, wsdl: `${w.t.url}/soap/amr?wsdl`, soapVersion: '1.1', encoding: 'utf-8', operations: [{ operation: 'ReportStatus', becomes: 'case-status' }] });
  const wsdl = await fetch(res.body.inbound.wsdl);
  expect(wsdl.status).toBe(200);
  const text = await wsdl.text();
  expect(text).toContain('ReportStatus');
  expect(text).toContain(`location="${w.t.url}/soap/amr"`);
});

test('answers match the OpenAPI document: a service answer, a service problem, a dead-letter page', async () => {
  const doc = (await w.t.call('GET', '/api/v1/openapi.json')).body;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const f of ['uscc', 'cn-id-number', 'password']) ajv.addFormat(f, true);
  ajv.addSchema(doc, 'oas');
  const valid = (component: string, body: unknown) => {
    const v = ajv.getSchema(`oas#/components/schemas/${component}`)!;
    return v(body) ? null : v.errors;
  };
  const ok = await query('tax', 'query-tax-status', { uscc: '91350100273896412W' });
  expect(valid('ServiceResponse', ok.body)).toBeNull();
  const problem = await query('tax', 'query-tax-status', { uscc: '91350100MA00000009' });
  expect(valid('Problem', problem.body)).toBeNull();
  expect(doc.paths['/api/v1/services/{member}/{service}'].post.responses['502']['x-error-codes']).toContain(problem.body.code);
  const page = await w.t.call('GET', '/api/v1/admin/dead-letters?limit=5', { token: w.admin });
  expect(valid('DeadLetterPage', page.body)).toBeNull();
});

test("auditors find a member's service calls in its trace, as caller and as provider, and by call id", async () => {
  const res = await query('amr', 'query-enterprise', { uscc: '91350100273896412W' }, { ...headers, 'x-case-id': 'JZ-SV-TRACE-000001' });
  expect(res.status).toBe(200);
  const auditor = (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token;
  const trace = async (q: string) => ((await w.t.call('GET', `/api/v1/audit/trace?${q}&limit=1000`, { token: auditor })).body.items as { index: number; kind: string }[]).filter((e) => e.kind === 'service.called').map((e) => e.index);
  expect(await trace('member=hall')).toContain(res.body.log.index);
  expect(await trace('member=amr')).toContain(res.body.log.index);
  expect(await trace('member=tax')).not.toContain(res.body.log.index);
  expect(await trace(`messageId=${res.body.id}`)).toEqual([res.body.log.index]);
  expect(await trace('caseId=JZ-SV-TRACE-000001')).toEqual([res.body.log.index]);
});

describe('the plain service call is served in front of Express (http/lean-route.ts); another form of it by the generic stack, alike', () => {
  const VARYING = new Set(['date', 'x-request-id', 'content-length', 'ratelimit', 'keep-alive', 'connection']);
  const shape = (r: { status: number; headers: Headers; body: any }) => ({
    status: r.status,
    headers: Object.fromEntries([...r.headers.entries()].map(([k, v]) => [k, VARYING.has(k) ? typeof v : v])),
    code: r.body?.code,
    keys: r.body ? Object.keys(r.body).sort() : [],
  });
  const both = async (path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }) => [
    await w.t.call('POST', path, opts),
    await w.t.call('POST', `${path}?via=stack`, opts),
  ];
  test.each([
    ['an answered call', () => ({ token: w.t.tokens.hall, body: { uscc: '91350102MA2YJ8X3K3' }, headers })],
    ['no X-Purpose', () => ({ token: w.t.tokens.hall, body: { uscc: '91350102MA2YJ8X3K3' }, headers: { 'x-case-id': CASE } })],
    ['a body the service schema refuses', () => ({ token: w.t.tokens.hall, body: { uscc: 'nope' }, headers })],
    ['malformed JSON', () => ({ token: w.t.tokens.hall, headers: { ...headers, 'content-type': 'application/json' }, raw: '{"uscc":' })],
    ['an unknown token', () => ({ token: 'xgs_not-a-token', body: { uscc: '91350102MA2YJ8X3K3' }, headers })],
    ['a role that may not call services', () => ({ token: w.t.tokens.housing, body: { uscc: '91350102MA2YJ8X3K3' }, headers })],
  ])('%s', async (_what, opts) => {
    const [lean, stack] = await both('/api/v1/services/amr/query-enterprise', opts());
    expect(shape(lean!)).toEqual(shape(stack!));
    if (lean!.status === 200) expect(lean!.body.data).toEqual(stack!.body.data);
  });
  test('an unknown service of a known member is the same refusal either way', async () => {
    const [lean, stack] = await both('/api/v1/services/amr/no-such-service', { token: w.t.tokens.hall, body: {}, headers });
    expect(shape(lean!)).toEqual(shape(stack!));
    expect(lean!.status).toBeGreaterThanOrEqual(400);
  });
  test('both forms carry the route label the router gives', async () => {
    await both('/api/v1/services/amr/query-enterprise', { token: w.t.tokens.hall, body: { uscc: '91350102MA2YJ8X3K3' }, headers });
    const metrics = (await w.t.call('GET', '/metrics')).text;
    expect(metrics).toMatch(/^xgw_http_requests_total\{method="POST",route="\/api\/v1\/services\/:member\/:service",status="200"\} \d+$/m);
  });
});
