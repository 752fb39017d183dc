import { constants, createHash, KeyObject, SignKeyObjectInput, sign as nodeSign, verify as nodeVerify, X509Certificate } from 'node:crypto';
import type { DigestAlg } from './digest';
import { asRealSm2, keyAlgOf, KeyAlg, loadPrivateKey, loadPublicKey, publicKeyOf, spkiDer } from './keys';
import { sm2Sign, sm2Verify } from './sm2';

/**
 * One signing vocabulary, named by algorithm. RSA, ECDSA and Ed25519 go through
 * Node's crypto (OpenSSL); SM2 through ./sm2 (GB/T 32918.2 on @noble/curves, SM3
 * from Node). node-forge is never used to sign or verify.
 *
 *   SM2-SM3            SM2 signature over SM3 (GB/T 32918.2), DER (r,s), distinguishing ID
 *                      "1234567812345678" (the GM/T 0009 / GB/T 35276 default; OpenSSL 3 needs
 *                      `-sigopt distid:1234567812345678`, OpenSSL 4 uses it by default)
 *   SM2-SM3-EMPTYID    legacy, VERIFY ONLY: SM2 with an EMPTY distinguishing ID (ENTL = 0), what
 *                      xgw made with Node's crypto before (Node cannot pass an ID; OpenSSL 1.1.1–3.x
 *                      leave it empty, openssl/openssl#23162). Stored signatures of that time say
 *                      'SM2-SM3'; checkSignature() recognises them and reports them as legacy.
 *   RSA-PSS-SHA256     RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32
 *   RSA-SHA256         RSASSA-PKCS1-v1_5 with SHA-256 (interoperability; certificates)
 *   ECDSA-P256-SHA256  ECDSA on P-256 with SHA-256, DER-encoded (r,s)
 *   Ed25519            pure Ed25519 (RFC 8032) over the message itself
 */
export type SigAlg = 'SM2-SM3' | 'SM2-SM3-EMPTYID' | 'RSA-PSS-SHA256' | 'RSA-SHA256' | 'ECDSA-P256-SHA256' | 'Ed25519';

export const SIG_ALGS: readonly SigAlg[] = ['SM2-SM3', 'SM2-SM3-EMPTYID', 'RSA-PSS-SHA256', 'RSA-SHA256', 'ECDSA-P256-SHA256', 'Ed25519'];

/** The algorithms xgw signs with (all but the legacy verify-only one). */
export const SIGNING_ALGS: readonly SigAlg[] = SIG_ALGS.filter((a) => a !== 'SM2-SM3-EMPTYID');

const isSigAlg = (value: unknown): value is SigAlg => typeof value === 'string' && (SIG_ALGS as readonly string[]).includes(value);

const RSA_PSS_SALT_LENGTH = 32;

const DEFAULT_SIG_ALG: Record<KeyAlg, SigAlg> = {
  sm2: 'SM2-SM3',
  rsa: 'RSA-PSS-SHA256',
  'ecdsa-p256': 'ECDSA-P256-SHA256',
  ed25519: 'Ed25519',
};

const KEY_ALG_OF: Record<SigAlg, KeyAlg> = {
  'SM2-SM3': 'sm2',
  'SM2-SM3-EMPTYID': 'sm2',
  'RSA-PSS-SHA256': 'rsa',
  'RSA-SHA256': 'rsa',
  'ECDSA-P256-SHA256': 'ecdsa-p256',
  Ed25519: 'ed25519',
};

/** The default signature algorithm for a key algorithm. */
export const sigAlgFor = (keyAlg: KeyAlg): SigAlg => DEFAULT_SIG_ALG[keyAlg];

/** The key algorithm a signature algorithm needs. */
export const keyAlgForSigAlg = (sigAlg: SigAlg): KeyAlg => KEY_ALG_OF[sigAlg];

/** Digest that goes with a signature algorithm for message/record hashes: SM3 with SM2, SHA-256 otherwise. */
export const digestAlgFor = (sigAlg: SigAlg): DigestAlg => (KEY_ALG_OF[sigAlg] === 'sm2' ? 'sm3' : 'sha256');

class SignatureError extends Error {}

/** The SM2 distinguishing ID of the legacy form. */
const LEGACY_SM2_ID = '';

/** Node's digest argument for crypto.sign/verify. */
function nodeDigest(sigAlg: SigAlg): string | null {
  switch (sigAlg) {
    case 'Ed25519':
      return null;
    default:
      return 'sha256';
  }
}

function keyInput(sigAlg: SigAlg, key: KeyObject): KeyObject | SignKeyObjectInput {
  switch (sigAlg) {
    case 'RSA-PSS-SHA256':
      return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH };
    case 'RSA-SHA256':
      return { key, padding: constants.RSA_PKCS1_PADDING };
    case 'ECDSA-P256-SHA256':
      return { key, dsaEncoding: 'der' };
    default:
      return key;
  }
}

