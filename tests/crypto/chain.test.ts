import fs from 'node:fs';
import { buildTbsCertificate, keyIdentifier, randomSerial, signAndAssemble, toPem } from '../../certs/asn1';
import { createCrl, createRootCa, issueCertificate, loadCertificateAuthority, verifyChain } from '../../certs/ca';
import { readCertificate } from '../../certs/parse';
import { generateKeyPair } from '../../gateway/crypto/keys';
import { DAY, openssl, scratchDir } from './support';

const tmp = scratchDir('chain');
afterAll(() => tmp.cleanup());

const t0 = new Date('2025-03-01T08:00:00Z');
const at = (days: number): Date => new Date(t0.getTime() + days * DAY);
const root = createRootCa({ subject: { C: 'CN', O: '江州市政务服务数据管理局', CN: 'xgw 根 CA' }, now: t0, days: 3650 });
const leafKey = generateKeyPair('sm2');
const leaf = issueCertificate({ ca: root, subjectPublicKey: leafKey.publicKey, subject: { C: 'CN', O: '江州市住房和城乡建设局', CN: '住建局' }, now: t0, days: 365 });

test('a leaf issued by the trusted root verifies; the path runs leaf → root', () => {
  const r = verifyChain(leaf.pem, [], [root.certPem], at(10));
  expect(r).toMatchObject({ ok: true });
  expect(r.path?.map((c) => c.subject.CN)).toEqual(['住建局', 'xgw 根 CA']);
});

test('expired and not-yet-valid certificates fail with a reason', () => {
  const expired = verifyChain(leaf.pem, [], [root.certPem], at(366));
  expect(expired.ok).toBe(false);
  expect(expired.reason).toMatch(/"住建局" .* has expired at 2026-03-02T08:00:00.000Z \(notAfter 2026-03-01T08:00:00.000Z\)/);
  const early = verifyChain(leaf.pem, [], [root.certPem], at(-1));
  expect(early).toMatchObject({ ok: false, reason: expect.stringMatching(/is not yet valid/) });
  expect(verifyChain(leaf.pem, [], [root.certPem], new Date('nope'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not a valid date/) });
});

test('a different root (even one with the same name) is not trusted', () => {
  const other = createRootCa({ subject: { C: 'CN', CN: '别的根' }, now: t0 });
  const r = verifyChain(leaf.pem, [], [other.certPem], at(1));
  expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/issuer "xgw 根 CA" of "住建局" .* is not in the chain nor among the trusted roots/) });
  const twin = createRootCa({ subject: { C: 'CN', O: '江州市政务服务数据管理局', CN: 'xgw 根 CA' }, now: t0 });
  expect(verifyChain(leaf.pem, [], [twin.certPem], at(1))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify with the key of its issuer/) });
  // Handing the real root in the chain does not make it trusted.
  expect(verifyChain(leaf.pem, [root.certPem], [other.certPem], at(1))).toMatchObject({ ok: false, reason: expect.stringMatching(/self-signed certificate that is not a trusted root/) });
  expect(verifyChain(leaf.pem, [], [], at(1))).toMatchObject({ ok: false, reason: 'no trusted roots are configured' });
});

test('revoked at R: invalid for at >= R, still valid for signatures made before R', () => {
  const R = at(100);
  const crl = createCrl({ ca: root, revoked: [{ serial: leaf.serial, revokedAt: R, reason: 'keyCompromise' }], thisUpdate: R, nextUpdate: at(107), crlNumber: 7 });
  expect(verifyChain(leaf.pem, [], [root.certPem], new Date(R.getTime() - 1000), [crl.pem])).toMatchObject({ ok: true });
  expect(verifyChain(leaf.pem, [], [root.certPem], R, [crl.pem])).toMatchObject({ ok: false });
  const after = verifyChain(leaf.pem, [], [root.certPem], at(101), [crl.pem]);
  expect(after.ok).toBe(false);
  expect(after.reason).toMatch(/"住建局" .* was revoked at 2025-06-09T08:00:00.000Z, reason keyCompromise/);
  // A CRL from another CA (however it names itself) cannot revoke our certificate.
  const impostor = createRootCa({ subject: { C: 'CN', O: '江州市政务服务数据管理局', CN: 'xgw 根 CA' }, now: t0 });
  const forged = createCrl({ ca: impostor, revoked: [{ serial: leaf.serial, revokedAt: t0 }], thisUpdate: t0, nextUpdate: at(7), crlNumber: 1 });
  expect(verifyChain(leaf.pem, [], [root.certPem], at(101), [forged.pem])).toMatchObject({ ok: true });
  expect(verifyChain(leaf.pem, [], [root.certPem], at(1), ['garbage'])).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot parse CRL #1/) });
});

