import { KeyObject, X509Certificate } from 'node:crypto';
import { asRealSm2, keyAlgOf, KeyAlg } from '../gateway/crypto/keys';
import { fromPem, toPem } from './asn1';
import { decodeName, nameDer, readBasicConstraints, readCertificate, readKeyUsage, readSubjectKeyId } from './parse';

/** A certificate authority we hold the key of: issues certificates and CRLs. */
export interface CertificateAuthority {
  alg: KeyAlg;
  privateKey: KeyObject;
  certPem: string;
  cert: ParsedCertificate;
}

export interface ParsedCertificate {
  pem: string;
  der: Buffer;
  x509: X509Certificate;
  /** Decoded attributes, e.g. { C: 'CN', O: '江州市住房和城乡建设局', CN: '…' }. */
  subject: Record<string, string>;
  issuer: Record<string, string>;
  /** Node's one-per-line renderings. */
  subjectString: string;
  issuerString: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** null for keys outside our four (e.g. a P-384 CA in a foreign chain): chains still verify, we never sign with them. */
  keyAlg: KeyAlg | null;
  /** SHA-256 fingerprint, colon-separated upper-case hex as Node prints it. */
  fingerprint256: string;
  isCa: boolean;
  pathLen?: number;
  keyUsage: string[] | null;
  subjectKeyId: string | null;
  signatureAlgorithmOid: string;
  /** DER of the subject and issuer Names (for exact name chaining). */
  subjectNameDer: Buffer;
  issuerNameDer: Buffer;
}

/** Parse a certificate (PEM or DER) with Node's X509Certificate plus forge.asn1 for the fields Node lacks. */
export function parseCertificate(pemOrDer: string | Buffer): ParsedCertificate {
  const der = typeof pemOrDer === 'string' || !isDer(pemOrDer) ? fromPem(pemOrDer, 'CERTIFICATE') : pemOrDer;
  const x509 = new X509Certificate(der);
  const fields = readCertificate(der);
  const bc = readBasicConstraints(fields);
  const publicKey = asRealSm2(x509.publicKey);
  const ski = readSubjectKeyId(fields);
  const keyUsage = readKeyUsage(fields);
  return {
    pem: toPem(der, 'CERTIFICATE'),
    der,
    x509,
    subject: decodeName(fields.subjectName),
    issuer: decodeName(fields.issuerName),
    subjectString: x509.subject,
    issuerString: x509.issuer,
    serial: fields.serialHex,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    publicKey,
    keyAlg: supportedAlg(publicKey),
    fingerprint256: x509.fingerprint256,
    isCa: bc?.ca === true,
    ...(bc?.pathLen === undefined ? {} : { pathLen: bc.pathLen }),
    keyUsage: keyUsage ? [...keyUsage] : null,
    subjectKeyId: ski ? ski.toString('hex') : null,
    signatureAlgorithmOid: fields.signatureOid,
    subjectNameDer: nameDer(fields.subjectName),
    issuerNameDer: nameDer(fields.issuerName),
  };
}

const isDer = (b: Buffer): boolean => b.length > 0 && b[0] === 0x30;

function supportedAlg(key: KeyObject): KeyAlg | null {
  try {
    return keyAlgOf(key);
  } catch {
    return null;
  }
}