/** The key in usable form, or an error message if it does not fit `sigAlg`. */
function fitKey(sigAlg: SigAlg, key: KeyObject): KeyObject | string {
  let alg: KeyAlg;
  try {
    alg = keyAlgOf(key);
  } catch (err) {
    return (err as Error).message;
  }
  if (alg !== KEY_ALG_OF[sigAlg]) return `${sigAlg} needs a ${KEY_ALG_OF[sigAlg]} key, got ${alg}`;
  return alg === 'sm2' ? asRealSm2(key) : key;
}

const bytes = (data: Buffer | Uint8Array | string): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

/** The checked key input for signing with `sigAlg`; throws SignatureError if the key does not fit. */
function signingKey(sigAlg: SigAlg, privateKey: KeyObject): KeyObject | SignKeyObjectInput {
  if (!isSigAlg(sigAlg)) throw new SignatureError(`unknown signature algorithm: ${String(sigAlg)}`);
  if (privateKey.type !== 'private') throw new SignatureError('signing needs a private key');
  const key = fitKey(sigAlg, privateKey);
  if (typeof key === 'string') throw new SignatureError(key);
  if (sigAlg === 'SM2-SM3-EMPTYID') throw new SignatureError('SM2-SM3-EMPTYID is a legacy form for verifying old signatures; sign with SM2-SM3');
  return keyInput(sigAlg, key);
}

/** Sign `data` (strings as UTF-8) with `sigAlg`; throws SignatureError if the key does not fit. */
export function sign(sigAlg: SigAlg, data: Buffer | Uint8Array | string, privateKey: KeyObject): Buffer {
  const key = signingKey(sigAlg, privateKey);
  if (sigAlg === 'SM2-SM3') return sm2Sign(bytes(data), key as KeyObject);
  return nodeSign(nodeDigest(sigAlg), bytes(data), key);
}

/**
 * Like sign(), but RSA, ECDSA and Ed25519 signatures are computed on libuv's thread
 * pool (Node's crypto.sign with a callback), so the event loop keeps serving requests
 * while an RSA signature (≈ 0.3 ms) is made. SM2 is JavaScript (./sm2) and runs on the
 * event loop: ≈ 0.27 ms per signature, one per batch manifest (a group commit). A signing
 * thread was tried (2026-12): the event loop then pays ≈ 17 µs of message passing instead,
 * but the answer waits behind the busy loop's other callbacks, the batch's seal took 3.5 ms
 * instead of 1.25 ms, and push throughput did not rise (bench, side by side). Same bytes, same checks.
 */
function signAsync(sigAlg: SigAlg, data: Buffer | Uint8Array | string, privateKey: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    try {
      const key = signingKey(sigAlg, privateKey);
      if (sigAlg === 'SM2-SM3') return resolve(sm2Sign(bytes(data), key as KeyObject));
      nodeSign(nodeDigest(sigAlg), bytes(data), key, (err, signature) => (err ? reject(err) : resolve(signature)));
    } catch (err) {
      reject(err);
    }
  });
}

/** Verify; never throws: wrong key type, garbage signature or unknown algorithm give false. */
export function verify(sigAlg: SigAlg, data: Buffer | Uint8Array | string, signature: Buffer | Uint8Array, publicKey: KeyObject): boolean {
  try {
    if (!isSigAlg(sigAlg) || !(publicKey instanceof KeyObject) || !(signature instanceof Uint8Array) || signature.length === 0) return false;
    const key = fitKey(sigAlg, publicKey);
    if (typeof key === 'string') return false;
    if (sigAlg === 'SM2-SM3') return sm2Verify(bytes(data), signature, key);
    if (sigAlg === 'SM2-SM3-EMPTYID') return sm2Verify(bytes(data), signature, key, LEGACY_SM2_ID);
    return nodeVerify(nodeDigest(sigAlg), bytes(data), keyInput(sigAlg, key), bytes(signature));
  } catch {
    return false;
  }
}

/**
 * The outcome of checking a stored signature: 'valid'; 'legacy-sm2-empty-id' when it is
 * an SM2 signature with the EMPTY distinguishing ID (labelled 'SM2-SM3' by xgw before it
 * used the default ID, or 'SM2-SM3-EMPTYID'): genuine, but not GM/T 0009-conformant, and
 * verifiers say so; 'invalid' otherwise.
 */
export type SignatureCheck = 'valid' | 'legacy-sm2-empty-id' | 'invalid';

export const LEGACY_SM2_NOTE = 'legacy SM2 signature with an EMPTY distinguishing ID (made before xgw used the GM/T 0009 default ID 1234567812345678)';

/** Whether a check passes: a legacy SM2 signature only where the caller accepts them (e.g. certificates: only if configured). */
export const passes = (check: SignatureCheck, acceptLegacySm2: boolean): boolean => check === 'valid' || (acceptLegacySm2 && check === 'legacy-sm2-empty-id');

