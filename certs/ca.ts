import { KeyObject } from 'node:crypto';
import { asRealSm2, generateKeyPair, keyAlgOf, KeyAlg, loadPrivateKey, publicKeyOf, spkiDer } from '../gateway/crypto/keys';
import { buildTbsCertificate, DistinguishedName, encodeName, keyIdentifier, randomSerial, signAndAssemble, toPem } from './asn1';
import { parseCertificate, type CertificateAuthority } from './certificate';
import { readCertificate, readSubjectKeyId } from './parse';

export { parseCertificate } from './certificate';
export type { CertificateAuthority, ParsedCertificate } from './certificate';

export { createCrl, parseCrl, verifyCrlSignature } from './crl';
export { verifyChain } from './chain';

interface IssuedCertificate {
  pem: string;
  der: Buffer;
  /** Lowercase hex, no leading zeros (as in CRLs and parseCertificate). */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

const DAY_MS = 86_400_000;

interface RootCaOptions {
  alg?: KeyAlg;
  subject: DistinguishedName;
  days?: number;
  now?: Date;
  /** Reuse an existing key (e.g. re-creating a lost root certificate); default: a new key pair. */
  privateKey?: KeyObject;
  pathLen?: number;
}

/** A self-signed root CA (default SM2, 20 years); `privatePem` is set when the key is new. */
export function createRootCa(opts: RootCaOptions): CertificateAuthority & { privatePem?: string } {
  const now = opts.now ?? new Date();
  const fresh = opts.privateKey ? null : generateKeyPair(opts.alg ?? 'sm2');
  const privateKey = asRealSm2(opts.privateKey ?? fresh!.privateKey);
  const alg = keyAlgOf(privateKey);
  if (opts.alg && opts.alg !== alg) throw new Error(`root CA key is ${alg}, not ${opts.alg}`);
  const publicKey = publicKeyOf(privateKey);
  const keyId = keyIdentifier(publicKey);
  const tbs = buildTbsCertificate({
    serial: randomSerial(),
    issuerName: encodeName(opts.subject),
    issuerKeyAlg: alg,
    authorityKeyId: keyId,
    subject: opts.subject,
    subjectPublicKey: publicKey,
    notBefore: now,
    notAfter: new Date(now.getTime() + (opts.days ?? 7300) * DAY_MS),
    isCa: true,
    pathLen: opts.pathLen,
  });
  const certPem = toPem(signAndAssemble(tbs, privateKey), 'CERTIFICATE');
  const ca = { alg, privateKey, certPem, cert: parseCertificate(certPem) };
  return fresh ? { ...ca, privatePem: fresh.privatePem } : ca;
}

/** A CA from its certificate and private key (checked to belong together and to be a CA). */
export function loadCertificateAuthority(certPem: string, privateKey: KeyObject | string): CertificateAuthority {
  const key = typeof privateKey === 'string' ? loadPrivateKey(privateKey) : asRealSm2(privateKey);
  const cert = parseCertificate(certPem);
  if (!spkiDer(cert.publicKey).equals(spkiDer(key))) throw new Error('CA private key does not match the CA certificate');
  if (!cert.isCa) throw new Error(`certificate ${cert.subject.CN ?? cert.subjectString} is not a CA (basicConstraints)`);
  if (cert.keyUsage && !cert.keyUsage.includes('keyCertSign')) throw new Error('CA certificate keyUsage lacks keyCertSign');
  return { alg: keyAlgOf(key), privateKey: key, certPem: cert.pem, cert };
}

interface IssueOptions {
  ca: CertificateAuthority;
  subjectPublicKey: KeyObject;
  subject: DistinguishedName;
  days?: number;
  now?: Date;
  isCa?: boolean;
  pathLen?: number;
  /** Leaf only, names such as 'documentSigning', 'clientAuth' or dotted OIDs. */
  extKeyUsage?: readonly string[];
}

/**
 * A certificate signed by `ca` (RSA issuers sign PKCS#1 v1.5 with SHA-256).
 * The validity never outlasts the CA certificate: notAfter is clamped to it.
 */
export function issueCertificate(opts: IssueOptions): IssuedCertificate {
  const { ca } = opts;
  if (!ca.cert.isCa) throw new Error('the issuing certificate is not a CA');
  const now = opts.now ?? new Date();
  const wanted = new Date(now.getTime() + (opts.days ?? 825) * DAY_MS);
  const notAfter = wanted > ca.cert.notAfter ? ca.cert.notAfter : wanted;
  const subjectPublicKey = asRealSm2(publicKeyOf(opts.subjectPublicKey));
  keyAlgOf(subjectPublicKey);
  const caFields = readCertificate(ca.cert.der);
  const tbs = buildTbsCertificate({
    serial: randomSerial(),
    issuerName: caFields.subjectName,
    issuerKeyAlg: ca.alg,
    authorityKeyId: readSubjectKeyId(caFields) ?? keyIdentifier(ca.cert.publicKey),
    subject: opts.subject,
    subjectPublicKey,
    notBefore: now,
    notAfter,
    isCa: opts.isCa ?? false,
    pathLen: opts.pathLen,
    extKeyUsage: opts.extKeyUsage,
  });
  const der = signAndAssemble(tbs, ca.privateKey);
  const cert = parseCertificate(der);
  return { pem: cert.pem, der, serial: cert.serial, notBefore: cert.notBefore, notAfter: cert.notAfter };
}
