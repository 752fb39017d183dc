import iconv from 'iconv-lite';
import { startAgencyWorld, drainOutbox, type AgencyWorld } from '../support/agencies';
import { sampleCaseRecord } from '../fixtures/case-record';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { digestHex } from '../../gateway/crypto/digest';

let w: AgencyWorld;
let seq = 0;

beforeAll(async () => {
  w = await startAgencyWorld({ agreements: [{ sender: 'hall', receiver: 'amr', messageType: 'case-status', purposes: ['status-feedback'] }] });
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => {
  w.agencies.amr.reset();
  w.agencies.tax.reset();
});

async function push(to: 'amr' | 'tax', record = sampleCaseRecord({ caseNo: `JZ-AG-${String(++seq).padStart(5, '0')}` })) {
  const res = await w.t.call('POST', '/api/v1/messages', {
    token: w.t.tokens.hall,
    body: { to, type: 'case-record', messageId: `ag-${++seq}`, caseId: record.caseNo, purpose: 'case-handling', payload: record },
  });
  expect(res.status).toBe(202);
  return { id: res.body.id as string, record };
}

const stored = async (id: string) =>
  (await w.t.db.store.query<{ conversion: any; status: string }>('SELECT conversion, status FROM messages WHERE id = $1', [id])).rows[0];
const entries = async (id: string) =>
  (await w.t.db.store.query<{ kind: string; entry: string }>('SELECT kind, entry FROM log_entries WHERE message_id = $1 ORDER BY idx', [id])).rows.map((r) => ({ kind: r.kind, entry: JSON.parse(r.entry) }));
const view = async (id: string) => (await w.t.call('GET', `/api/v1/messages/${id}`, { token: w.t.tokens.hall })).body;

test('a case record to 市场监管 (SOAP 1.1): converted at push, the agency receives exactly the logged form, its receipt number is recorded', async () => {
  const { id, record } = await push('amr');
  const { conversion } = await stored(id);
  expect(conversion.native).toMatchObject({ operation: 'SubmitCase', mediaType: 'application/xml' });
  expect(conversion.native.text).toContain(`<amr:SLBH>${record.caseNo}</amr:SLBH>`);
  // provenance in the signed log: adapter, versions, digests of the original JSON and of the converted text
  const [received] = await entries(id);
  expect(received.entry.conversion).toEqual({
    adapter: 'amr-soap',
    adapterVersion: '1.0.0',
    mappingVersion: 'amr-soap/1.0.0',
    operation: 'SubmitCase',
    // the sender (hall) signs with SM2, so its digests are SM3; the original's is the envelope's payload digest
    original: received.entry.payloadDigest,
    converted: { alg: 'sm3', value: digestHex('sm3', conversion.native.text), mediaType: 'application/xml' },
  });
  expect(received.entry.payloadDigest).toEqual({ alg: 'sm3', value: digestHex('sm3', canonicalJson(record)) });
  await w.t.gw.deps.delivery.runOnce();
  const calls = w.agencies.amr.received;
  expect(calls.map((c) => c.operation)).toEqual(['SubmitCase']);
  expect(calls[0].rawXml).toBe(conversion.native.text);
  const m = await view(id);
  expect(m.status).toBe('delivered');
  const delivered = m.history.find((h: { event: string }) => h.event === 'delivered');
  expect(delivered.answer).toEqual({ code: '0', agencyReceipt: w.agencies.amr.cases.get(record.caseNo) });
});

test('a case record to 税务 (SOAP 1.2, GBK, UsernameToken): rare characters and full-width punctuation arrive intact as GBK bytes', async () => {
  const record = sampleCaseRecord({ caseNo: 'JZ-AG-GBK-0001' });
  record.applicant.name = '江州喆犇淼科技有限公司（高新区分公司）';
  record.remarks = '材料齐全：营业执照、章程；法定代表人王堃赟到场。';
  const { id } = await push('tax', record);
  await w.t.gw.deps.delivery.runOnce();
  expect((await view(id)).status).toBe('delivered');
  const [call] = w.agencies.tax.received;
  expect(call.operation).toBe('ReceiveCase');
  expect(call.contentType).toMatch(/charset=GBK/i);
  expect(call.username).toBe('jz-tax-gw');
  const bytes = call.rawBody;
  expect(iconv.decode(bytes, 'gbk')).toContain('江州喆犇淼科技有限公司（高新区分公司）');
  expect(bytes.toString('utf8')).not.toContain('喆'); // the wire really is GBK, not UTF-8
  expect(bytes.includes(iconv.encode('王堃赟', 'gbk'))).toBe(true);
  const doc = call.args.caseDoc as Record<string, unknown>;
  expect([doc.sqrmc, doc.bz]).toEqual([record.applicant.name, record.remarks]);
});

test('a message type the agency has no mapping for is refused at push with GW_ERR_ADAPTER_UNMAPPED_VALUE; nothing is stored', async () => {
  const before = Number((await w.t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0].n);
  const res = await w.t.call('POST', '/api/v1/messages', {
    token: w.t.tokens.hall,
    body: { to: 'amr', type: 'case-status', messageId: 'unmapped-1', purpose: 'status-feedback', payload: { caseNo: 'JZ-AG-00001', department: '大厅', status: 'accepted', officer: '王敏', occurredAt: '2026-03-02T09:30:00+08:00' } },
  });
  expect([res.status, res.body.code]).toEqual([422, 'GW_ERR_ADAPTER_UNMAPPED_VALUE']);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.detail).toContain('amr-soap has no conversion for message type case-status');
  expect(Number((await w.t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0].n)).toBe(before);
});

