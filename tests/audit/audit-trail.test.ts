/**
 * The auditors audited: every trace query and every evidence export — answered or
 * refused — is an entry in the signed log (who, what, when, outcome), written before the
 * answer leaves. Members never read those entries (leaf hashes only); auditors and
 * supervisors do. What an auditor types that is not an identifier enters as its digest.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { demoCase, loginAs } from './scenario';
import { digestHex } from '../../gateway/crypto/digest';
import { leafHash } from '../../gateway/merkle/hash';
import { validIdNumber } from '../fixtures/case-record';
import { verifyBundle } from '../../gateway/audit/verify-bundle';

let t: TestGateway;
let auditor: string;
let supervisor: string;

beforeAll(async () => {
  t = await startTestGateway();
  auditor = await loginAs(t, 'auditor');
  supervisor = await loginAs(t, 'supervisor');
  await demoCase(t, 'JZ-AUD-0001');
});
afterAll(async () => {
  await t?.close();
});

const auditEntries = async () =>
  (await t.db.store.query<{ idx: string; kind: string; entry: string; message_id: string | null; case_id: string | null }>(`SELECT idx, kind, entry, message_id, case_id FROM log_entries WHERE kind LIKE 'audit.%' ORDER BY idx`)).rows.map((r) => ({
    index: Number(r.idx),
    refs: [r.message_id, r.case_id],
    ...JSON.parse(r.entry),
  }));

test('a trace query and an evidence export are each an entry in the signed log: who, what, when, outcome', async () => {
  const before = (await auditEntries()).length;
  t.clock.advance(60_000);
  const trace = await t.call('GET', '/api/v1/audit/trace?caseId=JZ-AUD-0001&member=hall', { token: auditor });
  expect(trace.status).toBe(200);
  t.clock.advance(60_000);
  const bundle = await t.call('GET', '/api/v1/audit/evidence?caseId=JZ-AUD-0001', { token: supervisor });
  expect(bundle.status).toBe(200);
  const entries = (await auditEntries()).slice(before);
  expect(entries).toEqual([
    {
      index: expect.any(Number),
      refs: [null, null],
      v: 1,
      kind: 'audit.trace_queried',
      at: '2026-03-02T09:37:00.000+08:00',
      actor: 'hall/t.auditor',
      role: 'auditor',
      query: { caseId: 'JZ-AUD-0001', member: 'hall' },
      outcome: { ok: true, entries: trace.body.items.length },
    },
    {
      index: expect.any(Number),
      refs: [null, null],
      v: 1,
      kind: 'audit.evidence_exported',
      at: '2026-03-02T09:38:00.000+08:00',
      actor: 'hall/t.supervisor',
      role: 'supervisor',
      query: { caseId: 'JZ-AUD-0001' },
      outcome: { ok: true, entries: 6, messages: 2, checkpointSize: expect.any(Number) },
    },
  ]);
  // signed: the next checkpoint covers them, and the bundle (of the case) still verifies
  const cp = await t.gw.deps.integrator.runOnce(true);
  expect(cp!.size).toBeGreaterThan(entries[1]!.index);
  expect(verifyBundle(bundle.body).ok).toBe(true);
  // the auditors' own trace shows the supervisor's export
  const all = await t.call('GET', `/api/v1/log/entries?start=${entries[0]!.index}&end=${entries[1]!.index + 1}`, { token: auditor });
  expect(all.body.items.map((i: { entry?: string }) => JSON.parse(i.entry!).kind)).toEqual(['audit.trace_queried', 'audit.evidence_exported']);
});

test('refused queries are on record too, with the error code; typed text that is not an identifier enters as its digest', async () => {
  const before = (await auditEntries()).length;
  const typed = `张三 ${validIdNumber('350102', '19900101', '123')}`;
  const missing = await t.call('GET', `/api/v1/audit/evidence?caseId=${encodeURIComponent(typed)}`, { token: auditor });
  expect([missing.status, missing.body.code]).toEqual([404, 'GW_ERR_AUDIT_CASE_NOT_FOUND']);
  const bad = await t.call('GET', '/api/v1/audit/trace?from=2026-03-02T10:00:00%2B08:00&to=2026-03-02T09:00:00%2B08:00&member=hall', { token: auditor });
  expect(bad.status).toBe(400);
  const alg = t.gw.deps.config.trust.logHashAlg;
  const entries = (await auditEntries()).slice(before);
  expect(entries.map((e) => [e.kind, e.outcome])).toEqual([
    ['audit.evidence_exported', { ok: false, code: 'GW_ERR_AUDIT_CASE_NOT_FOUND' }],
    ['audit.trace_queried', { ok: false, code: 'GW_ERR_REQUEST_INVALID' }],
  ]);
  expect(entries[0]!.query).toEqual({ caseIdDigest: { alg, value: digestHex(alg, typed) } });
  expect(entries[1]!.query).toEqual({ member: 'hall', from: '2026-03-02T10:00:00+08:00', to: '2026-03-02T09:00:00+08:00' });
  const text = (await t.db.store.query<{ entry: string }>('SELECT entry FROM log_entries')).rows.map((r) => r.entry).join('\n');
  expect(text).not.toContain('张三');
});

test("a member cannot read the audit entries (nor other members' entries): leaf hashes only; a member cannot query the trail", async () => {
  const entries = await auditEntries();
  const first = entries[0]!.index;
  const last = entries.at(-1)!.index;
  for (const token of [t.tokens.hall, t.tokens.tax]) {
    const r = await t.call('GET', `/api/v1/log/entries?start=${first}&end=${last + 1}`, { token });
    expect(r.status).toBe(200);
    const byIndex = new Map(r.body.items.map((i: { index: number }) => [i.index, i]));
    for (const e of entries) {
      const item = byIndex.get(e.index) as { entry?: string; withheld?: boolean; leafHash: string };
      expect(item.withheld).toBe(true);
      expect(item.entry).toBeUndefined();
      const stored = (await t.db.store.query<{ entry: string }>('SELECT entry FROM log_entries WHERE idx = $1', [e.index])).rows[0]!.entry;
      expect(item.leafHash).toBe(leafHash(t.gw.deps.config.trust.logHashAlg, stored).toString('hex'));
    }
  }
  const clerk = await loginAs(t, 'clerk');
  expect((await t.call('GET', '/api/v1/audit/trace?caseId=JZ-AUD-0001', { token: clerk })).status).toBe(403);
  expect((await t.call('GET', '/api/v1/audit/trace?caseId=JZ-AUD-0001', { token: t.tokens.hall })).status).toBe(403);
});
