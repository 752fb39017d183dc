import { createHash, KeyObject, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { keyAlgOf, KeyAlg, spkiDer } from '../gateway/crypto/keys';
import { sign, SigAlg } from '../gateway/crypto/sign';

/**
 * X.509 building blocks with node-forge's ASN.1 module (encoding only: every
 * signature is made by gateway/crypto/sign: SM2 with the GM/T 0009 default ID, the others by Node's crypto).
 */
type Asn1 = forge.asn1.Asn1;
export type { Asn1 };

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

const bin = (b: Buffer): string => b.toString('binary');
export const buf = (s: string): Buffer => Buffer.from(s, 'binary');
export const toDer = (a: Asn1): Buffer => buf(asn1.toDer(a).getBytes());
/** Strict DER parse; BIT STRING contents are kept as bytes, never guessed as ASN.1. */
export const fromDer = (b: Buffer): Asn1 =>
  (asn1.fromDer as unknown as (bytes: string, o: object) => Asn1)(bin(b), { strict: true, parseAllBytes: true, decodeBitStrings: false });

export const seq = (items: Asn1[]): Asn1 => asn1.create(U, T.SEQUENCE, true, items);
const set = (items: Asn1[]): Asn1 => asn1.create(U, T.SET, true, items);
export const oid = (dotted: string): Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(dotted).getBytes());
export const integer = (bytes: Buffer): Asn1 => asn1.create(U, T.INTEGER, false, bin(bytes));
export const smallInt = (n: number): Asn1 => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const bool = (v: boolean): Asn1 => asn1.create(U, T.BOOLEAN, false, v ? '\xff' : '\x00');
export const octets = (b: Buffer): Asn1 => asn1.create(U, T.OCTETSTRING, false, bin(b));
export const bits = (b: Buffer, unused = 0): Asn1 => asn1.create(U, T.BITSTRING, false, String.fromCharCode(unused) + bin(b));
const nul = (): Asn1 => asn1.create(U, T.NULL, false, '');
export const enumerated = (n: number): Asn1 => asn1.create(U, T.ENUMERATED, false, String.fromCharCode(n));
export const explicit = (tag: number, inner: Asn1): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, [inner]);
export const implicitOctets = (tag: number, b: Buffer): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, bin(b));

// ---- PEM --------------------------------------------------------------------

export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The DER inside the first PEM block with `label`; throws if none. */
export function fromPem(pem: string | Buffer, label: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem.toString());
  if (!m) throw new Error(`no "${label}" PEM block found`);
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/** All PEM blocks with `label` in a text, in order. */
export const splitPem = (text: string, label = 'CERTIFICATE'): string[] =>
  text.match(new RegExp(`-----BEGIN ${label}-----[A-Za-z0-9+/=\\s]+-----END ${label}-----\\n?`, 'g'))?.map((p) => (p.endsWith('\n') ? p : `${p}\n`)) ?? [];

// ---- names and times ------------------------------------------------------

/** A distinguished name; strings may be Chinese (UTF8String; C is PrintableString per RFC 5280). */
export interface DistinguishedName {
  C?: string;
  ST?: string;
  L?: string;
  O?: string;
  OU?: string | string[];
  CN: string;
}

export const NAME_OIDS: ReadonlyArray<[keyof DistinguishedName, string]> = [
  ['C', '2.5.4.6'],
  ['ST', '2.5.4.8'],
  ['L', '2.5.4.7'],
  ['O', '2.5.4.10'],
  ['OU', '2.5.4.11'],
  ['CN', '2.5.4.3'],
];

export function encodeName(dn: DistinguishedName): Asn1 {
  const rdns: Asn1[] = [];
  for (const [key, attrOid] of NAME_OIDS) {
    const raw = dn[key];
    for (const value of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      if (value.length === 0) throw new Error(`empty ${key} in distinguished name`);
      if (key === 'C' && !/^[A-Z]{2}$/.test(value)) throw new Error(`C must be a two-letter country code, got ${value}`);
      const str = key === 'C' ? asn1.create(U, T.PRINTABLESTRING, false, value) : asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(value));
      rdns.push(set([seq([oid(attrOid), str])]));
    }
  }
  return seq(rdns);
}

/** Seconds resolution (floored): UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function encodeTime(date: Date): Asn1 {
  if (Number.isNaN(date.getTime())) throw new Error('invalid date');
  const iso = new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const compact = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return asn1.create(U, T.UTCTIME, false, compact.slice(2));
  return asn1.create(U, T.GENERALIZEDTIME, false, compact);
}

/** Random positive 16-byte serial (first byte 0x01..0x7f: positive, no padding byte needed). */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) || 0x01;
  return serial;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = fromDer(spkiDer(publicKey));
  const bitString = (spki.value as Asn1[])[1];
  return createHash('sha1').update(buf((bitString.value as string).slice(1))).digest();
}

// ---- algorithms -------------------------------------------------------------

