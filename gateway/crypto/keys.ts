import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, X509Certificate } from 'node:crypto';

/**
 * Key material for the gateway's signatures, always as Node KeyObjects.
 *
 * SM2 caveat (Node 20 / OpenSSL 3): `generateKeyPairSync('ec', {namedCurve:'SM2'})`
 * returns an *EC* key on the SM2 curve, which signs plain ECDSA (openssl rejects it
 * as SM2). Only after a PEM round trip (export → createPrivateKey/createPublicKey)
 * does OpenSSL load it as an SM2 key, and then `crypto.sign('sm3', …)` is real
 * SM2-with-SM3 — with an EMPTY distinguishing ID, not GM/T 0009's
 * 1234567812345678; xgw signs SM2 with ./sm2 instead (see ./sign). Such a key reports
 * `asymmetricKeyType === undefined` and empty `asymmetricKeyDetails`, so SM2 is
 * recognised from the SPKI AlgorithmIdentifier (id-ecPublicKey + curve 1.2.156.10197.1.301).
 * Every function here returns SM2 keys in their real-SM2 (round-tripped) form.
 */
export type KeyAlg = 'sm2' | 'rsa' | 'ecdsa-p256' | 'ed25519';

export const KEY_ALGS: readonly KeyAlg[] = ['sm2', 'rsa', 'ecdsa-p256', 'ed25519'];

interface GeneratedKeyPair {
  alg: KeyAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#8, unencrypted: store with mode 0600. */
  privatePem: string;
  /** SubjectPublicKeyInfo. */
  publicPem: string;
}

/** AlgorithmIdentifier { id-ecPublicKey, sm2 curve } as it opens an SM2 SPKI. */
const SM2_SPKI_ALG_ID = Buffer.from('301306072a8648ce3d020106082a811ccf5501822d', 'hex');

class KeyError extends Error {}

/** New key pair for `alg` (RSA-2048, P-256, Ed25519 or real SM2). */
export function generateKeyPair(alg: KeyAlg): GeneratedKeyPair {
  const pair = generateRaw(alg);
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  // The round trip is what turns an SM2-curve EC key into an SM2 key; for the
  // other algorithms it is harmless and keeps all four on one code path.
  const privateKey = createPrivateKey(privatePem);
  const publicKey = createPublicKey(publicPem);
  knownAlg.set(privateKey, alg);
  knownAlg.set(publicKey, alg);
  return { alg, privateKey, publicKey, privatePem, publicPem };
}

function generateRaw(alg: KeyAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'sm2':
      return generateKeyPairSync('ec', { namedCurve: 'SM2' });
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    default:
      throw new KeyError(`unsupported key algorithm: ${String(alg)}`);
  }
}

/** Private key from PEM (PKCS#8 or SEC1/PKCS#1); SM2 keys come back as real SM2. */
export function loadPrivateKey(pem: string | Buffer, passphrase?: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
  } catch (err) {
    throw new KeyError(`not a usable private key PEM: ${(err as Error).message}`);
  }
  key = asRealSm2(key);
  keyAlgOf(key); // refuse unsupported algorithms early
  return key;
}

/** Public key from an SPKI PEM or from a certificate PEM. */
export function loadPublicKey(pemOrCertPem: string | Buffer): KeyObject {
  const text = pemOrCertPem.toString();
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(text).publicKey : createPublicKey(text);
  } catch (err) {
    throw new KeyError(`not a usable public key or certificate PEM: ${(err as Error).message}`);
  }
  key = asRealSm2(key);
  keyAlgOf(key);
  return key;
}

/** The public half of a private key (or the key itself if public). */
export function publicKeyOf(key: KeyObject): KeyObject {
  if (key.type === 'public') return key;
  const pub = asRealSm2(createPublicKey(key));
  const alg = knownAlg.get(key);
  if (alg) knownAlg.set(pub, alg);
  return pub;
}

/** DER SubjectPublicKeyInfo of a public or private key. */
export function spkiDer(key: KeyObject): Buffer {
  return publicKeyOf(key).export({ type: 'spki', format: 'der' });
}

const knownAlg = new WeakMap<KeyObject, KeyAlg>();

/** Which of our four key algorithms a KeyObject holds; throws for anything else. */
export function keyAlgOf(key: KeyObject): KeyAlg {
  const cached = knownAlg.get(key);
  if (cached) return cached;
  const alg = detectAlg(key);
  knownAlg.set(key, alg);
  return alg;
}

function detectAlg(key: KeyObject): KeyAlg {
  if (key.type === 'secret') throw new KeyError('a secret key is not a signing key');
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    if ((details.modulusLength ?? 0) < 2048) throw new KeyError(`RSA key of ${details.modulusLength} bits is too short (need ≥ 2048)`);
    return 'rsa';
  }
  if (type === 'ed25519') return 'ed25519';
  if (type === 'ec') {
    if (details.namedCurve === 'SM2') return 'sm2'; // raw form; asRealSm2 converts it
    if (details.namedCurve === 'prime256v1') return 'ecdsa-p256';
    throw new KeyError(`unsupported EC curve: ${details.namedCurve}`);
  }
  if (type === undefined && isSm2Spki(key)) return 'sm2';
  throw new KeyError(`unsupported key type: ${type ?? 'unknown'}`);
}

function isSm2Spki(key: KeyObject): boolean {
  try {
    const der = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
    // SEQUENCE (short length, SM2 SPKI is 0x59 bytes) then the AlgorithmIdentifier.
    return der.length > 2 + SM2_SPKI_ALG_ID.length && der.subarray(2, 2 + SM2_SPKI_ALG_ID.length).equals(SM2_SPKI_ALG_ID);
  } catch {
    return false;
  }
}

/** True for an SM2-curve key in its raw EC form (signs ECDSA, not SM2). */
export function isRawSm2(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'SM2';
}

const converted = new WeakMap<KeyObject, KeyObject>();

/**
 * The real-SM2 form of a key: raw SM2-curve EC keys are round-tripped through
 * PEM once (memoised per KeyObject); every other key is returned unchanged.
 */
export function asRealSm2(key: KeyObject): KeyObject {
  if (!isRawSm2(key)) return key;
  let real = converted.get(key);
  if (!real) {
    real =
      key.type === 'private'
        ? createPrivateKey(key.export({ type: 'pkcs8', format: 'pem' }))
        : createPublicKey(key.export({ type: 'spki', format: 'pem' }));
    knownAlg.set(real, 'sm2');
    converted.set(key, real);
  }
  return real;
}
