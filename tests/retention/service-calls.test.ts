/**
 * Retention of service calls (gateway/retention/calls.ts): past retention.serviceCallsAfterDays
 * a call's request, answer and SOAP texts leave `service_calls` — archived under their SHA-256
 * or dropped — in batches, each with a signed `retention.pruned` entry; the call's header and its
 * service.called entry (with the texts' digests) stay. Real SOAP agency, real database: the case's
 * evidence bundle still verifies offline (archived bodies read back and checked against the
 * logged digests; dropped ones say so), and so does the whole stored log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';
import { TEST_PASSWORD } from '../support/gateway';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { notInChinese } from '../support/verify-zh';
import { verifyStoredLog } from '../../gateway/log/audit-log';
import { pruneServiceCalls } from '../../gateway/retention/calls';
import { BodyArchive, type ArchivedCall } from '../../gateway/retention/archive';
import type { EvidenceBundle } from '../../gateway/audit/bundle';

jest.setTimeout(180_000);
const DAY = 86_400_000;
const USCC = '91350100273896412W';

let w: AgencyWorld;
let archiveDir: string;
beforeAll(async () => {
  archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-archive-'));
  w = await startAgencyWorld({ config: { retention: { serviceCallsAfterDays: 30, mode: 'archive', archiveDir, batchSize: 2 } } });
});
afterAll(async () => {
  await w?.close();
  fs.rmSync(archiveDir, { recursive: true, force: true });
});

const lookup = async (caseId: string) => {
  const r = await w.t.call('POST', '/api/v1/services/amr/query-enterprise', { token: w.t.tokens.hall, body: { uscc: USCC }, headers: { 'x-purpose': 'case-handling', 'x-case-id': caseId } });
  expect(r.status).toBe(200);
  return r.body as { id: string; data: unknown; log: { index: number } };
};
const row = async (id: string) =>
  (
    await w.t.db.store.query<{ request: unknown; response: unknown; native_request: string | null; native_response: string | null; retention: Record<string, string> | null; outcome: string; caller: string }>(
      'SELECT request, response, native_request, native_response, retention, outcome, caller FROM service_calls WHERE id = $1',
      [id],
    )
  ).rows[0]!;
const prunedEntries = async () =>
  (await w.t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'retention.pruned' ORDER BY idx`)).rows.map((r) => JSON.parse(r.entry));
const evidence = async (caseId: string): Promise<EvidenceBundle> => {
  const auditor = (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token;
  await w.t.gw.deps.integrator.runOnce(true);
  const r = await w.t.call('GET', `/api/v1/audit/evidence?caseId=${caseId}`, { token: auditor });
  expect(r.status).toBe(200);
  return r.body as EvidenceBundle;
};
const failures = (b: EvidenceBundle) => verifyBundle(b, { rootPems: [w.t.gw.deps.trust.pki.rootCertPem] }).lines.filter((l) => !l.ok);

test('calls past the period: bodies archived, header and digests kept, one signed entry per batch; the evidence bundle and the log still verify', async () => {
  const caseId = 'JZ-RET-CALLS-0001';
  const old = [await lookup(caseId), await lookup(caseId), await lookup(caseId)];
  const before = await row(old[0]!.id);
  w.t.clock.advance(29 * DAY);
  const young = await lookup(caseId);
  w.t.clock.advance(2 * DAY); // the first three are 31 days old, the last 2

  const report = await w.t.gw.deps.retention.runOnce();
  expect(report.serviceCalls.pruned).toBe(3);
  expect(report.pruned).toBe(0); // message bodies: off in this configuration
  for (const c of old) {
    expect(await row(c.id)).toMatchObject({ request: null, response: null, native_request: null, native_response: null, outcome: 'ok', caller: 'hall', retention: { mode: 'archive', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  }
  expect(await row(young.id)).toMatchObject({ retention: null, request: { uscc: USCC } });
  // The archive holds exactly what the row held.
  const archived = new BodyArchive(archiveDir).get<ArchivedCall>((await row(old[0]!.id)).retention!.sha256!);
  expect(archived).toEqual({ request: before.request, response: before.response, nativeRequest: before.native_request, nativeResponse: before.native_response });

  // Batches of 2: two signed entries naming the records, the count and the cutoff.
  const entries = await prunedEntries();
  expect(entries).toEqual([
    expect.objectContaining({ kind: 'retention.pruned', records: 'service-calls', mode: 'archive', count: 2, olderThan: expect.any(String), ids: { alg: 'sha256', value: expect.any(String) } }),
    expect.objectContaining({ kind: 'retention.pruned', records: 'service-calls', mode: 'archive', count: 1 }),
  ]);
  expect(report.logIndices).toHaveLength(2);

  // The evidence bundle reads the archived bodies back; the verifier checks them against the logged digests.
  const bundle = await evidence(caseId);
  expect(bundle.serviceCalls!.find((c) => c.id === old[0]!.id)).toMatchObject({ request: { uscc: USCC }, response: old[0]!.data });
  expect(failures(bundle)).toEqual([]);
  const log = await verifyStoredLog(w.t.db.store);
  expect(log.problems).toEqual([]);
  expect(log.ok).toBe(true);

  // A pass with nothing to do writes nothing.
  expect((await w.t.gw.deps.retention.runOnce()).serviceCalls.pruned).toBe(0);
  expect(await prunedEntries()).toHaveLength(2);

  // An archived body altered afterwards: the bundle's call no longer has the logged digests.
  const sha256 = (await row(old[1]!.id)).retention!.sha256!;
  const file = path.join(archiveDir, sha256.slice(0, 2), `${sha256}.json.gz`);
  const altered = { ...archived, response: { ...(archived.response as object), status: 'revoked' } };
  fs.writeFileSync(file, gzipSync(JSON.stringify(altered)));
  const refused = await w.t.call('GET', `/api/v1/audit/evidence?caseId=${caseId}`, {
    token: (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token,
  });
  expect([refused.status, refused.body.code]).toEqual([500, 'GW_ERR_RETENTION_ARCHIVE_UNREADABLE']);
  fs.rmSync(file);
  new BodyArchive(archiveDir).put(archived); // put back as it was
});

test('drop mode: bodies gone, the bundle says so and still verifies; two passes at once prune each call once', async () => {
  const caseId = 'JZ-RET-CALLS-0002';
  const calls = [await lookup(caseId), await lookup(caseId), await lookup(caseId)];
  w.t.clock.advance(31 * DAY);
  const opts = { days: 30, mode: 'drop' as const, batchSize: 1, archive: null, clock: w.t.clock, alg: w.t.gw.deps.config.trust.logHashAlg };
  const before = (await prunedEntries()).length;
  const [a, b] = await Promise.all([pruneServiceCalls(w.t.db.store, opts), pruneServiceCalls(w.t.db.store, opts)]);
  // the young call of the first test is old enough now too
  expect(a.pruned + b.pruned).toBe(4);
  const entries = (await prunedEntries()).slice(before);
  expect(entries).toHaveLength(4);
  expect(entries.every((e) => e.records === 'service-calls' && e.mode === 'drop' && e.count === 1)).toBe(true);
  for (const c of calls) expect(await row(c.id)).toMatchObject({ request: null, response: null, retention: { mode: 'drop' } });

  const bundle = await evidence(caseId);
  expect(bundle.serviceCalls).toEqual(calls.map((c) => expect.objectContaining({ id: c.id, request: null, response: null, retention: { at: expect.any(String), mode: 'drop' } })));
  expect(failures(bundle)).toEqual([]);
  const report = verifyBundle(bundle, { rootPems: [w.t.gw.deps.trust.pki.rootCertPem] });
  expect(report.lines.filter((l) => l.group === 'services')).toEqual(calls.map(() => expect.objectContaining({ ok: true, text: expect.stringMatching(/bodies dropped by the retention policy/) })));
  // the console says it in Chinese too (web/src/verify-zh.ts)
  expect(notInChinese(report.lines)).toEqual([]);
  expect(report.lines.filter((l) => l.said[0]!.code === 'call.dropped')).toHaveLength(calls.length);
  // Claiming "dropped" does not excuse a call whose bodies are there but altered.
  const forged = structuredClone(bundle);
  forged.serviceCalls![0] = { ...forged.serviceCalls![0]!, request: { uscc: '91350100000000000X' } };
  expect(failures(forged)).toEqual([expect.objectContaining({ group: 'services' })]);
  expect((await verifyStoredLog(w.t.db.store)).ok).toBe(true);
});
