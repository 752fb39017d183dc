import { constants, createHash, createPublicKey, KeyObject, SignKeyObjectInput, sign as nodeSign, verify as nodeVerify, X509Certificate } from 'node:crypto';
import type { DigestAlg } from './digest';
import { asRealSm2, keyAlgOf, KeyAlg, loadPrivateKey, loadPublicKey, publicKeyOf, spkiDer } from './keys';

/**
 * One signing vocabulary, named by algorithm. All signing and verifying goes
 * through Node's crypto (OpenSSL); node-forge is never used for it.
 *
 *   SM2-SM3            SM2 signature over SM3 (GB/T 32918), DER (r,s), EMPTY distinguishing ID (below)
 *   RSA-PSS-SHA256     RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32
 *   RSA-SHA256         RSASSA-PKCS1-v1_5 with SHA-256 (interoperability; certificates)
 *   ECDSA-P256-SHA256  ECDSA on P-256 with SHA-256, DER-encoded (r,s)
 *   Ed25519            pure Ed25519 (RFC 8032) over the message itself
 */
export type SigAlg = 'SM2-SM3' | 'RSA-PSS-SHA256' | 'RSA-SHA256' | 'ECDSA-P256-SHA256' | 'Ed25519';

export const SIG_ALGS: readonly SigAlg[] = ['SM2-SM3', 'RSA-PSS-SHA256', 'RSA-SHA256', 'ECDSA-P256-SHA256', 'Ed25519'];

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
export const digestAlgFor = (sigAlg: SigAlg): DigestAlg => (sigAlg === 'SM2-SM3' ? 'sm3' : 'sha256');

class SignatureError extends Error {}

/**
 * The SM2 distinguishing ID our SM2-SM3 signatures use: the EMPTY string (ENTL = 0).
 *
 * Node's crypto has no way to set the ID, and OpenSSL 1.1.1–3.x deliberately
 * leave it empty unless the caller sets one (openssl/openssl#23162, "won't fix").
 * So Node's `crypto.sign('sm3', …)`, `openssl dgst -sm3` and `openssl verify` all
 * agree with each other, but NOT with GM/T 0009 / GB/T 35276 implementations
 * (GmSSL, Tongsuo, BouncyCastle, CA systems) that default to "1234567812345678":
 * those verify our signatures only when told the ID is empty, and their
 * default-ID signatures and certificates do not verify here.
 * A future OpenSSL may switch the default (openssl/openssl#29953): sm2RuntimeId()
 * detects the runtime's default with a known-answer test, and SM2 signing and
 * verifying refuse to run if it is not the empty ID, so the meaning of stored
 * signatures can never change silently.
 */
const SM2_DISTINGUISHING_ID = '';
const GMT_0009_DEFAULT_ID = '1234567812345678';

// Made with the openssl CLI: the same message signed with an empty ID and with 1234567812345678.
const SM2_PROBE = {
  publicKeyPem:
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEwD95yPD+Y6Bicu6gmUIh52NcCs7A\naJhjP7fouSQTonPaYN7bqpY3kEfHjYtbOIlyytArGI1RYUBEvQtwxTwCUQ==\n-----END PUBLIC KEY-----\n',
  message: 'xgw SM2 distinguishing-ID probe',
  emptyId: 'MEQCIFWElAtgM1lR388fkDqmvlnJ6oNkgu/uwNZGr3QxkFO1AiBRHljcRl6zdGyFrF7m5asv5P/QPwuwHOKykGgbz+v8nQ==',
  defaultId: 'MEUCIHJIi4w7yN49LpmX4OYywbN/boTG6nBasbqY/YGaLBlMAiEA1eQTqlr5pS+AKMp4cuIgrIa6SFWqNwqsdM1UrrlEPa8=',
};

let runtimeId: string | null | undefined;

/** The SM2 distinguishing ID this Node/OpenSSL uses by default ('' expected), null if neither known one. */
export function sm2RuntimeId(): string | null {
  if (runtimeId === undefined) {
    const key = createPublicKey(SM2_PROBE.publicKeyPem);
    const ok = (b64: string): boolean => {
      try {
        return nodeVerify('sm3', Buffer.from(SM2_PROBE.message), key, Buffer.from(b64, 'base64'));
      } catch {
        return false;
      }
    };
    runtimeId = ok(SM2_PROBE.emptyId) ? '' : ok(SM2_PROBE.defaultId) ? GMT_0009_DEFAULT_ID : null;
  }
  return runtimeId;
}

const sm2Usable = (): boolean => sm2RuntimeId() === SM2_DISTINGUISHING_ID;

/** Node's digest argument for crypto.sign/verify. */
function nodeDigest(sigAlg: SigAlg): string | null {
  switch (sigAlg) {
    case 'SM2-SM3':
      return 'sm3';
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
  if (sigAlg === 'SM2-SM3' && !sm2Usable()) throw new SignatureError(`this OpenSSL signs SM2 with distinguishing ID ${JSON.stringify(sm2RuntimeId())}, not the empty ID xgw signatures are defined with`);
  return keyInput(sigAlg, key);
}

/** Sign `data` (strings as UTF-8) with `sigAlg`; throws SignatureError if the key does not fit. */
export function sign(sigAlg: SigAlg, data: Buffer | Uint8Array | string, privateKey: KeyObject): Buffer {
  return nodeSign(nodeDigest(sigAlg), bytes(data), signingKey(sigAlg, privateKey));
}

/**
 * Like sign(), but the signature is computed on libuv's thread pool (Node's
 * crypto.sign with a callback), so the event loop keeps serving requests while
 * an SM2 or RSA signature (0.3–0.4 ms each) is made. Same bytes, same checks.
 */
function signAsync(sigAlg: SigAlg, data: Buffer | Uint8Array | string, privateKey: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    nodeSign(nodeDigest(sigAlg), bytes(data), signingKey(sigAlg, privateKey), (err, signature) => (err ? reject(err) : resolve(signature)));
  });
}

/** Verify; never throws: wrong key type, garbage signature or unknown algorithm give false. */
export function verify(sigAlg: SigAlg, data: Buffer | Uint8Array | string, signature: Buffer | Uint8Array, publicKey: KeyObject): boolean {
  try {
    if (!isSigAlg(sigAlg) || !(publicKey instanceof KeyObject) || !(signature instanceof Uint8Array) || signature.length === 0) return false;
    const key = fitKey(sigAlg, publicKey);
    if (typeof key === 'string' || (sigAlg === 'SM2-SM3' && !sm2Usable())) return false;
    return nodeVerify(nodeDigest(sigAlg), bytes(data), keyInput(sigAlg, key), bytes(signature));
  } catch {
    return false;
  }
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
