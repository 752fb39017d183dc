/**
 * Revoking one certificate by fingerprint and honouring a CRL through the admin API
 * (what `xgw certs revoke <fingerprint>` and `xgw certs crl` call): registry changes in
 * the signed log, effective at once for signing, refused when the contract says no.
 * PGlite by default, PostgreSQL with DATABASE_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCrl, createRootCa, loadCertificateAuthority } from '../../certs/ca';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { loginAs } from '../audit/scenario';
import { sampleCaseStatus } from '../fixtures/case-record';

let t: TestGateway;
let admin: string;
beforeAll(async () => {
  t = await startTestGateway();
  admin = await loginAs(t, 'admin');
});
afterAll(() => t?.close());

const statusPush = (messageId: string) => ({ to: 'hall', type: 'case-status', messageId, purpose: 'status-feedback', payload: sampleCaseStatus() });
const certificateChanges = async () => {
  const r = await t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'registry.changed' ORDER BY idx`);
  return r.rows.map((x) => JSON.parse(x.entry) as { object: string; action: string; key: string }).filter((b) => b.object === 'certificate');
};

test('revoke a certificate by fingerprint: signing with it stops at once, a registry change; the contract refuses the rest', async () => {
  const taxCert = t.gw.deps.trust.signerCertificate('tax')!;
  expect((await t.call('POST', '/api/v1/messages', { token: t.tokens.tax, body: statusPush('tax-before') })).status).toBe(202);

  const future = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
  const later = await t.call('POST', `/api/v1/admin/certificates/${taxCert}/revoke`, { token: admin, body: { revokedAt: future } });
  expect([later.status, later.body.code, later.body.errors]).toEqual([400, 'GW_ERR_REQUEST_INVALID', [{ pointer: '/revokedAt', message: 'must not be later than now' }]]);
  const unknown = await t.call('POST', `/api/v1/admin/certificates/${'0'.repeat(64)}/revoke`, { token: admin });
  expect([unknown.status, unknown.body.code]).toEqual([404, 'GW_ERR_TRUST_NOT_FOUND']);
  expect((await t.call('POST', `/api/v1/admin/certificates/${taxCert}/revoke`, { token: admin, body: { reason: 'x' } })).status).toBe(400);

  t.clock.advance(1000);
  const revoked = await t.call('POST', `/api/v1/admin/certificates/${taxCert}/revoke`, { token: admin });
  expect(revoked.status).toBe(200);
  expect(revoked.body).toMatchObject({ fingerprint: taxCert, member: 'tax', role: 'department', status: 'revoked', revokedAt: expect.any(String) });
  expect(Number(revoked.headers.get('x-registry-version'))).toBe(t.gw.deps.registry.version);
  t.clock.advance(1000);
  const refused = await t.call('POST', '/api/v1/messages', { token: t.tokens.tax, body: statusPush('tax-after') });
  expect([refused.status, refused.body.code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);
  const again = await t.call('POST', `/api/v1/admin/certificates/${taxCert}/revoke`, { token: admin });
  expect([again.status, again.body.code]).toEqual([409, 'GW_ERR_TRUST_CERTIFICATE_STATUS']);
  expect(await certificateChanges()).toEqual([expect.objectContaining({ action: 'revoked', key: `tax/${taxCert}` })]);
  expect((await t.call('POST', `/api/v1/admin/certificates/${taxCert}/revoke`, { token: t.tokens.hall })).status).toBe(403);
});

test('a CRL from the trusted root revokes the certificates it lists, once; a CRL from another CA or garbage is refused', async () => {
  const dir = t.gw.deps.trust.pki.dir;
  const ca = loadCertificateAuthority(fs.readFileSync(path.join(dir, 'ca', 'root.cert.pem'), 'utf8'), fs.readFileSync(path.join(dir, 'ca', 'root.key.pem'), 'utf8'));
  const amrCert = t.gw.deps.trust.signerCertificate('amr')!;
  const amrSerial = new X509Certificate(t.gw.deps.trust.signerFor('amr')!.certPem!).serialNumber;
  const revokedAt = new Date(t.clock.now().getTime() - 60_000);
  const crlOf = (issuer: typeof ca) =>
    createCrl({ ca: issuer, revoked: [{ serial: amrSerial, revokedAt, reason: 'keyCompromise' }], thisUpdate: t.clock.now(), nextUpdate: new Date(t.clock.now().getTime() + 86_400_000), crlNumber: 1 }).pem;

  const stranger = createRootCa({ alg: 'sm2', subject: { C: 'CN', O: '别处', CN: 'Other CA' }, days: 30, now: t.clock.now() });
  const untrusted = await t.call('POST', '/api/v1/admin/certificates/crl', { token: admin, body: { crl: crlOf(stranger) } });
  expect([untrusted.status, untrusted.body.code, untrusted.body.detail]).toEqual([422, 'GW_ERR_TRUST_CRL_INVALID', 'the CRL is not signed by a trusted CA']);
  const garbage = await t.call('POST', '/api/v1/admin/certificates/crl', { token: admin, body: { crl: 'not a CRL' } });
  expect([garbage.status, garbage.body.code]).toEqual([422, 'GW_ERR_TRUST_CRL_INVALID']);
  expect((await t.call('POST', '/api/v1/admin/certificates/crl', { token: admin, body: {} })).status).toBe(400);

  const applied = await t.call('POST', '/api/v1/admin/certificates/crl', { token: admin, body: { crl: crlOf(ca) } });
  expect(applied.status).toBe(200);
  expect(applied.body.revoked).toEqual([expect.objectContaining({ fingerprint: amrCert, member: 'amr', status: 'revoked', revokedAt: expect.any(String) })]);
  expect(new Date(applied.body.revoked[0].revokedAt).getTime()).toBe(Math.floor(revokedAt.getTime() / 1000) * 1000);
  const refused = await t.call('POST', '/api/v1/messages', { token: t.tokens.amr, body: statusPush('amr-after') });
  expect([refused.status, refused.body.code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);
  const twice = await t.call('POST', '/api/v1/admin/certificates/crl', { token: admin, body: { crl: crlOf(ca) } });
  expect([twice.status, twice.body.revoked]).toEqual([200, []]);
  expect((await certificateChanges()).map((c) => c.key)).toEqual([expect.stringMatching(/^tax\//), `amr/${amrCert}`]);
});
