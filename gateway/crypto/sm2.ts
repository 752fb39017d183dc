import { Field } from '@noble/curves/abstract/modular';
import { DER, weierstrassN, type WeierstrassPoint, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass';
import forge from 'node-forge';
import { createHash, KeyObject, randomBytes } from 'node:crypto';

/**
 * The SM2 digital signature algorithm of GB/T 32918.2-2016 (= GM/T 0003.2-2012),
 * with the user's distinguishing ID of GM/T 0009-2012 §10 / GB/T 35276-2017:
 *
 *   Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)    ENTL = bit length of ID, 2 bytes
 *   e = SM3(Z ‖ M)
 *   sign:   k random in [1, n-1]; (x1, y1) = [k]G; r = (e + x1) mod n (retry if r = 0 or r + k = n);
 *           s = (1 + d)⁻¹ · (k − r·d) mod n (retry if s = 0)
 *   verify: r, s in [1, n-1]; t = (r + s) mod n ≠ 0; (x1, y1) = [s]G + [t]P; (e + x1) mod n = r
 *
 * and the signature as DER SEQUENCE { INTEGER r, INTEGER s } (GM/T 0009 §7.2).
 * The default ID is "1234567812345678" (GM/T 0009, GB/T 35276, GmSSL, BouncyCastle,
 * OpenSSL 4). Node's crypto can only do SM2 with an EMPTY ID (ENTL = 0), which is
 * kept in ./sign as the verify-only legacy algorithm 'SM2-SM3-EMPTYID'.
 *
 * The curve arithmetic is @noble/curves (audited, pure JS; version pinned in
 * package.json); SM3 is Node's (`createHash('sm3')`, OpenSSL); keys stay Node
 * KeyObjects loaded from PEM, from which d and (x, y) are read once and cached
 * per KeyObject (with (1 + d)⁻¹ and the default-ID Z).
 *
 * k: 32 bytes from Node's CSPRNG (randomBytes), rejection-sampled into [1, n-1]
 * (GB/T 32918.2 §6.1 A3 asks for a random k; no RFC 6979-style derivation). A
 * fixed k can be given to sm2SignWith() only, for the standard's worked examples.
 *
 * Constant time — what holds and what does not:
 * - [k]G uses noble's `Point.multiply`: fixed-window wNAF with precomputed base
 *   multiples and a "fake" point accumulated on the zero digits, so the sequence of
 *   point operations does not depend on k. noble documents this as "constant-time
 *   algorithm" for multiply; it still runs on JS BigInt, whose arithmetic V8 does
 *   not promise to be constant time (noble: "JIT-compiler and garbage collector make
 *   constant-time … extremely hard to achieve in a scripting language").
 * - The scalar step s = (1 + d)⁻¹ · (k − r·d) mod n is plain BigInt multiplication
 *   and reduction, whose timing depends on operand sizes: it can leak bits of k and
 *   d to an attacker who measures many signing times precisely (lattice attacks on
 *   partially known nonces). (1 + d)⁻¹ is computed once per key (extended Euclid,
 *   variable time, one-off). Verification handles public data only.
 * - So: fine for a gateway whose signing runs in its own process on its own host;
 *   where an attacker can time signatures from the same machine, use an HSM or a
 *   GM/T 0018 signing device (密码机) instead of in-process keys.
 */
export const SM2_DEFAULT_ID = '1234567812345678';

type Point = WeierstrassPoint<bigint>;

/** An SM2 domain: the recommended curve (sm2p256v1), or the Fp-256 example curve of GB/T 32918.2 Appendix A in tests. */
interface Sm2Domain {
  n: bigint;
  Point: WeierstrassPointCons<bigint>;
  /** a ‖ b ‖ xG ‖ yG, 32 bytes each: the constant part of Z. */
  curveBytes: Buffer;
}

interface Sm2DomainParams {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

const be32 = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
const toBigInt = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const mod = (x: bigint, n: bigint): bigint => ((x % n) + n) % n;

export function sm2Domain(params: Sm2DomainParams): Sm2Domain {
  const Point = weierstrassN({ ...params, h: 1n }, { Fp: Field(params.p), Fn: Field(params.n) });
  return { n: params.n, Point, curveBytes: Buffer.concat([params.a, params.b, params.Gx, params.Gy].map(be32)) };
}

/** The recommended curve of GB/T 32918.5-2017 (sm2p256v1, OID 1.2.156.10197.1.301). */
const SM2P256V1 = sm2Domain({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/** Z_A for a distinguishing ID (bytes; ENTL is its bit length, so at most 8191 bytes). */
export function sm2Z(domain: Sm2Domain, id: Uint8Array, publicPoint: Point): Buffer {
  if (id.length >= 8192) throw new Error('SM2 distinguishing ID longer than 8191 bytes');
  const entl = Buffer.from([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  const { x, y } = publicPoint.toAffine();
  return createHash('sm3').update(entl).update(id).update(domain.curveBytes).update(be32(x)).update(be32(y)).digest();
}

const eOf = (z: Buffer, message: Uint8Array): bigint => toBigInt(createHash('sm3').update(z).update(message).digest());

/** A random scalar in [1, n-1] from Node's CSPRNG, by rejection (for SM2's n a retry happens with probability < 2⁻³²). */
function randomScalar(n: bigint): bigint {
  for (;;) {
    const k = toBigInt(randomBytes(32));
    if (k >= 1n && k < n) return k;
  }
}

interface SigningKey {
  d: bigint;
  /** (1 + d)⁻¹ mod n. */
  inv1d: bigint;
}

function signingKey(domain: Sm2Domain, d: bigint): SigningKey {
  if (d < 1n || d > domain.n - 2n) throw new Error('SM2 private key out of range [1, n-2]');
  return { d, inv1d: domain.Point.Fn.inv(d + 1n) };
}

/** GB/T 32918.2 §6.1 over e; `fixedK` only for the standard's worked examples. */
function signDigest(domain: Sm2Domain, key: SigningKey, e: bigint, fixedK?: bigint): { r: bigint; s: bigint } {
  const { n, Point } = domain;
  for (;;) {
    const k = fixedK ?? randomScalar(n);
    const x1 = Point.BASE.multiply(k).toAffine().x;
    const r = mod(e + x1, n);
    if (r === 0n || r + k === n) {
      if (fixedK !== undefined) throw new Error('the given k yields r = 0 or r + k = n');
      continue;
    }
    const s = mod(key.inv1d * (k - r * key.d), n);
    if (s !== 0n) return { r, s };
    if (fixedK !== undefined) throw new Error('the given k yields s = 0');
  }
}

/** GB/T 32918.2 §7.1 (B1–B7) over e. */
function verifyDigest(domain: Sm2Domain, publicPoint: Point, e: bigint, r: bigint, s: bigint): boolean {
  const { n, Point } = domain;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const t = mod(r + s, n);
  if (t === 0n) return false;
  const sum = Point.BASE.multiplyUnsafe(s).add(publicPoint.multiplyUnsafe(t));
  if (sum.is0()) return false;
  return mod(e + sum.toAffine().x, n) === r;
}

/** Sign with explicit domain, key, ID and (optionally) k: for the GB/T 32918.2 examples and tests. */
export function sm2SignWith(domain: Sm2Domain, d: bigint, message: Uint8Array, id: Uint8Array, k?: bigint): { r: bigint; s: bigint } {
  const key = signingKey(domain, d);
  const z = sm2Z(domain, id, domain.Point.BASE.multiply(d));
  return signDigest(domain, key, eOf(z, message), k);
}

export function sm2VerifyWith(domain: Sm2Domain, publicPoint: Point, message: Uint8Array, id: Uint8Array, r: bigint, s: bigint): boolean {
  return verifyDigest(domain, publicPoint, eOf(sm2Z(domain, id, publicPoint), message), r, s);
}

// ---- Node KeyObjects (PEM-loaded SM2 keys) --------------------------------

const { asn1 } = forge;
const derOf = (key: KeyObject, type: 'pkcs8' | 'spki'): forge.asn1.Asn1 =>
  (asn1.fromDer as unknown as (bytes: string, o: object) => forge.asn1.Asn1)(key.export({ type, format: 'der' } as never).toString('binary'), {
    strict: true,
    parseAllBytes: true,
    decodeBitStrings: false,
  });
const children = (a: forge.asn1.Asn1): forge.asn1.Asn1[] => {
  if (!Array.isArray(a.value)) throw new Error('malformed SM2 key DER');
  return a.value;
};
const bytesOf = (a: forge.asn1.Asn1): Buffer => Buffer.from(a.value as string, 'binary');

/** The public point of an SM2 SubjectPublicKeyInfo (validated on the curve). */
function publicPointOf(key: KeyObject): Point {
  const bitString = bytesOf(children(derOf(key, 'spki'))[1]);
  if (bitString[0] !== 0) throw new Error('malformed SM2 public key BIT STRING');
  return SM2P256V1.Point.fromBytes(bitString.subarray(1)); // checks the point is on the curve and not infinity
}

/** d from PKCS#8 { version, algorithm, OCTET STRING ECPrivateKey { version 1, OCTET STRING d, … } }. */
function privateScalarOf(key: KeyObject): bigint {
  const ecPrivateKey = (asn1.fromDer as unknown as (bytes: string, o: object) => forge.asn1.Asn1)(children(derOf(key, 'pkcs8'))[2].value as string, { strict: true });
  const [version, d] = children(ecPrivateKey);
  if (bytesOf(version).toString('hex') !== '01' || d.type !== asn1.Type.OCTETSTRING) throw new Error('malformed SM2 ECPrivateKey');
  return toBigInt(bytesOf(d));
}

interface PrivateState extends SigningKey {
  /** Z for the default ID and this key's public point. */
  z: Buffer;
}
interface PublicState {
  point: Point;
  /** Z by distinguishing ID (the default one, and the empty one of legacy signatures). */
  z: Map<string, Buffer>;
  uses: number;
}

/**
 * Public keys by SPKI (verifiers often make a fresh KeyObject per certificate PEM): the
 * point, its default-ID Z and, once a key has verified PRECOMPUTE_AFTER signatures, a
 * window-8 table of its multiples (≈ 55 ms once; then [t]P costs ≈ 0.3 ms instead of ≈ 2.5 ms).
 */
const PRECOMPUTE_AFTER = 32;
const PUBLIC_KEY_WINDOW = 8;
const MAX_CACHED_PUBLIC_KEYS = 256;
const DEFAULT_ID_BYTES = Buffer.from(SM2_DEFAULT_ID, 'utf8');
const privateStates = new WeakMap<KeyObject, PrivateState>();
const publicStates = new Map<string, PublicState>();

function privateState(key: KeyObject): PrivateState {
  let st = privateStates.get(key);
  if (!st) {
    const k = signingKey(SM2P256V1, privateScalarOf(key));
    st = { ...k, z: sm2Z(SM2P256V1, DEFAULT_ID_BYTES, SM2P256V1.Point.BASE.multiply(k.d)) };
    privateStates.set(key, st);
  }
  return st;
}

const spkiOf = new WeakMap<KeyObject, string>();

function publicState(key: KeyObject): PublicState {
  let spki = spkiOf.get(key);
  if (!spki) {
    spki = key.export({ type: 'spki', format: 'der' }).toString('base64');
    spkiOf.set(key, spki);
  }
  let st = publicStates.get(spki);
  if (!st) {
    const point = publicPointOf(key);
    st = { point, z: new Map(), uses: 0 };
    if (publicStates.size >= MAX_CACHED_PUBLIC_KEYS) publicStates.delete(publicStates.keys().next().value as string);
    publicStates.set(spki, st);
  }
  if (++st.uses === PRECOMPUTE_AFTER) st.point = st.point.precompute(PUBLIC_KEY_WINDOW, false);
  return st;
}

/** DER SEQUENCE { r, s } of an SM2 signature with the default ID, by a real-SM2 private KeyObject. */
export function sm2Sign(message: Uint8Array, privateKey: KeyObject): Buffer {
  const st = privateState(privateKey);
  const { r, s } = signDigest(SM2P256V1, st, eOf(st.z, message));
  return Buffer.from(DER.hexFromSig({ r, s }), 'hex');
}

/**
 * Verify a DER signature, by default with the default ID ('' checks the legacy empty-ID
 * signatures Node's crypto made); only exact DER is accepted (no BER, no trailing bytes). Never throws.
 */
export function sm2Verify(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject, id: string = SM2_DEFAULT_ID): boolean {
  try {
    const { r, s } = DER.toSig(signature);
    if (DER.hexFromSig({ r, s }) !== Buffer.from(signature).toString('hex')) return false;
    const st = publicState(publicKey);
    let z = st.z.get(id);
    if (!z) {
      z = sm2Z(SM2P256V1, Buffer.from(id, 'utf8'), st.point);
      st.z.set(id, z);
    }
    return verifyDigest(SM2P256V1, st.point, eOf(z, message), r, s);
  } catch {
    return false;
  }
}