test('root → intermediate → leaf needs the intermediate; a revoked intermediate fails the leaf', () => {
  const interKey = generateKeyPair('rsa');
  const inter = issueCertificate({ ca: root, subjectPublicKey: interKey.publicKey, subject: { C: 'CN', CN: '江州市 部门 CA' }, now: t0, days: 1000, isCa: true, pathLen: 0 });
  const interCa = loadCertificateAuthority(inter.pem, interKey.privateKey);
  const deep = issueCertificate({ ca: interCa, subjectPublicKey: generateKeyPair('ed25519').publicKey, subject: { CN: '规划局' }, now: t0, days: 100 });
  expect(verifyChain(deep.pem, [inter.pem], [root.certPem], at(5))).toMatchObject({ ok: true });
  expect(verifyChain(deep.pem, [], [root.certPem], at(5))).toMatchObject({ ok: false, reason: expect.stringMatching(/issuer "江州市 部门 CA"/) });
  const crl = createCrl({ ca: root, revoked: [{ serial: inter.serial, revokedAt: at(3) }], thisUpdate: at(3), nextUpdate: at(10), crlNumber: 2 });
  expect(verifyChain(deep.pem, [inter.pem], [root.certPem], at(5), [crl.pem])).toMatchObject({ ok: false, reason: expect.stringMatching(/"江州市 部门 CA" .* was revoked/) });
  // pathLen 0 on the intermediate forbids another CA under it.
  const subKey = generateKeyPair('sm2');
  const sub = issueCertificate({ ca: interCa, subjectPublicKey: subKey.publicKey, subject: { CN: '下级 CA' }, now: t0, days: 100, isCa: true });
  const under = issueCertificate({ ca: loadCertificateAuthority(sub.pem, subKey.privateKey), subjectPublicKey: generateKeyPair('sm2').publicKey, subject: { CN: '叶' }, now: t0, days: 10 });
  expect(verifyChain(under.pem, [sub.pem, inter.pem], [root.certPem], at(1))).toMatchObject({ ok: false, reason: expect.stringMatching(/pathLenConstraint 0 exceeded/) });
  // openssl agrees on both
  const rootFile = tmp.write('root.pem', root.certPem);
  expect(openssl(['verify', '-attime', String(at(5).getTime() / 1000), '-CAfile', rootFile, '-untrusted', tmp.write('inter.pem', inter.pem), tmp.write('deep.pem', deep.pem)], tmp.dir).code).toBe(0);
  const bundle = tmp.write('bundle.pem', sub.pem + inter.pem);
  expect(openssl(['verify', '-attime', String(at(1).getTime() / 1000), '-CAfile', rootFile, '-untrusted', bundle, tmp.write('under.pem', under.pem)], tmp.dir).code).not.toBe(0);
});

test('a certificate "issued" by a non-CA leaf fails, for us and for openssl', () => {
  // issueCertificate refuses a non-CA issuer, so build the certificate by hand with the leaf's key.
  expect(() => loadCertificateAuthority(leaf.pem, leafKey.privateKey)).toThrow(/is not a CA/);
  const victim = generateKeyPair('ecdsa-p256');
  const tbs = buildTbsCertificate({
    serial: randomSerial(),
    issuerName: readCertificate(Buffer.from(leaf.der)).subjectName,
    issuerKeyAlg: 'sm2',
    authorityKeyId: keyIdentifier(leafKey.publicKey),
    subject: { CN: '冒充的证书' },
    subjectPublicKey: victim.publicKey,
    notBefore: t0,
    notAfter: at(30),
    isCa: false,
  });
  const rogue = toPem(signAndAssemble(tbs, leafKey.privateKey), 'CERTIFICATE');
  const r = verifyChain(rogue, [leaf.pem], [root.certPem], at(1));
  expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/"住建局" .* is not a CA certificate \(basicConstraints cA not set\) but issued "冒充的证书"/) });
  const o = openssl(['verify', '-attime', String(at(1).getTime() / 1000), '-CAfile', tmp.write('r.pem', root.certPem), '-untrusted', tmp.write('l.pem', leaf.pem), tmp.write('rogue.pem', rogue)], tmp.dir);
  expect(o.code).not.toBe(0);
});

