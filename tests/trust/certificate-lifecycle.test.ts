/**
 * Key and certificate lifecycle through the admin API, with two gateway processes on one
 * database and PKI directory (the second learns every change by NOTIFY alone): rotate the
 * sender's certificate, then revoke it. Evidence bundles made before still verify, new
 * signatures use the new key in both processes, a member whose only certificate is
 * revoked gets nothing signed on its behalf until the next rotation.
 * PGlite by default, PostgreSQL with DATABASE_URL.
 */
import type { Gateway } from '../../gateway/gateway';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import { startSecondGateway, startTestGateway, type TestGateway } from '../support/gateway';
import { callJson } from '../support/admin';
import { demoCase, loginAs } from '../audit/scenario';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';

let t: TestGateway;
let other: { gw: Gateway; url: string; close(): Promise<void> };
let admin: string;
let auditor: string;
let root: string;

beforeAll(async () => {
  // No version polling: a change reaches the second process by NOTIFY alone.
  t = await startTestGateway({ config: { registry: { pollIntervalMs: 600_000 } } });
  other = await startSecondGateway(t);
  admin = await loginAs(t, 'admin');
  auditor = await loginAs(t, 'auditor');
  root = t.gw.deps.trust.pki.rootCertPem;
});
afterAll(async () => {
  await other?.close();
  await t?.close();
});

const evidence = async (caseNo: string): Promise<EvidenceBundle> => (await t.call('GET', `/api/v1/audit/evidence?caseId=${caseNo}`, { token: auditor })).body;
const failures = (b: EvidenceBundle) => verifyBundle(b, { rootPems: [root] }).lines.filter((l) => !l.ok);
/** Waits until the second process reflects the registry version a change answered with. */
const reached = (res: { headers: Headers }) => other.gw.deps.registry.reached(Number(res.headers.get('x-registry-version')));
const statusPush = (messageId: string) => ({ to: 'hall', type: 'case-status', messageId, purpose: 'status-feedback', payload: sampleCaseStatus() });
/** The certificate the gateway signed a message's envelope with on its sender's behalf. */
async function signedWith(id: string): Promise<string> {
  const r = await t.db.store.query<{ envelope: { signatures: { role: string; certificate: string }[] } }>('SELECT envelope FROM messages WHERE id = $1', [id]);
  return r.rows[0]!.envelope.signatures.find((s) => s.role === 'sender')!.certificate;
}
const housingCertificates = async () => (await t.call('GET', '/api/v1/admin/certificates?member=housing', { token: admin })).body.items as { fingerprint: string; status: string; daysToExpiry: number }[];

