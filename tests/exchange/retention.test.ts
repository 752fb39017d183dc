import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoCase, loginAs } from '../audit/scenario';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { verifyStoredLog } from '../../gateway/log/audit-log';
import { CaseProjector } from '../../gateway/cases/projector';
import { WorkingCalendar } from '../../gateway/cases/calendar';
import { BodyArchive } from '../../gateway/retention/archive';

// Retention: bodies of settled messages older than the policy leave the database (archived
// under their SHA-256, or dropped); digests, envelopes, receipts and the signed log stay, so
// `xgw verify log`, inclusion proofs and evidence bundles still verify after pruning.
const DAY = 86_400_000;

async function gatewayWith(mode: 'archive' | 'drop'): Promise<{ t: TestGateway; archiveDir: string }> {
  const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-archive-'));
  const t = await startTestGateway({ config: { retention: { bodiesAfterDays: 30, mode, archiveDir, intervalMs: 3_600_000, batchSize: 2 } } });
  return { t, archiveDir };
}

const push = (t: TestGateway, messageId: string, payload = sampleCaseRecord()) =>
  t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId, caseId: payload.caseNo, purpose: 'case-handling', payload },
  });
const ack = (t: TestGateway, id: string, result: 'accepted' | 'rejected') =>
  t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: result === 'accepted' ? { result } : { result, reason: '材料不全' } });
const rows = async (t: TestGateway, ids: string[]) =>
  (await t.db.store.query<{ id: string; payload: unknown; conversion: unknown; retention: Record<string, string> | null }>('SELECT id, payload, conversion, retention FROM messages WHERE id = ANY($1::uuid[])', [ids])).rows;
