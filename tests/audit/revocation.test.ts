import fs from 'node:fs';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { certificateFingerprint } from '../../gateway/crypto/envelope';
import { revokeCertificate } from '../../gateway/trust/certificates';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport } from '../../gateway/audit/report';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import { createCrl, loadCertificateAuthority, parseCertificate } from '../../certs/ca';
import { demoCase, loginAs, type DemoCase } from './scenario';

// A key revoked after it signed: its earlier signatures still stand; anything dated
// at or after the revocation fails, whether the revocation comes from the bundle
// (the gateway's registry) or from the CA's own CRL given to the verifier.
let t: TestGateway;
let c: DemoCase;
let root: string;
let housing: { pem: string; fp: string };
let bundle: EvidenceBundle;

beforeAll(async () => {
  t = await startTestGateway();
  c = await demoCase(t, 'FZ-ZJ-20260302-500001');
  root = t.gw.deps.trust.pki.rootCertPem;
  const pem = t.gw.deps.trust.signerFor('housing')!.certPem!;
  housing = { pem, fp: certificateFingerprint(pem) };
  t.clock.advance(3_600_000);
  await revokeCertificate(t.db.store, housing.fp, t.clock.now());
  bundle = (await t.call('GET', `/api/v1/audit/evidence?caseId=${c.caseNo}`, { token: await loginAs(t, 'auditor') })).body;
});
afterAll(async () => {
  await t?.close();
});

function crl(revokedAt: Date): string {
  const dir = t.gw.deps.config.trust.pkiDir!;
  const ca = loadCertificateAuthority(root, fs.readFileSync(path.join(dir, 'ca', 'root.key.pem'), 'utf8'));
  const now = t.clock.now();
  return createCrl({ ca, revoked: [{ serial: parseCertificate(housing.pem).serial, revokedAt, reason: 'keyCompromise' }], thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), crlNumber: 1 }).pem;
}

const housingChainLines = (b: EvidenceBundle, opts: Parameters<typeof verifyBundle>[1]) =>
  verifyBundle(b, opts).lines.filter((l) => l.fingerprint === housing.fp && /chain|revoked/.test(l.text));

test('revoked after signing: the bundle names the revocation and still verifies', () => {
  expect(Object.keys(bundle.revocations ?? {})).toEqual([housing.fp]);
  const report = verifyBundle(bundle, { rootPems: [root] });
  expect(report.lines.filter((l) => !l.ok)).toEqual([]);
  // housing signed the status message and acknowledged the case record
  const lines = housingChainLines(bundle, { rootPems: [root] });
  expect(lines.map((l) => l.messageId).sort()).toEqual([c.record.id, c.status.id].sort());
  for (const l of lines) expect(l.text).toMatch(/revoked later/);
  expect(formatReport(report)).toContain("only the bundle's own revocation times");
});

test('a revocation dated before the signatures fails them, located at the messages', () => {
  const b: EvidenceBundle = structuredClone(bundle);
  b.revocations = { [housing.fp]: '2026-03-01T00:00:00.000+08:00' };
  const f = verifyBundle(b, { rootPems: [root] }).lines.filter((l) => !l.ok);
  expect(f.length).toBe(2);
  for (const l of f) expect(l).toMatchObject({ group: 'messages', fingerprint: housing.fp, text: expect.stringMatching(/was revoked at 2026-02-28T16:00:00.000Z/) });
  // dropping the statement from the bundle does not help against the CA's own CRL
  delete b.revocations;
  const withCrl = verifyBundle(b, { rootPems: [root], crlPems: [crl(new Date('2026-03-01T00:00:00+08:00'))] });
  expect(withCrl.ok).toBe(false);
  expect(withCrl.lines.filter((l) => !l.ok).map((l) => l.messageId).sort()).toEqual([c.record.id, c.status.id].sort());
  expect(withCrl.lines.filter((l) => !l.ok)[0].text).toMatch(/was revoked at .*keyCompromise/);
  expect(formatReport(withCrl)).toContain('1 CRL(s) given with --crl');
});

test("the CA's CRL revoking after the signatures: still verifies", () => {
  const r = verifyBundle(bundle, { rootPems: [root], crlPems: [crl(t.clock.now())] });
  expect(r.lines.filter((l) => !l.ok)).toEqual([]);
  expect(housingChainLines(bundle, { rootPems: [root], crlPems: [crl(t.clock.now())] })[0].text).toContain('1 CRL(s) checked');
});