/** verify() for stored evidence: also recognises the legacy empty-ID SM2 form of signatures labelled 'SM2-SM3'. Never throws. */
export function checkSignature(sigAlg: SigAlg, data: Buffer | Uint8Array | string, signature: Buffer | Uint8Array, publicKey: KeyObject): SignatureCheck {
  if (sigAlg === 'SM2-SM3-EMPTYID') return verify(sigAlg, data, signature, publicKey) ? 'legacy-sm2-empty-id' : 'invalid';
  if (verify(sigAlg, data, signature, publicKey)) return 'valid';
  return sigAlg === 'SM2-SM3' && verify('SM2-SM3-EMPTYID', data, signature, publicKey) ? 'legacy-sm2-empty-id' : 'invalid';
}

/** A public key with the signature algorithm to check it with. */
export class Verifier {
  readonly publicKey: KeyObject;
  readonly keyAlg: KeyAlg;
  readonly alg: SigAlg;
  constructor(publicKey: KeyObject, alg?: SigAlg) {
    this.publicKey = asRealSm2(publicKeyOf(publicKey));
    this.keyAlg = keyAlgOf(this.publicKey);
    this.alg = alg ?? sigAlgFor(this.keyAlg);
    if (KEY_ALG_OF[this.alg] !== this.keyAlg) throw new SignatureError(`${this.alg} needs a ${KEY_ALG_OF[this.alg]} key, got ${this.keyAlg}`);
  }
  static fromPem(pemOrCertPem: string | Buffer, alg?: SigAlg): Verifier {
    return new Verifier(loadPublicKey(pemOrCertPem), alg);
  }
  verify(data: Buffer | Uint8Array | string, signature: Buffer | Uint8Array): boolean {
    return verify(this.alg, data, signature, this.publicKey);
  }
}

interface SignerOptions {
  privateKey: KeyObject;
  /** Signature algorithm; default by key (sigAlgFor). */
  alg?: SigAlg;
  /** The signer's certificate first, then its issuers (PEM). */
  certChainPems?: readonly string[];
}

/**
 * One signing identity: a cached private KeyObject, its certificate chain and its
 * algorithm. Create once per process (per department / for the log) and reuse.
 */
export class Signer {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyAlg: KeyAlg;
  readonly alg: SigAlg;
  readonly certChainPems: readonly string[];
  readonly certificate: X509Certificate | null;
  /** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
  readonly keyId: string;
  private readonly verifier: Verifier;

  constructor(opts: SignerOptions) {
    if (opts.privateKey.type !== 'private') throw new SignatureError('a Signer needs a private key');
    this.privateKey = asRealSm2(opts.privateKey);
    this.keyAlg = keyAlgOf(this.privateKey);
    this.alg = opts.alg ?? sigAlgFor(this.keyAlg);
    if (KEY_ALG_OF[this.alg] !== this.keyAlg) throw new SignatureError(`${this.alg} needs a ${KEY_ALG_OF[this.alg]} key, got ${this.keyAlg}`);
    if (!SIGNING_ALGS.includes(this.alg)) throw new SignatureError(`${this.alg} is verify-only`);
    this.publicKey = publicKeyOf(this.privateKey);
    const spki = spkiDer(this.publicKey);
    this.keyId = createHash('sha256').update(spki).digest('hex');
    this.certChainPems = Object.freeze([...(opts.certChainPems ?? [])]);
    this.certificate = this.certChainPems.length > 0 ? new X509Certificate(this.certChainPems[0]) : null;
    if (this.certificate && !spkiDer(this.certificate.publicKey).equals(spki)) {
      throw new SignatureError('the certificate does not belong to the private key');
    }
    this.verifier = new Verifier(this.publicKey, this.alg);
  }

  static fromPem(privateKeyPem: string | Buffer, certChainPems: readonly string[] = [], alg?: SigAlg): Signer {
    return new Signer({ privateKey: loadPrivateKey(privateKeyPem), certChainPems, alg });
  }

  /** The signer's own certificate (PEM), if it has one. */
  get certPem(): string | null {
    return this.certChainPems[0] ?? null;
  }

  sign(data: Buffer | Uint8Array | string): Buffer {
    return sign(this.alg, data, this.privateKey);
  }

  /** sign() off the event loop (libuv thread pool). */
  signAsync(data: Buffer | Uint8Array | string): Promise<Buffer> {
    return signAsync(this.alg, data, this.privateKey);
  }

  verify(data: Buffer | Uint8Array | string, signature: Buffer | Uint8Array): boolean {
    return this.verifier.verify(data, signature);
  }

  /** The public counterpart, safe to hand out. */
  toVerifier(): Verifier {
    return this.verifier;
  }
}