test('a certificate whose signature bytes were altered fails; unparseable input fails with a reason', () => {
  const der = Buffer.from(leaf.der);
  der[der.length - 10] ^= 0x01;
  expect(verifyChain(toPem(der, 'CERTIFICATE'), [], [root.certPem], at(1))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
  expect(verifyChain('hello', [], [root.certPem], at(1))).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot parse leaf certificate #1/) });
  expect(verifyChain(leaf.pem, ['-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n'], [root.certPem], at(1))).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot parse chain certificate #1/) });
});

test('issueCertificate clamps validity to the CA and refuses a non-CA issuer', () => {
  const long = issueCertificate({ ca: root, subjectPublicKey: generateKeyPair('sm2').publicKey, subject: { CN: 'long' }, now: t0, days: 99_999 });
  expect(long.notAfter).toEqual(root.cert.notAfter);
  const fakeCa = { ...root, cert: { ...root.cert, isCa: false } };
  expect(() => issueCertificate({ ca: fakeCa, subjectPublicKey: generateKeyPair('sm2').publicKey, subject: { CN: 'x' } })).toThrow(/not a CA/);
});

test('GM/T 0009 interop limit: an SM2 certificate signed with distid 1234567812345678 does not verify here (Node/OpenSSL 3 use the empty ID)', () => {
  const now = new Date();
  const ca = createRootCa({ subject: { C: 'CN', CN: 'SM2 根' }, now, days: 30, privateKey: generateKeyPair('sm2').privateKey });
  const caKey = tmp.write('gm-ca.key.pem', ca.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const caCert = tmp.write('gm-ca.pem', ca.certPem);
  const leafKeyFile = tmp.write('gm-leaf.key.pem', generateKeyPair('sm2').privatePem);
  const csr = `${tmp.dir}/gm-leaf.csr`;
  expect(openssl(['req', '-new', '-key', leafKeyFile, '-sm3', '-subj', '/CN=gm-leaf', '-out', csr], tmp.dir).code).toBe(0);
  const issue = (name: string, extra: string[]): string => {
    const out = `${tmp.dir}/${name}.pem`;
    const r = openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-sm3', '-days', '5', '-set_serial', '7', ...extra, '-out', out], tmp.dir);
    expect(r.code).toBe(0);
    return fs.readFileSync(out, 'utf8');
  };
  // openssl stamps notBefore with its own clock, a moment after `now` on a busy machine: check a minute later.
  const at = new Date(now.getTime() + 60_000);
  // Control: openssl's default (empty ID) certificate verifies with our verifyChain.
  expect(verifyChain(issue('gm-empty', []), [], [ca.certPem], at)).toMatchObject({ ok: true });
  const gm = issue('gm-std', ['-sigopt', 'distid:1234567812345678']);
  const r = verifyChain(gm, [], [ca.certPem], at);
  expect(r.ok).toBe(false);
  expect(r.reason).toMatch(/does not verify .* GM\/T 0009 default ID 1234567812345678/);
  const gmFile = `${tmp.dir}/gm-std.pem`;
  expect(openssl(['verify', '-CAfile', caCert, gmFile], tmp.dir).code).not.toBe(0);
  expect(openssl(['verify', '-vfyopt', 'distid:1234567812345678', '-CAfile', caCert, gmFile], tmp.dir).code).toBe(0);
});

test('a foreign chain made by openssl with a P-384 root verifies (keys we do not sign with are still fine in chains)', () => {
  const now = new Date();
  const rootKey = `${tmp.dir}/p384.key.pem`;
  const rootCert = `${tmp.dir}/p384.pem`;
  expect(openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', rootKey, '-subj', '/C=CN/O=Foreign CA/CN=P-384 Root', '-days', '30', '-out', rootCert], tmp.dir).code).toBe(0);
  const leafKeyFile = tmp.write('p384-leaf.key.pem', generateKeyPair('ecdsa-p256').privatePem);
  const csr = `${tmp.dir}/p384-leaf.csr`;
  expect(openssl(['req', '-new', '-key', leafKeyFile, '-subj', '/CN=foreign-leaf', '-out', csr], tmp.dir).code).toBe(0);
  const leafOut = `${tmp.dir}/p384-leaf.pem`;
  expect(openssl(['x509', '-req', '-in', csr, '-CA', rootCert, '-CAkey', rootKey, '-sha384', '-days', '5', '-set_serial', '9', '-out', leafOut], tmp.dir).code).toBe(0);
  // openssl stamps notBefore with its own clock, a moment after `now` on a busy machine: check a minute later.
  const r = verifyChain(fs.readFileSync(leafOut, 'utf8'), [], [fs.readFileSync(rootCert, 'utf8')], new Date(now.getTime() + 60_000));
  expect(r.ok).toBe(true);
  expect(r.path?.map((c) => c.keyAlg)).toEqual(['ecdsa-p256', null]);
});
