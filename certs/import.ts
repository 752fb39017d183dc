import fs from 'node:fs';
import { KeyObject } from 'node:crypto';
import { keyAlgOf, KeyAlg, loadPrivateKey, spkiDer } from '../gateway/crypto/keys';
import { sign, sigAlgFor, verify } from '../gateway/crypto/sign';
import { splitPem } from './asn1';
import { parseCertificate, ParsedCertificate, verifyChain } from './ca';
import { ensurePrivateDir, layout, readIfExists, readTrustDir, replaceFile, writeNewFile } from './files';

/**
 * Bringing in a department's own certificate, issued by some other CA (e.g. a
 * provincial 电子认证服务机构), with its chain. It is accepted only if it is a
 * currently valid end-entity signing certificate that chains to a configured
 * trusted root; every refusal says why in one sentence.
 */
export class CertificateImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateImportError';
  }
}

interface ImportCheckOptions {
  /** The department certificate; further certificates in the same text are taken as its chain. */
  certPem: string;
  chainPems?: readonly string[];
  trustedRootPems: readonly string[];
  crlPems?: readonly string[];
  at?: Date;
  /** When given, it must be the certificate's key. */
  privateKey?: KeyObject | string;
  expectedAlg?: KeyAlg;
  /** Accept SM2 certificates signed with the legacy EMPTY distinguishing ID (default false). */
  acceptLegacySm2?: boolean;
}

interface ImportCheckResult {
  certificate: ParsedCertificate;
  /** Leaf first, trusted root last. */
  path: ParsedCertificate[];
  keyAlg: KeyAlg;
}

const who = (c: ParsedCertificate): string => `"${c.subject.CN ?? c.subjectString}"`;

/** Check a department certificate for import; throws CertificateImportError with the reason. */
export function checkDepartmentCertificate(opts: ImportCheckOptions): ImportCheckResult {
  const at = opts.at ?? new Date();
  const blocks = splitPem(opts.certPem);
  if (blocks.length === 0) throw new CertificateImportError('the department certificate is not a PEM "CERTIFICATE" block');
  const [leafPem, ...bundled] = blocks;
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(leafPem);
  } catch (err) {
    throw new CertificateImportError(`the department certificate cannot be read (unsupported key or malformed X.509): ${(err as Error).message}`);
  }
  const keyAlg = cert.keyAlg;
  if (!keyAlg) throw new CertificateImportError(`certificate ${who(cert)} has an unsupported key (need SM2, RSA ≥ 2048, ECDSA P-256 or Ed25519)`);
  if (opts.expectedAlg && keyAlg !== opts.expectedAlg) {
    throw new CertificateImportError(`certificate ${who(cert)} has a ${keyAlg} key, but the department is configured for ${opts.expectedAlg}`);
  }
  if (at < cert.notBefore) throw new CertificateImportError(`certificate ${who(cert)} is not valid yet: valid from ${cert.notBefore.toISOString()}`);
  if (at > cert.notAfter) throw new CertificateImportError(`certificate ${who(cert)} expired on ${cert.notAfter.toISOString()}`);
  if (cert.isCa) throw new CertificateImportError(`certificate ${who(cert)} is a CA certificate; a department signs with an end-entity certificate`);
  if (cert.keyUsage && !cert.keyUsage.includes('digitalSignature') && !cert.keyUsage.includes('nonRepudiation')) {
    throw new CertificateImportError(`certificate ${who(cert)} keyUsage (${cert.keyUsage.join(', ') || 'none'}) does not allow signing`);
  }
  if (opts.trustedRootPems.length === 0) throw new CertificateImportError('no trusted roots are configured: add the issuing root to the trust directory first');
  const chainPems = [...bundled, ...(opts.chainPems ?? []).flatMap((p) => splitPem(p))];
  const chain = verifyChain(leafPem, chainPems, opts.trustedRootPems, at, opts.crlPems, { acceptLegacySm2: opts.acceptLegacySm2 === true });
  if (!chain.ok || !chain.path) throw new CertificateImportError(`certificate ${who(cert)} is not trusted: ${chain.reason}`);
  if (opts.privateKey !== undefined) checkKeyMatches(cert, opts.privateKey);
  return { certificate: cert, path: chain.path, keyAlg };
}

function checkKeyMatches(cert: ParsedCertificate, privateKey: KeyObject | string): void {
  let key: KeyObject;
  try {
    key = typeof privateKey === 'string' ? loadPrivateKey(privateKey) : privateKey;
  } catch (err) {
    throw new CertificateImportError(`the private key cannot be read: ${(err as Error).message}`);
  }
  const alg = keyAlgOf(key);
  const probe = Buffer.from(`xgw key check ${Date.now()}`);
  const matches = spkiDer(key).equals(spkiDer(cert.publicKey)) && verify(sigAlgFor(alg), probe, sign(sigAlgFor(alg), probe, key), cert.publicKey);
  if (!matches) throw new CertificateImportError(`the private key does not belong to certificate ${who(cert)}`);
}

interface ImportOptions {
  /** The PKI directory (see certs/files.ts). */
  dir: string;
  code: string;
  certPem: string;
  chainPems?: readonly string[];
  /** The department's key, if it comes with the certificate; otherwise the key already in the PKI must match. */
  privateKeyPem?: string;
  /** Default: our root plus `<dir>/trust/*.pem`. */
  trustedRootPems?: readonly string[];
  crlPems?: readonly string[];
  now?: Date;
  /** Replace an existing certificate for the department (default false). */
  replace?: boolean;
  acceptLegacySm2?: boolean;
}

/** Check, then install `<code>.cert.pem` (+ `<code>.chain.pem`, + key 0600 if given) in the PKI directory. */
export function importDepartmentCertificate(opts: ImportOptions): ImportCheckResult & { files: string[] } {
  const paths = layout.department(opts.dir, opts.code);
  const rootPem = readIfExists(layout.root(opts.dir).cert);
  const trustedRootPems = opts.trustedRootPems ?? [...(rootPem ? [rootPem] : []), ...readTrustDir(opts.dir)];
  const existingKey = readIfExists(paths.key);
  if (opts.privateKeyPem && existingKey) {
    throw new CertificateImportError(`department ${opts.code} already has a key at ${paths.key}; import the certificate for that key, or move the key away first`);
  }
  const keyPem = opts.privateKeyPem ?? existingKey;
  if (!keyPem) throw new CertificateImportError(`department ${opts.code} has no private key: give the key together with the certificate`);
  const result = checkDepartmentCertificate({ ...opts, trustedRootPems, at: opts.now, privateKey: keyPem });
  if (fs.existsSync(paths.cert) && !opts.replace) {
    throw new CertificateImportError(`department ${opts.code} already has a certificate at ${paths.cert}; pass replace to swap it`);
  }
  ensurePrivateDir(layout.departmentsDir(opts.dir));
  const files: string[] = [];
  if (opts.privateKeyPem) {
    writeNewFile(paths.key, opts.privateKeyPem, 0o600);
    files.push(paths.key);
  }
  // Issuers without the leaf; the trust anchor is kept too so a Signer can hand out the full chain.
  const issuers = result.path.slice(1).map((c) => c.pem);
  replaceFile(paths.chain, issuers.join(''), 0o644);
  replaceFile(paths.cert, result.certificate.pem, 0o644);
  files.push(paths.chain, paths.cert);
  return { ...result, files };
}
