import { createPublicKey, generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { createRootCa, issueCertificate } from '../../certs/ca';
import { asRealSm2, generateKeyPair, isRawSm2, KEY_ALGS, keyAlgOf, loadPrivateKey, loadPublicKey, publicKeyOf } from '../../gateway/crypto/keys';
import { checkSignature, digestAlgFor, sign, SIG_ALGS, SIGNING_ALGS, SigAlg, sigAlgFor, Signer, verify, Verifier, keyAlgForSigAlg } from '../../gateway/crypto/sign';

const pairs = Object.fromEntries(KEY_ALGS.map((alg) => [alg, generateKeyPair(alg)]));

describe('keys', () => {
  test.each(KEY_ALGS)('%s: generateKeyPair gives PEMs, KeyObjects and keyAlgOf recognises both halves', (alg) => {
    const p = pairs[alg];
    expect(p.privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(p.publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keyAlgOf(p.privateKey)).toBe(alg);
    expect(keyAlgOf(p.publicKey)).toBe(alg);
    // fresh KeyObjects (no memo) are recognised too
    expect(keyAlgOf(loadPrivateKey(p.privatePem))).toBe(alg);
    expect(keyAlgOf(loadPublicKey(p.publicPem))).toBe(alg);
  });

  test('RSA keys are 2048 bits', () => {
    expect(pairs.rsa.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  test('a real SM2 key has no asymmetricKeyType; the raw generateKeyPairSync key is EC/SM2 and is recognised and converted', () => {
    expect(pairs.sm2.privateKey.asymmetricKeyType).toBeUndefined();
    const raw = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    expect(raw.privateKey.asymmetricKeyType).toBe('ec');
    expect(raw.privateKey.asymmetricKeyDetails?.namedCurve).toBe('SM2');
    expect(isRawSm2(raw.privateKey)).toBe(true);
    expect(keyAlgOf(raw.privateKey)).toBe('sm2');
    const real = asRealSm2(raw.privateKey);
    expect(real.asymmetricKeyType).toBeUndefined();
    expect(asRealSm2(raw.privateKey)).toBe(real); // converted once, then memoised
  });

  test('loadPublicKey takes a certificate PEM too', () => {
    const ca = createRootCa({ subject: { C: 'CN', CN: 'k' } });
    const pub = loadPublicKey(ca.certPem);
    expect(keyAlgOf(pub)).toBe('sm2');
    expect(pub.export({ type: 'spki', format: 'der' })).toEqual(publicKeyOf(ca.privateKey).export({ type: 'spki', format: 'der' }));
  });

  test('unsupported keys and garbage PEM are refused with a reason', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => keyAlgOf(p384.privateKey)).toThrow(/unsupported EC curve/);
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => keyAlgOf(rsa1024.publicKey)).toThrow(/too short/);
    expect(() => loadPrivateKey('not a key')).toThrow(/not a usable private key/);
    expect(() => loadPublicKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(/not a usable public key/);
  });
});

describe('sign / verify', () => {
  test('default algorithms and digests per key', () => {
    expect(KEY_ALGS.map(sigAlgFor)).toEqual(['SM2-SM3', 'RSA-PSS-SHA256', 'ECDSA-P256-SHA256', 'Ed25519']);
    expect(SIG_ALGS.map(digestAlgFor)).toEqual(['sm3', 'sm3', 'sha256', 'sha256', 'sha256', 'sha256']);
    expect(SIGNING_ALGS).not.toContain('SM2-SM3-EMPTYID');
    expect(keyAlgForSigAlg('RSA-SHA256')).toBe('rsa');
  });

  test("Node's crypto signs SM2 with the EMPTY distinguishing ID: that is the legacy verify-only SM2-SM3-EMPTYID, not SM2-SM3", () => {
    const data = Buffer.from('江州市 办件');
    const nodeSig = nodeSign('sm3', data, pairs.sm2.privateKey);
    expect(verify('SM2-SM3-EMPTYID', data, nodeSig, pairs.sm2.publicKey)).toBe(true);
    expect(verify('SM2-SM3', data, nodeSig, pairs.sm2.publicKey)).toBe(false);
    expect(checkSignature('SM2-SM3', data, nodeSig, pairs.sm2.publicKey)).toBe('legacy-sm2-empty-id');
    expect(checkSignature('SM2-SM3-EMPTYID', data, nodeSig, pairs.sm2.publicKey)).toBe('legacy-sm2-empty-id');
    expect(checkSignature('SM2-SM3', data, sign('SM2-SM3', data, pairs.sm2.privateKey), pairs.sm2.publicKey)).toBe('valid');
    expect(checkSignature('SM2-SM3', Buffer.from('x'), nodeSig, pairs.sm2.publicKey)).toBe('invalid');
    // ours is not an empty-ID signature, and Node's own verify (empty ID) rejects it
    const ours = sign('SM2-SM3', data, pairs.sm2.privateKey);
    expect(nodeVerify('sm3', data, pairs.sm2.publicKey, ours)).toBe(false);
    expect(verify('SM2-SM3-EMPTYID', data, ours, pairs.sm2.publicKey)).toBe(false);
    expect(() => sign('SM2-SM3-EMPTYID', data, pairs.sm2.privateKey)).toThrow(/legacy form for verifying/);
    expect(() => new Signer({ privateKey: pairs.sm2.privateKey, alg: 'SM2-SM3-EMPTYID' })).toThrow(/verify-only/);
  });

  test.each(SIGNING_ALGS)('%s: round trip, tamper, wrong key', (sigAlg: SigAlg) => {
    const { privateKey, publicKey } = pairs[keyAlgForSigAlg(sigAlg)];
    const data = Buffer.from('江州市住房和城乡建设局 办件 2025-000123');
    const sig = sign(sigAlg, data, privateKey);
    expect(verify(sigAlg, data, sig, publicKey)).toBe(true);
    expect(verify(sigAlg, data.toString('utf8'), sig, publicKey)).toBe(true); // strings are UTF-8
    const tampered = Buffer.from(data);
    tampered[3] ^= 1;
    expect(verify(sigAlg, tampered, sig, publicKey)).toBe(false);
    expect(verify(sigAlg, data, sig, generateKeyPair(keyAlgForSigAlg(sigAlg)).publicKey)).toBe(false);
  });

  test('RSA-PSS and PKCS#1 v1.5 are different algorithms; ECDSA signatures are DER', () => {
    const { privateKey, publicKey } = pairs.rsa;
    const pss = sign('RSA-PSS-SHA256', 'x', privateKey);
    expect(verify('RSA-SHA256', 'x', pss, publicKey)).toBe(false);
    expect(verify('RSA-PSS-SHA256', 'x', sign('RSA-SHA256', 'x', privateKey), publicKey)).toBe(false);
    expect(sign('RSA-SHA256', 'x', privateKey)).toEqual(sign('RSA-SHA256', 'x', privateKey)); // deterministic
    expect(sign('ECDSA-P256-SHA256', 'x', pairs['ecdsa-p256'].privateKey)[0]).toBe(0x30);
  });

  test('verify never throws on garbage', () => {
    const { publicKey } = pairs.sm2;
    const garbage: unknown[] = [Buffer.alloc(0), randomBytes(71), Buffer.from('30', 'hex'), 'not a buffer', null, undefined, 42];
    for (const alg of [...SIG_ALGS, 'MD5-RSA' as SigAlg]) {
      for (const g of garbage) {
        for (const key of [publicKey, pairs.rsa.publicKey, pairs.ed25519.publicKey, null as never, {} as never]) {
          expect(verify(alg, 'data', g as Buffer, key)).toBe(false);
        }
      }
    }
  });

  test('sign refuses mismatched keys and public keys', () => {
    expect(() => sign('SM2-SM3', 'x', pairs.rsa.privateKey)).toThrow(/needs a sm2 key, got rsa/);
    expect(() => sign('Ed25519', 'x', pairs.ed25519.publicKey)).toThrow(/private key/);
    expect(() => sign('RSA-PSS-SHA256', 'x', pairs['ecdsa-p256'].privateKey)).toThrow(/needs a rsa key/);
  });

  test('a raw (not round-tripped) SM2 key passed to sign() is converted, so the signature is still real SM2', () => {
    const raw = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const sig = sign('SM2-SM3', 'x', raw.privateKey);
    expect(verify('SM2-SM3', 'x', sig, createPublicKey(raw.publicKey.export({ type: 'spki', format: 'pem' })))).toBe(true);
  });
});

describe('Signer and Verifier', () => {
  test('a Signer caches its key, knows its certificate and verifies its own signatures', () => {
    const ca = createRootCa({ subject: { C: 'CN', O: '江州市住房和城乡建设局', CN: 'root' } });
    for (const alg of KEY_ALGS) {
      const { privateKey, publicKey } = pairs[alg];
      const cert = issueCertificate({ ca, subjectPublicKey: publicKey, subject: { C: 'CN', CN: alg } });
      const signer = new Signer({ privateKey, certChainPems: [cert.pem, ca.certPem] });
      expect(signer.alg).toBe(sigAlgFor(alg));
      expect(signer.certPem).toBe(cert.pem);
      expect(signer.certificate?.subject).toContain(`CN=${alg}`);
      expect(signer.keyId).toMatch(/^[0-9a-f]{64}$/);
      const sig = signer.sign('payload');
      expect(signer.verify('payload', sig)).toBe(true);
      expect(Verifier.fromPem(cert.pem).verify('payload', sig)).toBe(true);
      expect(signer.toVerifier().verify('payload!', sig)).toBe(false);
    }
  });

  test('a Signer with a foreign certificate or a mismatched algorithm is refused', () => {
    const ca = createRootCa({ subject: { C: 'CN', CN: 'root' } });
    const other = issueCertificate({ ca, subjectPublicKey: generateKeyPair('sm2').publicKey, subject: { CN: 'other' } });
    expect(() => new Signer({ privateKey: pairs.sm2.privateKey, certChainPems: [other.pem] })).toThrow(/does not belong/);
    expect(() => new Signer({ privateKey: pairs.sm2.privateKey, alg: 'RSA-SHA256' })).toThrow(/needs a rsa key/);
    const pkcs1 = Signer.fromPem(pairs.rsa.privatePem, [], 'RSA-SHA256');
    expect(pkcs1.alg).toBe('RSA-SHA256');
    expect(verify('RSA-SHA256', 'm', pkcs1.sign('m'), pairs.rsa.publicKey)).toBe(true);
  });
});