interface SignatureAlgorithm {
  oid: string;
  /** sha256WithRSAEncryption carries NULL parameters; the others none. */
  nullParams: boolean;
  /** The signing call that matches (RSA: PKCS#1 v1.5 for certificates and CRLs). */
  sigAlg: SigAlg;
}

export const CERT_SIGNATURE_ALGORITHMS: Record<KeyAlg, SignatureAlgorithm> = {
  sm2: { oid: '1.2.156.10197.1.501', nullParams: false, sigAlg: 'SM2-SM3' },
  rsa: { oid: '1.2.840.113549.1.1.11', nullParams: true, sigAlg: 'RSA-SHA256' },
  'ecdsa-p256': { oid: '1.2.840.10045.4.3.2', nullParams: false, sigAlg: 'ECDSA-P256-SHA256' },
  ed25519: { oid: '1.3.101.112', nullParams: false, sigAlg: 'Ed25519' },
};

export const algorithmIdentifier = (alg: SignatureAlgorithm): Asn1 => seq(alg.nullParams ? [oid(alg.oid), nul()] : [oid(alg.oid)]);

/** DER of SEQUENCE { tbs, algorithm, BIT STRING signature }: a Certificate or CertificateList. */
export function signAndAssemble(tbsDer: Buffer, issuerKey: KeyObject): Buffer {
  const alg = CERT_SIGNATURE_ALGORITHMS[keyAlgOf(issuerKey)];
  const signature = sign(alg.sigAlg, tbsDer, issuerKey);
  const body = Buffer.concat([tbsDer, toDer(algorithmIdentifier(alg)), toDer(bits(signature))]);
  return Buffer.concat([derHeader(0x30, body.length), body]);
}

/** The tag and DER length octets of an element with `length` content bytes. */
export function derHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const len: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) len.unshift(n & 0xff);
  return Buffer.from([tag, 0x80 | len.length, ...len]);
}

// ---- extensions and the TBSCertificate -----------------------------------

const EKU_OIDS: Readonly<Record<string, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  documentSigning: '1.3.6.1.5.5.7.3.36',
};

export const extension = (extOid: string, critical: boolean, value: Asn1): Asn1 =>
  seq(critical ? [oid(extOid), bool(true), octets(toDer(value))] : [oid(extOid), octets(toDer(value))]);

interface TbsCertificateInput {
  serial: Buffer;
  issuerName: Asn1;
  /** The issuer's key algorithm decides the signature algorithm OID. */
  issuerKeyAlg: KeyAlg;
  /** keyIdentifier of the issuer's key (its SKI). */
  authorityKeyId: Buffer;
  subject: DistinguishedName;
  subjectPublicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  pathLen?: number;
  /** Leaf only: names from EKU_OIDS or dotted OIDs. */
  extKeyUsage?: readonly string[];
}

/** DER of an X.509 v3 TBSCertificate for any of our key types. */
export function buildTbsCertificate(t: TbsCertificateInput): Buffer {
  if (!(t.notAfter > t.notBefore)) throw new Error('notAfter must be after notBefore');
  if (t.serial.length === 0 || t.serial.length > 20 || (t.serial[0] & 0x80) !== 0) throw new Error('serial must be 1..20 bytes and positive');
  if (t.isCa && t.extKeyUsage?.length) throw new Error('extKeyUsage is for leaf certificates');
  const caBits = t.pathLen === undefined ? [bool(true)] : [bool(true), smallInt(t.pathLen)];
  // keyUsage bits: digitalSignature(0) nonRepudiation(1) keyCertSign(5) cRLSign(6); DER drops trailing zero bits.
  const keyUsage = t.isCa ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0xc0]), 6);
  const extensions = [
    extension('2.5.29.19', true, seq(t.isCa ? caBits : [])),
    extension('2.5.29.15', true, keyUsage),
    extension('2.5.29.14', false, octets(keyIdentifier(t.subjectPublicKey))),
    extension('2.5.29.35', false, seq([implicitOctets(0, t.authorityKeyId)])),
  ];
  if (t.extKeyUsage?.length) {
    const oids = t.extKeyUsage.map((name) => EKU_OIDS[name] ?? (/^\d+(\.\d+)+$/.test(name) ? name : undefined));
    if (oids.some((o) => o === undefined)) throw new Error(`unknown extKeyUsage in ${t.extKeyUsage.join(', ')}`);
    extensions.push(extension('2.5.29.37', false, seq(oids.map((o) => oid(o as string)))));
  }
  const tbs = seq([
    explicit(0, smallInt(2)), // v3
    integer(t.serial),
    algorithmIdentifier(CERT_SIGNATURE_ALGORITHMS[t.issuerKeyAlg]),
    t.issuerName,
    seq([encodeTime(t.notBefore), encodeTime(t.notAfter)]),
    encodeName(t.subject),
    fromDer(spkiDer(t.subjectPublicKey)), // SubjectPublicKeyInfo verbatim from Node
    explicit(3, seq(extensions)),
  ]);
  return toDer(tbs);
}
