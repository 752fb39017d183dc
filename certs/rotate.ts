import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair, KeyAlg } from '../gateway/crypto/keys';
import { issueCertificate, loadCertificateAuthority, parseCertificate } from './ca';
import { departmentSubject } from './pki';
import { ensurePrivateDir, layout, readIfExists, replaceFile, writeNewFile } from './files';

interface RotateOptions {
  dir: string;
  code: string;
  /** Chinese name: the new certificate's O and CN (as initPki issues them). */
  name: string;
  alg: KeyAlg;
  now: Date;
  days?: number;
}

interface Rotated {
  certPem: string;
  /** The certificate it replaces (null when the department had none). */
  previousCertPem: string | null;
}

/**
 * A department's key rotation in the PKI directory: a new key pair and a certificate
 * from our root, put in place of the current pair; the previous key and certificate
 * move to departments/superseded/ under their serial (kept: signatures made with them
 * stay verifiable from the database and the evidence bundles, and nothing loads them
 * again). A department whose certificate came from another CA (a chain file: `xgw certs
 * import`) is refused: its successor must come from that CA.
 *
 * The files are replaced one at a time (rename): a process loading the PKI between the
 * two renames sees a key that does not match its certificate and refuses that load
 * (loadPki); the reload that follows the registry change sees both.
 */
export function rotateDepartmentKey(opts: RotateOptions): Rotated {
  const { dir, code, now } = opts;
  const paths = layout.department(dir, code);
  const foreign = foreignIssuer(dir, code);
  if (foreign) throw new Error(foreign);
  const rootPaths = layout.root(dir);
  const rootKey = readIfExists(rootPaths.key);
  const rootCert = readIfExists(rootPaths.cert);
  if (!rootKey || !rootCert) throw new Error(`no root CA key at ${rootPaths.key}: this gateway cannot issue certificates`);
  const ca = loadCertificateAuthority(rootCert, rootKey);
  const key = generateKeyPair(opts.alg);
  const cert = issueCertificate({ ca, subjectPublicKey: key.privateKey, subject: departmentSubject(code, opts.name), days: opts.days ?? 825, now });
  const previousCertPem = readIfExists(paths.cert);
  const previousKeyPem = readIfExists(paths.key);
  if (previousCertPem) {
    const old = layout.superseded(dir, code, parseCertificate(previousCertPem).serial);
    ensurePrivateDir(path.dirname(old.key));
    if (previousKeyPem) writeNewFile(old.key, previousKeyPem, 0o600);
    writeNewFile(old.cert, previousCertPem, 0o644);
  }
  ensurePrivateDir(path.dirname(paths.key));
  replaceFile(paths.key, key.privatePem, 0o600);
  replaceFile(paths.cert, cert.pem, 0o644);
  return { certPem: cert.pem, previousCertPem };
}

/** Why a department's key cannot be rotated here: its certificate came from another CA (a chain file); null when it can. */
export function foreignIssuer(dir: string, code: string): string | null {
  const chain = layout.department(dir, code).chain;
  return fs.existsSync(chain) ? `the certificate of ${code} was issued by another CA (${chain}); import its successor with xgw certs import --replace` : null;
}
