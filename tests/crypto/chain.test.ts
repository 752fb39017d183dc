import fs from 'node:fs';
import { sign as nodeSign } from 'node:crypto';
import { buildTbsCertificate, keyIdentifier, randomSerial, signAndAssemble, toPem } from '../../certs/asn1';
import { createCrl, createRootCa, issueCertificate, loadCertificateAuthority, verifyChain } from '../../certs/ca';
import { rawChildren, readCertificate, signedParts } from '../../certs/parse';
import { generateKeyPair } from '../../gateway/crypto/keys';
import { checkDepartmentCertificate } from '../../certs/import';
import { DAY, openssl, scratchDir, VFY_DISTID } from './support';

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
  // openssl agrees on both, link by link: OpenSSL 3.0 applies -vfyopt distid:… to the depth-0 signature only
  // (deeper SM2 signatures it checks with the empty ID), so each SM2-signed link is checked at depth 0.
  const attime = (days: number): string[] => ['-attime', String(at(days).getTime() / 1000)];
  const rootFile = tmp.write('root.pem', root.certPem);
  const interFile = tmp.write('inter.pem', inter.pem);
  expect(openssl(['verify', ...VFY_DISTID, ...attime(5), '-CAfile', rootFile, interFile], tmp.dir).code).toBe(0);
  expect(openssl(['verify', ...attime(5), '-partial_chain', '-CAfile', interFile, tmp.write('deep.pem', deep.pem)], tmp.dir).code).toBe(0);
  const o = openssl(['verify', ...VFY_DISTID, ...attime(1), '-partial_chain', '-CAfile', interFile, '-untrusted', tmp.write('sub.pem', sub.pem), tmp.write('under.pem', under.pem)], tmp.dir);
  expect(o.out).toContain('path length constraint exceeded');
  expect(o.code).not.toBe(0);
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
  // The leaf as openssl's anchor (-partial_chain): its SM2 signature on the rogue checks at depth 0 with the default ID.
  const o = openssl(['verify', ...VFY_DISTID, '-attime', String(at(1).getTime() / 1000), '-partial_chain', '-CAfile', tmp.write('l.pem', leaf.pem), tmp.write('rogue.pem', rogue)], tmp.dir);
  expect(o.out).toMatch(/invalid CA certificate/);
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

