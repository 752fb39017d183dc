import forge from 'node-forge';
import { X509Certificate } from 'node:crypto';
import { asRealSm2, keyAlgOf } from '../gateway/crypto/keys';
import { checkSignature, passes, SigAlg, type SignatureCheck } from '../gateway/crypto/sign';
import type { CertificateAuthority } from './certificate';
import {
  algorithmIdentifier,
  Asn1,
  buf,
  CERT_SIGNATURE_ALGORITHMS,
  encodeTime,
  enumerated,
  explicit,
  extension,
  fromDer,
  fromPem,
  implicitOctets,
  integer,
  keyIdentifier,
  seq,
  signAndAssemble,
  smallInt,
  toDer,
  toPem,
} from './asn1';
import { decodeName, decodeTime, nameDer, normalizeSerial, rawChildren, readCertificate, readSubjectKeyId } from './parse';

/** X.509 v2 CRLs (RFC 5280 §5): built with forge.asn1, signed and verified by gateway/crypto/sign (SM2 with the GM/T 0009 default ID). */
const { asn1 } = forge;

const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  '(unused 7)',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type CrlReason = Exclude<(typeof CRL_REASONS)[number], '(unused 7)'>;

interface RevokedEntry {
  /** Hex serial (any case, leading zeros ignored) or its bytes. */
  serial: string | Buffer;
  revokedAt: Date;
  reason?: CrlReason;
}

interface CrlOptions {
  ca: CertificateAuthority;
  revoked: readonly RevokedEntry[];
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number | bigint;
}

