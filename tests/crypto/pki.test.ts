import fs from 'node:fs';
import path from 'node:path';
import { createRootCa, issueCertificate, loadCertificateAuthority, verifyChain } from '../../certs/ca';
import { checkDepartmentCertificate, CertificateImportError, importDepartmentCertificate } from '../../certs/import';
import { DepartmentSpec, initPki, loadPki } from '../../certs/pki';
import { generateKeyPair } from '../../gateway/crypto/keys';
import { Verifier } from '../../gateway/crypto/sign';
import { DAY, DISTID, openssl, scratchDir, VFY_DISTID } from './support';

const tmp = scratchDir('pki');
afterAll(() => tmp.cleanup());
const now = new Date();
const mode = (f: string): number => fs.statSync(f).mode & 0o777;

const departments: DepartmentSpec[] = [
  { code: 'zjj', name: '江州市住房和城乡建设局', alg: 'sm2' },
  { code: 'ghj', name: '江州市自然资源和规划局', alg: 'rsa' },
  { code: 'sthj', name: '江州市生态环境局', alg: 'ecdsa-p256' },
  { code: 'swj', name: '国家税务总局江州市税务局', alg: 'ed25519' },
];

describe('initPki / loadPki', () => {
  const dir = path.join(tmp.dir, 'pki');
  const first = initPki({ dir, departments, logAlg: 'sm2', now });

  test('creates root, log and department keys and certificates with private modes', () => {
    expect(first.root.key).toBe(path.join(dir, 'ca', 'root.key.pem'));
    expect(first.departments.zjj.cert).toBe(path.join(dir, 'departments', 'zjj.cert.pem'));
    expect(first.log.key).toBe(path.join(dir, 'log', 'log.key.pem'));
    expect(first.created).toHaveLength(2 + 2 + 1 + 2 + 2 * departments.length); // root, log, the log's Ed25519 note key, the package-signing key (RSA), departments
    expect(first.created).toContain(path.join(dir, 'station', 'package.key.pem'));
    expect(first.created).toContain(path.join(dir, 'log', 'note.key.pem'));
    for (const d of [dir, path.join(dir, 'ca'), path.join(dir, 'log'), path.join(dir, 'departments'), path.join(dir, 'station')]) expect(mode(d)).toBe(0o700);
    for (const k of [first.root.key, first.log.key, path.join(dir, 'log', 'note.key.pem'), path.join(dir, 'station', 'package.key.pem'), ...Object.values(first.departments).map((p) => p.key)]) expect(mode(k)).toBe(0o600);
    expect(mode(first.departments.ghj.cert)).toBe(0o644);
    expect(fs.readdirSync(path.join(dir, 'departments')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('openssl verifies every department and the log certificate under the one SM2 root (RSA leaf included)', () => {
    const text = openssl(['x509', '-in', first.root.cert, '-noout', '-text'], tmp.dir).out;
    expect(text).toMatch(/Signature Algorithm: SM2-with-SM3/);
    for (const p of [first.log, ...Object.values(first.departments)]) {
      const r = openssl(['verify', ...VFY_DISTID, '-CAfile', first.root.cert, p.cert], tmp.dir);
      expect(r.code).toBe(0);
    }
    const rsa = openssl(['x509', '-in', first.departments.ghj.cert, '-noout', '-text', '-nameopt', 'utf8'], tmp.dir).out;
    expect(rsa).toContain('Public Key Algorithm: rsaEncryption');
    expect(rsa).toContain('Subject: C=CN, O=江州市自然资源和规划局, OU=ghj, CN=江州市自然资源和规划局');
  });

  test('a second run keeps every file; a lost certificate is re-issued for the same key', () => {
    const before = fs.readFileSync(first.departments.sthj.cert, 'utf8');
    const again = initPki({ dir, departments, logAlg: 'sm2', now });
    expect(again.created).toEqual([]);
    expect(fs.readFileSync(first.departments.sthj.cert, 'utf8')).toBe(before);
    const keyBefore = fs.readFileSync(first.departments.swj.key, 'utf8');
    fs.unlinkSync(first.departments.swj.cert);
    const third = initPki({ dir, departments, logAlg: 'sm2', now });
    expect(third.created).toEqual([first.departments.swj.cert]);
    expect(fs.readFileSync(first.departments.swj.key, 'utf8')).toBe(keyBefore);
    expect(verifyChain(fs.readFileSync(first.departments.swj.cert, 'utf8'), [], [fs.readFileSync(first.root.cert, 'utf8')], now).ok).toBe(true);
  });

  test('refuses to change a department algorithm or to run with a certificate but no key', () => {
    expect(() => initPki({ dir, departments: [{ code: 'zjj', name: '江州市住房和城乡建设局', alg: 'rsa' }], now })).toThrow(/holds a sm2 key but rsa was asked for/);
    expect(() => initPki({ dir, departments: [{ code: '../evil', name: 'x', alg: 'sm2' }], now })).toThrow(/must match/);
    const lone = path.join(tmp.dir, 'lonely');
    initPki({ dir: lone, departments: [], now });
    fs.unlinkSync(path.join(lone, 'ca', 'root.key.pem'));
    expect(() => initPki({ dir: lone, departments: [], now })).toThrow(/root.cert.pem exists but its key/);
  });

  test('loadPki gives one cached Signer per department and for the log, each verifiable by openssl', () => {
    const pki = loadPki(dir, now);
    expect(pki.warnings).toEqual([]);
    expect([...pki.departments.keys()]).toEqual(['ghj', 'sthj', 'swj', 'zjj']);
    expect(pki.log.alg).toBe('SM2-SM3');
    expect(pki.logNote?.alg).toBe('Ed25519');
    expect(pki.department('ghj').alg).toBe('RSA-PSS-SHA256');
    expect(pki.department('zjj').certificate?.subject).toContain('O=');
    expect(() => pki.department('nope')).toThrow(/no signing key/);
    for (const signer of [pki.log, ...pki.departments.values()]) {
      expect(verifyChain(signer.certPem!, signer.certChainPems.slice(1), pki.trustedRootPems, now).ok).toBe(true);
      expect(Verifier.fromPem(signer.certPem!).verify('x', signer.sign('x'))).toBe(true);
    }
    // The SM2 department's signature checked by openssl with the key taken from its certificate.
    const data = tmp.write('pki-data.bin', '办件 2025-000123 已受理');
    const sig = tmp.write('pki-zjj.sig', pki.department('zjj').sign(fs.readFileSync(data)));
    const pub = tmp.write('pki-zjj.pub.pem', openssl(['x509', '-in', first.departments.zjj.cert, '-noout', '-pubkey'], tmp.dir).out);
    expect(openssl(['dgst', '-sm3', ...DISTID, '-verify', pub, '-signature', sig, data], tmp.dir).code).toBe(0);
  });

  test('loadPki warns about key files readable by others', () => {
    fs.chmodSync(first.departments.sthj.key, 0o644);
    try {
      expect(loadPki(dir, now).warnings.join('\n')).toMatch(/sthj\.key\.pem has mode 0644/);
    } finally {
      fs.chmodSync(first.departments.sthj.key, 0o600);
    }
  });
});

describe('importing a department certificate issued elsewhere', () => {
  const dir = path.join(tmp.dir, 'import');
  initPki({ dir, departments: [{ code: 'zjj', name: '江州市住房和城乡建设局', alg: 'sm2' }], now });
  // A provincial CA: ECDSA root → RSA intermediate → department leaf.
  const provRoot = createRootCa({ alg: 'ecdsa-p256', subject: { C: 'CN', ST: '江南省', O: '江南省数字证书认证中心', CN: '江南省 根 CA' }, now: new Date(now.getTime() - DAY) });
  const interKey = generateKeyPair('rsa');
  const inter = issueCertificate({ ca: provRoot, subjectPublicKey: interKey.publicKey, subject: { C: 'CN', CN: '江南省 政务 CA' }, now: new Date(now.getTime() - DAY), isCa: true, days: 3000 });
  const interCa = loadCertificateAuthority(inter.pem, interKey.privateKey);
  const deptKey = generateKeyPair('sm2');
  const deptCert = issueCertificate({ ca: interCa, subjectPublicKey: deptKey.publicKey, subject: { C: 'CN', O: '江州市市场监督管理局', CN: '江州市市场监督管理局' }, now: new Date(now.getTime() - DAY), days: 365 });
  const trusted = [provRoot.certPem];

  test('clear refusals: garbage, untrusted, expired, CA certificate, wrong key, missing key', () => {
    const fail = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(CertificateImportError);
        return (err as Error).message;
      }
      throw new Error('expected a CertificateImportError');
    };
    expect(fail(() => checkDepartmentCertificate({ certPem: 'hello', trustedRootPems: trusted }))).toBe('the department certificate is not a PEM "CERTIFICATE" block');
    expect(fail(() => checkDepartmentCertificate({ certPem: deptCert.pem, trustedRootPems: trusted }))).toMatch(/"江州市市场监督管理局" is not trusted: issuer "江南省 政务 CA" .* is not in the chain/);
    expect(fail(() => checkDepartmentCertificate({ certPem: deptCert.pem, chainPems: [inter.pem], trustedRootPems: [fs.readFileSync(path.join(dir, 'ca', 'root.cert.pem'), 'utf8')] }))).toMatch(/is not trusted/);
    expect(fail(() => checkDepartmentCertificate({ certPem: deptCert.pem, chainPems: [inter.pem], trustedRootPems: trusted, at: new Date(now.getTime() + 400 * DAY) }))).toMatch(/"江州市市场监督管理局" expired on \d{4}-/);
    expect(fail(() => checkDepartmentCertificate({ certPem: inter.pem, trustedRootPems: trusted }))).toMatch(/is a CA certificate; a department signs with an end-entity certificate/);
    expect(fail(() => checkDepartmentCertificate({ certPem: deptCert.pem, chainPems: [inter.pem], trustedRootPems: trusted, privateKey: generateKeyPair('sm2').privateKey }))).toMatch(/private key does not belong/);
    expect(fail(() => checkDepartmentCertificate({ certPem: deptCert.pem, chainPems: [inter.pem], trustedRootPems: trusted, expectedAlg: 'rsa' }))).toMatch(/has a sm2 key, but the department is configured for rsa/);
    expect(fail(() => importDepartmentCertificate({ dir, code: 'scjgj', certPem: deptCert.pem, chainPems: [inter.pem], trustedRootPems: trusted }))).toMatch(/has no private key/);
    expect(fail(() => importDepartmentCertificate({ dir, code: 'zjj', certPem: deptCert.pem, chainPems: [inter.pem], trustedRootPems: trusted }))).toMatch(/private key does not belong/);
  });

  test('a good certificate with its chain and key is installed and loads as a Signer with the full chain', () => {
    fs.mkdirSync(path.join(dir, 'trust'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'trust', 'jiangnan-root.pem'), provRoot.certPem);
    const res = importDepartmentCertificate({ dir, code: 'scjgj', certPem: deptCert.pem + inter.pem, privateKeyPem: deptKey.privatePem, now });
    expect(res.path.map((c) => c.subject.CN)).toEqual(['江州市市场监督管理局', '江南省 政务 CA', '江南省 根 CA']);
    expect(mode(path.join(dir, 'departments', 'scjgj.key.pem'))).toBe(0o600);
    expect(() => importDepartmentCertificate({ dir, code: 'scjgj', certPem: deptCert.pem, chainPems: [inter.pem], now })).toThrow(/already has a certificate .* pass replace/);
    const pki = loadPki(dir, now);
    expect(pki.warnings).toEqual([]);
    const signer = pki.department('scjgj');
    expect(signer.alg).toBe('SM2-SM3');
    expect(signer.certChainPems).toHaveLength(3);
    expect(verifyChain(signer.certPem!, signer.certChainPems.slice(1), pki.trustedRootPems, now).ok).toBe(true);
    const chainFile = path.join(dir, 'departments', 'scjgj.chain.pem');
    expect(openssl(['verify', '-CAfile', path.join(dir, 'trust', 'jiangnan-root.pem'), '-untrusted', chainFile, path.join(dir, 'departments', 'scjgj.cert.pem')], tmp.dir).code).toBe(0);
  });
});
