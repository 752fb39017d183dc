import path from 'node:path';
import { generateKeyPair, KeyAlg } from '../gateway/crypto/keys';
import type { DistinguishedName } from './asn1';
import { createRootCa, issueCertificate, loadCertificateAuthority, parseCertificate, type CertificateAuthority } from './ca';
import { logSubject } from './pki';
import { ensurePrivateDir, layout, readIfExists, replaceFile, writeNewFile, type KeyCertPaths } from './files';

/**
 * Renewal of the gateway's own keys in the PKI directory: the log-signing key (checkpoints,
 * receipts, batch signatures, webhook signatures) and the root CA. Like a department's
 * rotation (rotate.ts): the new pair takes the place of the current one, the previous key
 * and certificate move to a `superseded/` directory under their serial and are kept (what
 * they signed stays verifiable from the database and the evidence bundles). A previous
 * root stays a trust anchor (loadPki reads `ca/superseded/`): the certificates it issued
 * keep chaining to it until they are renewed or rotated.
 */
interface RenewLogOptions {
  dir: string;
  alg: KeyAlg;
  now: Date;
  days?: number;
}

interface Renewed {
  certPem: string;
  /** The certificate it replaces. */
  previousCertPem: string;
}

function currentCa(dir: string): CertificateAuthority {
  const root = layout.root(dir);
  const key = readIfExists(root.key);
  const cert = readIfExists(root.cert);
  if (!key || !cert) throw new Error(`no root CA key at ${root.key}: this gateway cannot issue certificates`);
  return loadCertificateAuthority(cert, key);
}

/** Moves the current key and certificate of `paths` aside to `old` (new files; the current ones stay until replaced). */
function keepAside(paths: KeyCertPaths, old: KeyCertPaths): { keyPem: string; certPem: string } {
  const keyPem = readIfExists(paths.key);
  const certPem = readIfExists(paths.cert);
  if (!keyPem || !certPem) throw new Error(`${!keyPem ? paths.key : paths.cert} is missing: nothing to renew`);
  ensurePrivateDir(path.dirname(old.key));
  writeNewFile(old.key, keyPem, 0o600);
  writeNewFile(old.cert, certPem, 0o644);
  return { keyPem, certPem };
}

/** Puts a new key and certificate in place (key first: a load in between sees a mismatch and refuses that load). */
function install(paths: KeyCertPaths, keyPem: string, certPem: string): void {
  replaceFile(paths.key, keyPem, 0o600);
  replaceFile(paths.cert, certPem, 0o644);
}

/** A new log-signing key and certificate from the current root, in place of the current pair (kept under log/superseded/). */
export function renewLogKey(opts: RenewLogOptions): Renewed {
  const { dir, now } = opts;
  const ca = currentCa(dir);
  const paths = layout.log(dir);
  const previous = readIfExists(paths.cert);
  if (!previous) throw new Error(`${paths.cert} is missing: nothing to renew (xgw certs init makes it)`);
  const key = generateKeyPair(opts.alg);
  const cert = issueCertificate({ ca, subjectPublicKey: key.privateKey, subject: logSubject(String(ca.cert.subject.O ?? 'xgw')), days: opts.days ?? 825, now });
  keepAside(paths, layout.supersededLog(dir, parseCertificate(previous).serial));
  install(paths, key.privatePem, cert.pem);
  return { certPem: cert.pem, previousCertPem: previous };
}

interface RenewRootOptions {
  dir: string;
  now: Date;
  days?: number;
}

interface RenewedRoot extends Renewed {
  /** The new root's key and name certified by the previous root: a verifier that pins the previous root reaches the new one through it. */
  crossPem: string;
}

/**
 * The next generation's subject: the same organisation, the common name with a generation
 * suffix (" G2", " G3", …), so a path builder never confuses the two roots by name.
 */
export function nextRootSubject(subject: Record<string, unknown>): DistinguishedName {
  const cn = String(subject.CN ?? 'xgw Gateway Root CA');
  const m = / G(\d+)$/.exec(cn);
  const next = m ? `${cn.slice(0, -m[0].length)} G${Number(m[1]) + 1}` : `${cn} G2`;
  return { C: String(subject.C ?? 'CN'), O: String(subject.O ?? 'xgw 政务数据交换网关'), CN: next };
}

/**
 * A new SM2 root CA in place of the current one, and a cross certificate (the new root's key
 * and name, issued by the previous root). The previous root's key and certificate move to
 * ca/superseded/ and stay a trust anchor; certificates it issued keep verifying.
 */
export function renewRootCa(opts: RenewRootOptions): RenewedRoot {
  const { dir, now } = opts;
  const old = currentCa(dir);
  const fresh = createRootCa({ alg: 'sm2', subject: nextRootSubject(old.cert.subject), days: opts.days ?? 7300, now });
  const cross = issueCertificate({ ca: old, subjectPublicKey: fresh.privateKey, subject: nextRootSubject(old.cert.subject), days: opts.days ?? 7300, now, isCa: true });
  const crossFile = layout.rootCross(dir, fresh.cert.serial);
  ensurePrivateDir(path.dirname(crossFile));
  writeNewFile(crossFile, cross.pem, 0o644);
  keepAside(layout.root(dir), layout.supersededRoot(dir, old.cert.serial));
  install(layout.root(dir), fresh.privatePem!, fresh.certPem);
  return { certPem: fresh.certPem, previousCertPem: old.certPem, crossPem: cross.pem };
}