/** Positive INTEGER content octets for a bigint or hex serial. */
function positiveInt(value: bigint | string | Buffer): Buffer {
  let hex = Buffer.isBuffer(value) ? value.toString('hex') : typeof value === 'bigint' ? value.toString(16) : value;
  hex = normalizeSerial(hex);
  if (!/^[0-9a-f]+$/.test(hex)) throw new Error(`not a hex serial: ${String(value)}`);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

export function createCrl(opts: CrlOptions): { der: Buffer; pem: string } {
  if (!(opts.nextUpdate > opts.thisUpdate)) throw new Error('nextUpdate must be after thisUpdate');
  if (BigInt(opts.crlNumber) < 0n) throw new Error('crlNumber must not be negative');
  const caFields = readCertificate(opts.ca.cert.der);
  const keyId = readSubjectKeyId(caFields) ?? keyIdentifier(opts.ca.cert.publicKey);
  const entries: Asn1[] = opts.revoked.map((r) => {
    const reasonCode = r.reason ? CRL_REASONS.indexOf(r.reason) : 0;
    const parts = [integer(positiveInt(r.serial)), encodeTime(r.revokedAt)];
    // RFC 5280 5.3.1: reasonCode "unspecified" SHOULD be absent.
    if (reasonCode > 0) parts.push(seq([extension('2.5.29.21', false, enumerated(reasonCode))]));
    return seq(parts);
  });
  const tbs = seq([
    smallInt(1), // v2
    algorithmIdentifier(CERT_SIGNATURE_ALGORITHMS[opts.ca.alg]),
    caFields.subjectName,
    encodeTime(opts.thisUpdate),
    encodeTime(opts.nextUpdate),
    ...(entries.length ? [seq(entries)] : []),
    explicit(
      0,
      seq([
        extension('2.5.29.35', false, seq([implicitOctets(0, keyId)])),
        extension('2.5.29.20', false, integer(positiveInt(BigInt(opts.crlNumber)))),
      ]),
    ),
  ]);
  const der = signAndAssemble(toDer(tbs), opts.ca.privateKey);
  return { der, pem: toPem(der, 'X509 CRL') };
}

export interface ParsedCrl {
  der: Buffer;
  issuer: Record<string, string>;
  issuerNameDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  crlNumber: bigint | null;
  revoked: { serial: string; revokedAt: Date; reason?: CrlReason }[];
  signatureAlgorithmOid: string;
  /** The exact signed bytes and the signature. */
  tbsDer: Buffer;
  signature: Buffer;
}

const kids = (a: Asn1): Asn1[] => {
  if (!Array.isArray(a.value)) throw new Error('malformed CRL');
  return a.value;
};
const isTime = (a: Asn1 | undefined): a is Asn1 => !!a && (a.type === asn1.Type.UTCTIME || a.type === asn1.Type.GENERALIZEDTIME) && a.tagClass === asn1.Class.UNIVERSAL;

/** The fields of a CRL (PEM or DER). Does not check the signature: see verifyCrlSignature. */
export function parseCrl(pemOrDer: string | Buffer): ParsedCrl {
  const der = typeof pemOrDer === 'string' || pemOrDer[0] !== 0x30 ? fromPem(pemOrDer, 'X509 CRL') : pemOrDer;
  const [tbsDer] = rawChildren(der);
  const [tbs, sigAlg, sig] = kids(fromDer(der));
  const f = kids(tbs);
  let i = f[0].type === asn1.Type.INTEGER && f[0].tagClass === asn1.Class.UNIVERSAL ? 1 : 0;
  const innerAlgOid = asn1.derToOid(kids(f[i++])[0].value as string);
  const signatureAlgorithmOid = asn1.derToOid(kids(sigAlg)[0].value as string);
  if (innerAlgOid !== signatureAlgorithmOid) throw new Error('malformed CRL: inner and outer signature algorithms differ');
  const issuerName = f[i++];
  const thisUpdate = decodeTime(f[i++]);
  const nextUpdate = isTime(f[i]) ? decodeTime(f[i++]) : null;
  const revoked: ParsedCrl['revoked'] = [];
  if (f[i] && f[i].tagClass === asn1.Class.UNIVERSAL && f[i].type === asn1.Type.SEQUENCE) {
    for (const entry of kids(f[i++])) {
      const [serial, when, exts] = kids(entry);
      const item: ParsedCrl['revoked'][number] = { serial: normalizeSerial(buf(serial.value as string).toString('hex')), revokedAt: decodeTime(when) };
      for (const ext of exts ? kids(exts) : []) {
        const parts = kids(ext);
        if (asn1.derToOid(parts[0].value as string) === '2.5.29.21') {
          const code = (fromDer(buf(parts[parts.length - 1].value as string)).value as string).charCodeAt(0);
          const reason = CRL_REASONS[code];
          if (reason && reason !== '(unused 7)') item.reason = reason;
        }
      }
      revoked.push(item);
    }
  }
  let crlNumber: bigint | null = null;
  const extWrapper = f[i];
  if (extWrapper && extWrapper.tagClass === asn1.Class.CONTEXT_SPECIFIC && extWrapper.type === 0) {
    for (const ext of kids(kids(extWrapper)[0])) {
      const parts = kids(ext);
      if (asn1.derToOid(parts[0].value as string) === '2.5.29.20') {
        const hex = buf(fromDer(buf(parts[parts.length - 1].value as string)).value as string).toString('hex');
        crlNumber = BigInt(`0x${hex || '0'}`);
      }
    }
  }
  const sigBits = buf(sig.value as string);
  if (sigBits[0] !== 0) throw new Error('malformed CRL signature BIT STRING');
  return {
    der,
    issuer: decodeName(issuerName),
    issuerNameDer: nameDer(issuerName),
    thisUpdate,
    nextUpdate,
    crlNumber,
    revoked,
    signatureAlgorithmOid,
    tbsDer,
    signature: sigBits.subarray(1),
  };
}

const SIG_ALG_BY_OID = new Map<string, SigAlg>(Object.values(CERT_SIGNATURE_ALGORITHMS).map((a) => [a.oid, a.sigAlg]));

/** How `crl`'s issuer name and signature check against `issuer` (legacy: an SM2 signature with the empty ID). Never throws. */
export function checkCrlSignature(crl: ParsedCrl, issuer: X509Certificate): SignatureCheck {
  try {
    const issuerFields = readCertificate(issuer.raw);
    if (!nameDer(issuerFields.subjectName).equals(crl.issuerNameDer)) return 'invalid';
    const sigAlg = SIG_ALG_BY_OID.get(crl.signatureAlgorithmOid);
    const key = asRealSm2(issuer.publicKey);
    if (!sigAlg || CERT_SIGNATURE_ALGORITHMS[keyAlgOf(key)].sigAlg !== sigAlg) return 'invalid';
    return checkSignature(sigAlg, crl.tbsDer, crl.signature, key);
  } catch {
    return 'invalid';
  }
}

/** True if `crl` was issued (name) and signed (key) by `issuer`; a legacy empty-ID SM2 signature only if accepted. Never throws. */
export const verifyCrlSignature = (crl: ParsedCrl, issuer: X509Certificate, acceptLegacySm2 = false): boolean => passes(checkCrlSignature(crl, issuer), acceptLegacySm2);
