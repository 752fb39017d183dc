import { createCrl, createRootCa, issueCertificate, parseCertificate, parseCrl, verifyChain, verifyCrlSignature } from '../../certs/ca';
import { generateKeyPair, KEY_ALGS, KeyAlg } from '../../gateway/crypto/keys';
import { DAY, JIANGZHOU, openssl, opensslVerifySm2Signed, scratchDir, VFY_DISTID } from './support';

// Every certificate and CRL we make, checked by the real openssl CLI.

const tmp = scratchDir('certs');
afterAll(() => tmp.cleanup());
const now = new Date();
const ZJJ = '江州市住房和城乡建设局';

const SIG_NAME: Record<KeyAlg, RegExp> = {
  sm2: /Signature Algorithm: SM2-with-SM3/,
  rsa: /Signature Algorithm: sha256WithRSAEncryption/,
  'ecdsa-p256': /Signature Algorithm: ecdsa-with-SHA256/,
  ed25519: /Signature Algorithm: ED25519/,
};

const roots = Object.fromEntries(
  KEY_ALGS.map((alg) => [alg, createRootCa({ alg, subject: { ...JIANGZHOU, O: '江州市政务服务数据管理局', CN: `xgw 根 CA ${alg}` }, now })]),
);

// Every root algorithm × every leaf algorithm (SM2 root → RSA leaf and RSA root → RSA leaf included).
const matrix = KEY_ALGS.flatMap((rootAlg) => KEY_ALGS.map((leafAlg) => [rootAlg, leafAlg] as [KeyAlg, KeyAlg]));

describe.each(matrix)('%s root → %s leaf', (rootAlg, leafAlg) => {
  const root = roots[rootAlg];
  const leafKey = generateKeyPair(leafAlg);
  const leaf = issueCertificate({
    ca: root,
    subjectPublicKey: leafKey.publicKey,
    subject: { ...JIANGZHOU, O: ZJJ, OU: '行政审批科', CN: `${ZJJ} 签名 ${leafAlg}` },
    now,
    days: 365,
    extKeyUsage: ['documentSigning', 'emailProtection'],
  });
  const rootFile = tmp.write(`root-${rootAlg}.pem`, root.certPem);
  const leafFile = tmp.write(`leaf-${rootAlg}-${leafAlg}.pem`, leaf.pem);

  test('openssl verify accepts it (an SM2 root\'s signature with -vfyopt distid:1234567812345678, and only with it)', () => {
    const r = openssl(['verify', ...(rootAlg === 'sm2' ? VFY_DISTID : []), '-CAfile', rootFile, leafFile], tmp.dir);
    expect(r.out).toContain(': OK');
    expect(r.code).toBe(0);
    if (rootAlg === 'sm2') expect(openssl(['verify', '-CAfile', rootFile, leafFile], tmp.dir).code).not.toBe(0);
  });

  test('openssl x509 -text shows the Chinese names, the algorithm and our extensions', () => {
    const r = openssl(['x509', '-in', leafFile, '-noout', '-text', '-nameopt', 'utf8'], tmp.dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`O=${ZJJ}`);
    expect(r.out).toContain('Issuer: C=CN, ST=江南省, L=江州市, O=江州市政务服务数据管理局');
    expect(r.out).toMatch(SIG_NAME[rootAlg]);
    expect(r.out).toContain('Version: 3 (0x2)');
    expect(r.out).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(r.out).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(r.out).toMatch(/Extended Key Usage:\s+(1\.3\.6\.1\.5\.5\.7\.3\.36|Document Signing), E-mail Protection/);
    expect(r.out).toContain('Subject Key Identifier');
    expect(r.out).toContain('Authority Key Identifier');
    const parsed = parseCertificate(leaf.pem);
    expect(parsed.subject).toEqual({ C: 'CN', ST: '江南省', L: '江州市', O: ZJJ, OU: '行政审批科', CN: `${ZJJ} 签名 ${leafAlg}` });
    expect(parsed.keyAlg).toBe(leafAlg);
    expect(r.out.replace(/[\s:]/g, '')).toContain(`SerialNumber${parsed.serial.padStart(32, '0')}`);
  });
});

test('root certificates: CA:TRUE, keyCertSign + cRLSign, self-signature checked by openssl', () => {
  for (const alg of KEY_ALGS) {
    const file = tmp.write(`root-ss-${alg}.pem`, roots[alg].certPem);
    const text = openssl(['x509', '-in', file, '-noout', '-text', '-nameopt', 'utf8'], tmp.dir).out;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    // OpenSSL 3.0 checks a self-signature with the empty SM2 ID only: the SM2 root's is checked over its TBS bytes.
    if (alg === 'sm2') expect(opensslVerifySm2Signed(roots[alg].cert.der, roots[alg].certPem, tmp.dir, 'root-ss').out).toContain('Verified OK');
    else expect(openssl(['verify', '-check_ss_sig', '-CAfile', file, file], tmp.dir).code).toBe(0);
  }
});

test('serials are positive 16-byte integers; validity after 2049 is GeneralizedTime and openssl accepts it', () => {
  const serials = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const c = issueCertificate({ ca: roots.sm2, subjectPublicKey: generateKeyPair('ed25519').publicKey, subject: { CN: `s${i}` }, now });
    expect(c.serial.padStart(32, '0')).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(c.serial).not.toMatch(/^0/);
    serials.add(c.serial);
  }
  expect(serials.size).toBe(20);
  const longRoot = createRootCa({ subject: { C: 'CN', CN: '长期根' }, now, days: 40 * 365 });
  expect(longRoot.cert.notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2060);
  const file = tmp.write('long-root.pem', longRoot.certPem);
  const r = openssl(['x509', '-in', file, '-noout', '-enddate'], tmp.dir);
  expect(r.out).toMatch(/notAfter=.* 20[6-9]\d GMT/);
  expect(opensslVerifySm2Signed(longRoot.cert.der, longRoot.certPem, tmp.dir, 'long-root').out).toContain('Verified OK');
});