const prunedEntries = async (t: TestGateway) =>
  (await t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'retention.pruned' ORDER BY idx`)).rows.map((r) => JSON.parse(r.entry));

describe('archive mode', () => {
  let t: TestGateway;
  let archiveDir: string;
  beforeAll(async () => {
    ({ t, archiveDir } = await gatewayWith('archive'));
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(archiveDir, { recursive: true, force: true });
  });

  test('settled bodies past the period move to the archive and read back unchanged; unsettled and young ones stay; the log verifies', async () => {
    const payloads = [0, 1, 2, 3].map((i) => sampleCaseRecord({ caseNo: `FZ-ZJ-20260302-30000${i}` }));
    const [a, r, q] = await Promise.all(payloads.slice(0, 3).map((p, i) => push(t, `ret-${i}`, p)));
    expect([a, r, q].map((x) => x.status)).toEqual([202, 202, 202]);
    expect((await ack(t, a.body.id, 'accepted')).status).toBe(200);
    expect((await ack(t, r.body.id, 'rejected')).status).toBe(200);
    t.clock.advance(29 * DAY);
    const young = await push(t, 'ret-3', payloads[3]);
    await ack(t, young.body.id, 'accepted');
    t.clock.advance(2 * DAY); // the first three are 31 days old, the last 2

    const first = await t.gw.deps.retention.runOnce();
    expect({ pruned: first.pruned, waiting: first.waiting }).toEqual({ pruned: 2, waiting: 1 });
    const stored = new Map((await rows(t, [a.body.id, r.body.id, q.body.id, young.body.id])).map((x) => [x.id, x]));
    for (const id of [a.body.id, r.body.id]) {
      expect(stored.get(id)).toMatchObject({ payload: null, conversion: null, retention: { mode: 'archive', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    }
    for (const id of [q.body.id, young.body.id]) expect(stored.get(id)).toMatchObject({ retention: null, payload: expect.any(Object) });
    // A signed entry per batch (of 2 here), naming the count, the cutoff and the seq range.
    const entries = await prunedEntries(t);
    for (const e of entries) expect(e).toMatchObject({ kind: 'retention.pruned', mode: 'archive', olderThan: '2026-03-03T09:30:00.000+08:00', seq: { first: expect.any(Number), last: expect.any(Number) } });
    expect(entries.reduce((n, e) => n + e.count, 0)).toBe(2);

    // The API reads the archived body back (checked against the signed digest) and says where it came from.
    const view = await t.call('GET', `/api/v1/messages/${a.body.id}`, { token: t.tokens.hall });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ payload: payloads[0], retention: { mode: 'archive' }, digest: a.body.digest });
    const inbox = await t.call('GET', '/api/v1/inbox?limit=10', { token: t.tokens.housing });
    expect(inbox.body.items.find((m: { id: string }) => m.id === r.body.id)).toMatchObject({ payload: payloads[1], status: 'rejected' });

    // Pruning touches no log entry: the whole log and its checkpoints still verify.
    await t.gw.deps.integrator.runOnce(true);
    const log = await verifyStoredLog(t.db.store);
    expect(log.problems).toEqual([]);
    expect(log.ok).toBe(true);

    // Once the queued one is settled, the next run takes it; a run with nothing to do writes nothing.
    await ack(t, q.body.id, 'accepted');
    expect((await t.gw.deps.retention.runOnce()).pruned).toBe(1);
    expect((await t.gw.deps.retention.runOnce()).pruned).toBe(0);
    expect((await prunedEntries(t)).reduce((n, e) => n + e.count, 0)).toBe(3);
  });

  test('two passes at once prune each body exactly once', async () => {
    const sent = await Promise.all([0, 1, 2, 3, 4].map((i) => push(t, `ret-twice-${i}`, sampleCaseRecord({ caseNo: `FZ-ZJ-20260302-31000${i}` }))));
    for (const s of sent) await ack(t, s.body.id, 'accepted');
    t.clock.advance(31 * DAY);
    const before = (await prunedEntries(t)).reduce((n, e) => n + e.count, 0);
    const [x, y] = await Promise.all([t.gw.deps.retention.runOnce(), t.gw.deps.retention.runOnce()]);
    // ret-3 of the first test (acked at day 29) is now old enough too.
    expect(x.pruned + y.pruned).toBe(6);
    expect((await prunedEntries(t)).reduce((n, e) => n + e.count, 0) - before).toBe(6);
  });

  test('an archived body that was altered is refused with a catalogue error; the server keeps serving', async () => {
    const s = await push(t, 'ret-tamper', sampleCaseRecord({ caseNo: 'FZ-ZJ-20260302-320001' }));
    await ack(t, s.body.id, 'accepted');
    t.clock.advance(31 * DAY);
    await t.gw.deps.retention.runOnce();
    const [row] = await rows(t, [s.body.id]);
    const sha256 = row!.retention!.sha256!;
    const body = new BodyArchive(archiveDir).get(sha256) as { payload: { applicant: { name: string } } };
    body.payload.applicant.name = '李四';
    fs.writeFileSync(path.join(archiveDir, sha256.slice(0, 2), `${sha256}.json.gz`), gzipSync(JSON.stringify(body)));
    const view = await t.call('GET', `/api/v1/messages/${s.body.id}`, { token: t.tokens.hall });
    expect(view.status).toBe(500);
    expect(view.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(view.body.code).toBe('GW_ERR_RETENTION_ARCHIVE_UNREADABLE');
    expect(view.body.detail).toContain('does not hash to its name');
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });
});

describe('drop mode', () => {
  let t: TestGateway;
  let archiveDir: string;
  beforeAll(async () => {
    ({ t, archiveDir } = await gatewayWith('drop'));
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(archiveDir, { recursive: true, force: true });
  });

  test('dropped bodies: the API says so, the evidence bundle still verifies (digest only), the log verifies, a case rebuild refuses clearly', async () => {
    const c = await demoCase(t, 'FZ-ZJ-20260302-330001');
    t.clock.advance(31 * DAY);
    expect((await t.gw.deps.retention.runOnce()).pruned).toBe(2);
    expect(fs.readdirSync(archiveDir)).toEqual([]); // nothing archived

    const view = await t.call('GET', `/api/v1/messages/${c.record.id}`, { token: t.tokens.hall });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ payload: null, retention: { mode: 'drop' } });

    const auditor = await loginAs(t, 'auditor');
    const bundle = await t.call('GET', `/api/v1/audit/evidence?caseId=${c.caseNo}`, { token: auditor });
    expect(bundle.status).toBe(200);
    expect(bundle.body.messages.map((m: { payload: unknown; retention?: unknown }) => [m.payload, m.retention])).toEqual([
      [null, { at: expect.any(String), mode: 'drop' }],
      [null, { at: expect.any(String), mode: 'drop' }],
    ]);
    const report = verifyBundle(bundle.body, { rootPems: [t.gw.deps.trust.pki.rootCertPem] });
    expect(report.ok).toBe(true);
    expect(JSON.stringify(report)).toContain('payload dropped by the retention policy');
    // Claiming a drop does not excuse a payload that is there and wrong.
    const forged = structuredClone(bundle.body);
    forged.messages[0].payload = { ...sampleCaseRecord({ caseNo: c.caseNo }), legalLimitDays: 99 };
    expect(verifyBundle(forged, { rootPems: [t.gw.deps.trust.pki.rootCertPem] }).ok).toBe(false);

    expect((await verifyStoredLog(t.db.store)).ok).toBe(true);
    await expect(new CaseProjector(t.db.store, new WorkingCalendar({ extraHolidays: [], extraWorkdays: [] })).rebuild()).rejects.toThrow(/dropped by the retention policy/);
  });
});