test('a value the agency requires but our schema leaves optional is refused at push, naming the field', async () => {
  const record = sampleCaseRecord({ caseNo: 'JZ-AG-NOKIND-01' }) as unknown as { matter: Record<string, unknown> };
  delete record.matter.kind;
  const res = await w.t.call('POST', '/api/v1/messages', {
    token: w.t.tokens.hall,
    body: { to: 'amr', type: 'case-record', messageId: 'no-kind-1', caseId: 'JZ-AG-NOKIND-01', purpose: 'case-handling', payload: record },
  });
  expect([res.status, res.body.code]).toEqual([422, 'GW_ERR_ADAPTER_UNMAPPED_VALUE']);
  expect(res.body.errors).toEqual([expect.objectContaining({ pointer: '/payload/matter/kind' })]);
  // the same record is fine for a JSON department, which takes it as is
  const housing = await w.t.call('POST', '/api/v1/messages', {
    token: w.t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: 'no-kind-2', caseId: 'JZ-AG-NOKIND-01', purpose: 'case-handling', payload: record },
  });
  expect(housing.status).toBe(202);
});

test('agency down: retries with backoff, dead letter after maxAttempts, admin replay delivers it', async () => {
  w.agencies.amr.behave({ fail: 'http-503' });
  const { id, record } = await push('amr');
  await drainOutbox(w.t);
  let m = await view(id);
  expect(m.status).toBe('dead_lettered');
  const failures = m.history.filter((h: { event: string }) => h.event === 'delivery_failed');
  expect(failures).toHaveLength(3);
  expect(failures[0].error).toMatch(/GW_ERR_AGENCY_UNAVAILABLE.*503/);
  w.agencies.amr.reset();
  // the circuit may be open after three failures in a row: wait for its half-open probe window
  await new Promise((r) => setTimeout(r, 350));
  const replay = await w.t.call('POST', `/api/v1/admin/dead-letters/${id}/replay`, { token: w.admin });
  expect(replay.body).toEqual({ replayed: 1, ids: [id] });
  await w.t.gw.deps.delivery.runOnce();
  m = await view(id);
  expect(m.status).toBe('delivered');
  expect(w.agencies.amr.cases.has(record.caseNo)).toBe(true);
  expect((await entries(id)).map((e) => e.kind)).toEqual([
    'message.received', 'message.delivery_failed', 'message.delivery_failed', 'message.delivery_failed', 'message.dead_lettered', 'message.replayed', 'message.delivered',
  ]);
});

test('a refusal by the agency (Client fault) is not retried: dead letter at once, with the fault string', async () => {
  w.agencies.amr.behave({ fault: { code: 'Client', reason: '受理编号重复，不予接收' }, times: 1 });
  const { id } = await push('amr');
  await w.t.gw.deps.delivery.runOnce();
  const m = await view(id);
  expect(m.status).toBe('dead_lettered');
  const failed = m.history.find((h: { event: string }) => h.event === 'delivery_failed');
  expect(failed.error).toMatch(/GW_ERR_AGENCY_FAULT.*受理编号重复，不予接收/);
  expect(m.history.find((h: { event: string }) => h.event === 'dead_lettered')).toMatchObject({ attempts: 1, reason: 'not retryable' });
  expect(w.agencies.amr.received).toHaveLength(0);
});

test('a retry after a timeout that the agency refuses as a duplicate counts as delivered (it processed the first attempt)', async () => {
  w.agencies.amr.behave({ delayMs: 1500, times: 1 });
  const { id, record } = await push('amr');
  await w.t.gw.deps.delivery.runOnce();
  let m = await view(id);
  expect(m.history.find((h: { event: string }) => h.event === 'delivery_failed').error).toMatch(/GW_ERR_AGENCY_TIMEOUT/);
  // the agency did take the case from the attempt we gave up on
  w.agencies.amr.cases.set(record.caseNo, 'SJ-EARLIER-0001');
  w.t.clock.advance(5_000);
  await w.t.gw.deps.delivery.runOnce();
  m = await view(id);
  expect(m.status).toBe('delivered');
  const fault = `受理编号 ${record.caseNo} 已存在，请勿重复推送`;
  expect(m.history.find((h: { event: string }) => h.event === 'delivered').answer).toEqual({ duplicate: true, fault });
  // the agency's fault text (free text) stays in the history; the signed log gets its digest only
  const alg = w.t.gw.deps.config.trust.logHashAlg;
  const logged = await w.t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE message_id = $1 AND kind = 'message.delivered'`, [id]);
  expect(JSON.parse(logged.rows[0]!.entry).detail.answer).toEqual({ duplicate: true, faultDigest: { alg, value: digestHex(alg, fault) } });
});