describe.each(['sm2', 'rsa'] as KeyAlg[])('CRL signed by a %s CA', (alg) => {
  const ca = roots[alg];
  const revokedKey = generateKeyPair('sm2');
  const goodKey = generateKeyPair('rsa');
  const revoked = issueCertificate({ ca, subjectPublicKey: revokedKey.publicKey, subject: { O: ZJJ, CN: '已吊销' }, now: new Date(now.getTime() - DAY) });
  const good = issueCertificate({ ca, subjectPublicKey: goodKey.publicKey, subject: { O: ZJJ, CN: '有效' }, now: new Date(now.getTime() - DAY) });
  const crl = createCrl({
    ca,
    revoked: [{ serial: revoked.serial, revokedAt: new Date(now.getTime() - 3600_000), reason: 'keyCompromise' }, { serial: 'ABCDEF', revokedAt: now }],
    thisUpdate: new Date(now.getTime() - 60_000),
    nextUpdate: new Date(now.getTime() + 7 * DAY),
    crlNumber: 42,
  });
  const caFile = tmp.write(`crl-ca-${alg}.pem`, ca.certPem);
  const crlFile = tmp.write(`crl-${alg}.pem`, crl.pem);

  test('openssl verifies its signature (SM2: over the TBS bytes with distid 1234567812345678) and prints our fields', () => {
    const r = openssl(['crl', '-in', crlFile, '-noout', '-text', '-nameopt', 'utf8', ...(alg === 'sm2' ? [] : ['-verify', '-CAfile', caFile])], tmp.dir);
    if (alg === 'sm2') expect(opensslVerifySm2Signed(crl.der, ca.certPem, tmp.dir, 'crl-sm2').out).toContain('Verified OK');
    else expect(r.out).toContain('verify OK');
    expect(r.out).toContain('Version 2 (0x1)');
    expect(r.out).toMatch(/CRL Number:\s+42/);
    expect(r.out).toContain(revoked.serial.toUpperCase());
    expect(r.out).toContain('Key Compromise');
    expect(r.out).toContain('O=江州市政务服务数据管理局');
    expect(r.code).toBe(0);
  });

  test('revocation: openssl verify -crl_check (RSA) and our verifyChain reject the revoked certificate and accept the other', () => {
    const revokedFile = tmp.write(`revoked-${alg}.pem`, revoked.pem);
    const goodFile = tmp.write(`good-${alg}.pem`, good.pem);
    expect(verifyChain(revoked.pem, [], [ca.certPem], now, [crl.pem])).toMatchObject({ ok: false, reason: expect.stringMatching(/was revoked at .* reason keyCompromise/) });
    expect(verifyChain(good.pem, [], [ca.certPem], now, [crl.pem])).toMatchObject({ ok: true });
    if (alg === 'sm2') {
      // OpenSSL 3.0 checks CRL signatures with the EMPTY SM2 ID only (-vfyopt reaches certificates, not CRLs):
      // the default-ID CRL is refused there; its signature verifies with distid over the TBS bytes (test above).
      expect(openssl(['verify', ...VFY_DISTID, '-crl_check', '-CRLfile', crlFile, '-CAfile', caFile, goodFile], tmp.dir).out).toContain('CRL signature failure');
      return;
    }
    const bad = openssl(['verify', '-crl_check', '-CRLfile', crlFile, '-CAfile', caFile, revokedFile], tmp.dir);
    expect(bad.out).toContain('certificate revoked');
    expect(bad.code).not.toBe(0);
    expect(openssl(['verify', '-crl_check', '-CRLfile', crlFile, '-CAfile', caFile, goodFile], tmp.dir).code).toBe(0);
  });

  test('parseCrl reads the fields back and verifyCrlSignature checks the issuer', () => {
    const parsed = parseCrl(crl.pem);
    expect(parsed.crlNumber).toBe(42n);
    expect(parsed.revoked).toEqual([
      { serial: revoked.serial, revokedAt: new Date(Math.floor((now.getTime() - 3600_000) / 1000) * 1000), reason: 'keyCompromise' },
      { serial: 'abcdef', revokedAt: new Date(Math.floor(now.getTime() / 1000) * 1000) },
    ]);
    expect(parsed.issuer.O).toBe('江州市政务服务数据管理局');
    expect(verifyCrlSignature(parsed, ca.cert.x509)).toBe(true);
    const other = alg === 'sm2' ? roots.rsa : roots.sm2;
    expect(verifyCrlSignature(parsed, other.cert.x509)).toBe(false);
    const flipped = Buffer.from(parsed.der);
    flipped[flipped.length - 5] ^= 1;
    expect(verifyCrlSignature(parseCrl(flipped), ca.cert.x509)).toBe(false);
  });
});

test('an empty CRL is valid for openssl too', () => {
  const crl = createCrl({ ca: roots.sm2, revoked: [], thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY), crlNumber: 1 });
  const r = openssl(['crl', '-in', tmp.write('empty.crl.pem', crl.pem), '-noout', '-text'], tmp.dir);
  expect(opensslVerifySm2Signed(crl.der, roots.sm2.certPem, tmp.dir, 'empty-crl').out).toContain('Verified OK');
  expect(r.out).toContain('No Revoked Certificates');
  expect(parseCrl(crl.der).revoked).toEqual([]);
});