describe('SM2 chains issued by openssl: the default ID validates, the empty ID only when legacy is accepted', () => {
  // root (req -x509) → intermediate CA → department leaf, every signature made by openssl with -sm3 and the given -sigopt.
  const now = new Date();
  const ext = tmp.write('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  const leafExt = tmp.write('leaf.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  const key = (name: string): string => tmp.write(`${name}.key.pem`, generateKeyPair('sm2').privatePem);
  const run = (args: string[]): void => {
    const r = openssl(args, tmp.dir);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.out}`);
  };
  const chainWith = (label: string, sigopt: string[]): { root: string; inter: string; leaf: string } => {
    const [rk, ik, lk] = [key(`${label}-root`), key(`${label}-inter`), key(`${label}-leaf`)];
    const out = (n: string): string => `${tmp.dir}/${label}-${n}.pem`;
    run(['req', '-x509', '-new', '-key', rk, '-sm3', ...sigopt, '-subj', `/C=CN/O=江南省数字证书认证中心/CN=${label} SM2 Root`, '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-utf8', '-out', out('root')]);
    for (const [name, k, issuer, issuerKey, extfile] of [['inter', ik, out('root'), rk, ext], ['leaf', lk, out('inter'), ik, leafExt]] as const) {
      const csr = `${tmp.dir}/${label}-${name}.csr`;
      run(['req', '-new', '-key', k, '-sm3', ...sigopt, '-subj', `/C=CN/O=江州市市场监督管理局/CN=${label} ${name}`, '-utf8', '-out', csr]);
      run(['x509', '-req', '-in', csr, '-CA', issuer, '-CAkey', issuerKey, '-sm3', ...sigopt, ...(sigopt.length ? ['-vfyopt', sigopt[1]] : []), '-days', '10', '-set_serial', String(name.length), '-extfile', extfile, '-out', out(name)]);
    }
    return { root: fs.readFileSync(out('root'), 'utf8'), inter: fs.readFileSync(out('inter'), 'utf8'), leaf: fs.readFileSync(out('leaf'), 'utf8') };
  };
  // openssl stamps notBefore with its own clock, a moment after `now` on a busy machine: check a minute later.
  const later = new Date(now.getTime() + 60_000);
  const gm = chainWith('gm', ['-sigopt', 'distid:1234567812345678']);
  const empty = chainWith('empty', []);

  test('the default-ID chain validates (and openssl agrees with -vfyopt distid:1234567812345678)', () => {
    const r = verifyChain(gm.leaf, [gm.inter], [gm.root], later);
    expect(r).toMatchObject({ ok: true });
    expect(r.legacySm2).toBeUndefined();
    expect(r.path?.map((c) => c.subject.CN)).toEqual(['gm leaf', 'gm inter', 'gm SM2 Root']);
    // OpenSSL 3.0 applies -vfyopt to the depth-0 signature only: each link checked on its own.
    const [rootF, interF, leafF] = ['root', 'inter', 'leaf'].map((n) => `${tmp.dir}/gm-${n}.pem`);
    expect(openssl(['verify', ...VFY_DISTID, '-CAfile', rootF, interF], tmp.dir).code).toBe(0);
    expect(openssl(['verify', ...VFY_DISTID, '-partial_chain', '-CAfile', interF, leafF], tmp.dir).code).toBe(0);
    expect(openssl(['verify', '-partial_chain', '-CAfile', interF, leafF], tmp.dir).code).not.toBe(0);
  });

  test('the empty-ID chain is refused, saying why; accepted as legacy only when configured', () => {
    const r = verifyChain(empty.leaf, [empty.inter], [empty.root], later);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/is an SM2 signature with the EMPTY distinguishing ID, not the GM\/T 0009 default 1234567812345678/);
    expect(r.reason).toMatch(/trust\.acceptLegacySm2Certificates/);
    expect(verifyChain(empty.leaf, [empty.inter], [empty.root], later, [], { acceptLegacySm2: true })).toMatchObject({ ok: true, legacySm2: true });
    // the default-ID chain does not become legacy when legacy is accepted, and a mixed-up chain still fails
    expect(verifyChain(gm.leaf, [gm.inter], [gm.root], later, [], { acceptLegacySm2: true }).legacySm2).toBeUndefined();
    expect(verifyChain(gm.leaf, [empty.inter], [empty.root], later, [], { acceptLegacySm2: true }).ok).toBe(false);
  });

  test('`xgw certs import` takes such a CA\'s department certificate (GM/T 0015-style profile: SM2, digitalSignature + nonRepudiation) with its chain and key', () => {
    const leafKeyPem = fs.readFileSync(`${tmp.dir}/gm-leaf.key.pem`, 'utf8');
    const ok = checkDepartmentCertificate({ certPem: gm.leaf + gm.inter, trustedRootPems: [gm.root], at: later, privateKey: leafKeyPem, expectedAlg: 'sm2' });
    expect(ok.keyAlg).toBe('sm2');
    expect(ok.path.map((c) => c.subject.CN)).toEqual(['gm leaf', 'gm inter', 'gm SM2 Root']);
    expect(() => checkDepartmentCertificate({ certPem: empty.leaf + empty.inter, trustedRootPems: [empty.root], at: later })).toThrow(/EMPTY distinguishing ID/);
    expect(() => checkDepartmentCertificate({ certPem: gm.inter, trustedRootPems: [gm.root], at: later })).toThrow(/is a CA certificate/);
  });

  test('a CRL signed with the empty ID is refused (never silently ignored) unless legacy is accepted', () => {
    const crl = createCrl({ ca: root, revoked: [], thisUpdate: at(1), nextUpdate: at(30), crlNumber: 3 });
    const { tbsDer } = signedParts(crl.der);
    // The same TBSCertList signed the legacy way (Node's crypto: SM2 with the empty ID), reassembled.
    const legacy = replaceSignature(crl.der, tbsDer, nodeSign('sm3', tbsDer, root.privateKey));
    expect(verifyChain(leaf.pem, [], [root.certPem], at(10), [crl.pem])).toMatchObject({ ok: true });
    expect(verifyChain(leaf.pem, [], [root.certPem], at(10), [toPem(legacy, 'X509 CRL')]).reason).toMatch(/the CRL of "xgw 根 CA" carries an SM2 signature with the EMPTY distinguishing ID/);
    expect(verifyChain(leaf.pem, [], [root.certPem], at(10), [toPem(legacy, 'X509 CRL')], { acceptLegacySm2: true })).toMatchObject({ ok: true, legacySm2: true });
  });
});

/** A Certificate/CertificateList DER with the same TBS and algorithm but another signature value. */
function replaceSignature(der: Buffer, tbsDer: Buffer, signature: Buffer): Buffer {
  const alg = rawChildren(der)[1];
  const bits = Buffer.concat([Buffer.from([0x03, signature.length + 1, 0x00]), signature]);
  const body = Buffer.concat([tbsDer, alg, bits]);
  return Buffer.concat([Buffer.from(body.length < 0x100 ? [0x30, 0x81, body.length] : [0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
}

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