test('rotate, then revoke the sender certificate: old bundles verify, new signatures use the new key in every process, revoked-only is refused', async () => {
  const before = await demoCase(t, 'FZ-ZJ-20260302-700001');
  const oldBundle = await evidence(before.caseNo);
  const oldCert = t.gw.deps.trust.signerCertificate('housing')!;
  expect(await signedWith(before.status.id)).toBe(oldCert);

  t.clock.advance(60_000);
  const rotated = await t.call('POST', '/api/v1/admin/members/housing/certificates/rotate', { token: admin });
  expect(rotated.status).toBe(201);
  const newCert = rotated.body.fingerprint as string;
  expect(newCert).not.toBe(oldCert);
  expect(rotated.body).toMatchObject({ member: 'housing', role: 'department', algorithm: 'sm2', status: 'active', revokedAt: null });
  await reached(rotated);
  // Both processes sign on housing's behalf with the new key at once.
  expect(t.gw.deps.trust.signerCertificate('housing')).toBe(newCert);
  expect(other.gw.deps.trust.signerCertificate('housing')).toBe(newCert);
  const viaOther = await callJson(other.url, 'POST', '/api/v1/messages', { token: t.tokens.housing, body: statusPush('after-rotate-b') });
  expect(viaOther.status).toBe(202);
  expect(await signedWith(viaOther.body.id)).toBe(newCert);
  // Evidence signed with the superseded key verifies, the bundle made before the rotation and one made now.
  expect(failures(oldBundle)).toEqual([]);
  expect(failures(await evidence(before.caseNo))).toEqual([]);
  expect(await housingCertificates()).toEqual(
    expect.arrayContaining([expect.objectContaining({ fingerprint: oldCert, status: 'superseded' }), expect.objectContaining({ fingerprint: newCert, status: 'active', daysToExpiry: expect.any(Number) })]),
  );

  const after = await demoCase(t, 'FZ-ZJ-20260302-700002');
  expect(await signedWith(after.status.id)).toBe(newCert);

  // Revoked through the second process: the first refuses at once, with the catalogue error.
  t.clock.advance(60_000);
  const revoked = await callJson(other.url, 'POST', '/api/v1/admin/members/housing/certificates/revoke', { token: admin, body: {} });
  expect(revoked.status).toBe(200);
  expect(revoked.body.revoked.map((c: { fingerprint: string; status: string }) => [c.fingerprint, c.status])).toEqual([[newCert, 'revoked']]);
  await t.gw.deps.registry.reached(Number(revoked.headers.get('x-registry-version')));
  t.clock.advance(1000);
  for (const base of [t.url, other.url]) {
    const refused = await callJson(base, 'POST', '/api/v1/messages', { token: t.tokens.housing, body: statusPush(`refused-${base}`) });
    expect([refused.status, refused.body.code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);
    expect(refused.body.detail).toContain('no new one has been issued');
    expect(refused.body.detail).toContain('xgw certs rotate --member housing');
  }
  // Its signed acknowledgements too (the gateway signs them on housing's behalf).
  const toHousing = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'to-revoked', purpose: 'case-handling', payload: sampleCaseRecord() } });
  expect(toHousing.status).toBe(202);
  await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.housing });
  const ack = await t.call('POST', `/api/v1/messages/${toHousing.body.id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
  expect([ack.status, ack.body.code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);
  // Revoking it again is refused by the certificate lifecycle.
  const again = await t.call('POST', '/api/v1/admin/members/housing/certificates/revoke', { token: admin, body: { fingerprint: newCert } });
  expect([again.status, again.body.code]).toEqual([409, 'GW_ERR_TRUST_CERTIFICATE_STATUS']);
  const none = await t.call('POST', '/api/v1/admin/members/housing/certificates/revoke', { token: admin });
  expect([none.status, none.body.code]).toEqual([404, 'GW_ERR_TRUST_NOT_FOUND']);

  // Bundles of what was signed before the revocation still verify (the revocation is named in them).
  const afterBundle = await evidence(after.caseNo);
  expect(Object.keys(afterBundle.revocations ?? {})).toEqual([newCert]);
  expect(failures(afterBundle)).toEqual([]);
  expect(failures(oldBundle)).toEqual([]);

  // A new rotation ends the refusal.
  const third = await t.call('POST', '/api/v1/admin/members/housing/certificates/rotate', { token: admin });
  expect(third.status).toBe(201);
  await reached(third);
  const resumed = await callJson(other.url, 'POST', '/api/v1/messages', { token: t.tokens.housing, body: statusPush('after-second-rotate') });
  expect(resumed.status).toBe(202);
  expect(await signedWith(resumed.body.id)).toBe(third.body.fingerprint);
  expect((await housingCertificates()).map((c) => c.status).sort()).toEqual(['active', 'revoked', 'superseded']);
});

test('rotation and revocation are registry changes in the signed log; the list filters and refuses what the contract does not allow', async () => {
  const entries = await t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'registry.changed' ORDER BY idx`);
  const certificateChanges = entries.rows.map((r) => JSON.parse(r.entry) as { object: string; action: string; key: string }).filter((b) => b.object === 'certificate');
  expect(certificateChanges.map((b) => b.action)).toEqual(['issued', 'superseded', 'revoked', 'issued']);
  expect(certificateChanges.every((b) => b.key.startsWith('housing/'))).toBe(true);
  const revoked = await t.call('GET', '/api/v1/admin/certificates?status=revoked', { token: admin });
  expect(revoked.body.items.map((c: { member: string }) => c.member)).toEqual(['housing']);
  const page = await t.call('GET', '/api/v1/admin/certificates?limit=2', { token: admin });
  expect(page.body.items[0]).toMatchObject({ member: null, role: expect.stringMatching(/^(root|log)$/) });
  const next = await t.call('GET', `/api/v1/admin/certificates?limit=500&after=${page.body.next}`, { token: admin });
  const all = await t.call('GET', '/api/v1/admin/certificates?limit=500', { token: admin });
  expect([...page.body.items, ...next.body.items]).toEqual(all.body.items);
  expect((await t.call('GET', '/api/v1/admin/certificates?status=expired', { token: admin })).status).toBe(400);
  expect((await t.call('GET', '/api/v1/admin/certificates', { token: t.tokens.hall })).status).toBe(403);
  expect((await t.call('POST', '/api/v1/admin/members/nobody/certificates/rotate', { token: admin })).body.code).toBe('GW_ERR_REGISTRY_UNKNOWN_MEMBER');
});
