import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generateKeyPair, keyAlgOf, KeyAlg, loadPrivateKey, spkiDer } from '../gateway/crypto/keys';
import { Signer } from '../gateway/crypto/sign';
import { DistinguishedName, splitPem } from './asn1';
import { CertificateAuthority, createRootCa, issueCertificate, loadCertificateAuthority, parseCertificate, verifyChain } from './ca';
import { ensurePrivateDir, KeyCertPaths, layout, permissionWarning, readCertificates, readIfExists, readTrustDir, writeNewFile } from './files';

/**
 * The gateway's own PKI: one SM2 root CA, a log-signing certificate and one
 * signing certificate per department.
 *
 * One SM2 root for every leaf, whatever the leaf's algorithm (an RSA, ECDSA or
 * Ed25519 leaf is signed SM2-with-SM3 by the root; mixed chains are legal
 * X.509 and `openssl verify` accepts them). Why not a second, RSA root for RSA
 * departments: auditors must pin exactly one trust anchor for years, and the
 * national-algorithm requirement (GB/T 39786) is about that anchor; the leaf's
 * algorithm only decides how the *messages* are signed, which is the part
 * RSA-only partners verify (they can pin the leaf certificate). A second root
 * would double the anchors to protect, distribute and audit for no check the
 * SM2 root cannot do. `createRootCa({alg:'rsa'})` stays available if a
 * partner federation ever demands an RSA anchor.
 */
export interface DepartmentSpec {
  /** Becomes the file name: letters, digits, '-' and '_'. */
  code: string;
  /** Chinese name, e.g. 江州市住房和城乡建设局: the certificate's O and CN. */
  name: string;
  alg: KeyAlg;
}

interface InitPkiOptions {
  dir: string;
  departments: readonly DepartmentSpec[];
  logAlg?: KeyAlg;
  now?: Date;
  /** The root's subject; default C=CN, O=xgw 政务数据交换网关, CN=xgw Gateway Root CA. */
  rootSubject?: DistinguishedName;
  rootDays?: number;
  leafDays?: number;
  /** Accept existing SM2 certificates signed with the legacy EMPTY distinguishing ID (config trust.acceptLegacySm2Certificates). */
  acceptLegacySm2?: boolean;
}

interface PkiPaths {
  dir: string;
  root: KeyCertPaths;
  log: KeyCertPaths;
  departments: Record<string, KeyCertPaths>;
  /** Files written by this call (empty when everything existed already). */
  created: string[];
}

/** A department certificate's subject: its Chinese name as O and CN, its code as OU. */
export const departmentSubject = (code: string, name: string): DistinguishedName => ({ C: 'CN', O: name, OU: code, CN: name });

/** The log-signing certificate's subject under a root of organisation `org`. */
export const logSubject = (org: string): DistinguishedName => ({ C: 'CN', O: org, CN: 'xgw 交换日志签名 (log signing)' });

const DEFAULT_ROOT: DistinguishedName = { C: 'CN', O: 'xgw 政务数据交换网关', CN: 'xgw Gateway Root CA' };

/** Create what is missing, keep what exists (idempotent); throws rather than overwrite or mismatch. */
export function initPki(opts: InitPkiOptions): PkiPaths {
  const { dir } = opts;
  const now = opts.now ?? new Date();
  const codes = new Set<string>();
  for (const d of opts.departments) {
    if (codes.has(d.code)) throw new Error(`department code ${d.code} appears twice`);
    if (!d.name.trim()) throw new Error(`department ${d.code} has no name`);
    codes.add(d.code);
  }
  ensurePrivateDir(dir);
  for (const sub of ['ca', 'log', 'departments', 'station']) ensurePrivateDir(path.join(dir, sub));
  const created: string[] = [];
  const rootPaths = layout.root(dir);
  const ca = ensureRoot(rootPaths, opts.rootSubject ?? DEFAULT_ROOT, opts.rootDays ?? 7300, now, created);
  const org = ca.cert.subject.O ?? DEFAULT_ROOT.O;
  const previous = previousRootPems(dir);
  const roots = [ca.certPem, ...previous, ...readTrustDir(dir)];
  const leaf = (paths: KeyCertPaths, alg: KeyAlg, subject: DistinguishedName): KeyCertPaths =>
    ensureLeaf(paths, alg, subject, { ca, ownRoots: [ca.certPem, ...previous], roots, days: opts.leafDays ?? 825, now, created, acceptLegacySm2: opts.acceptLegacySm2 === true });
  const logPaths = leaf(layout.log(dir), opts.logAlg ?? 'sm2', logSubject(org as string));
  if (ensureLogNoteKey(dir).created) created.push(layout.logNoteKey(dir));
  // XMLDSig has no SM2 algorithm: stations that check XML signatures get RSA-SHA256 with this key.
  leaf(layout.packageSigning(dir), 'rsa', { C: 'CN', O: org as string, CN: 'xgw 交换包签名 (exchange-station package signing)' });
  const departments: Record<string, KeyCertPaths> = {};
  for (const d of opts.departments) {
    departments[d.code] = leaf(layout.department(dir, d.code), d.alg, departmentSubject(d.code, d.name));
  }
  return { dir, root: rootPaths, log: logPaths, departments, created };
}

/**
 * The log's Ed25519 note key (checkpoints as C2SP signed notes), made when missing. A
 * witness must know its public half before the gateway's first checkpoint, so a demo or
 * test may make it ahead of the rest of the PKI.
 */
export function ensureLogNoteKey(dir: string): { signer: Signer; created: boolean } {
  const file = layout.logNoteKey(dir);
  let pem = readIfExists(file);
  const created = !pem;
  if (!pem) {
    ensurePrivateDir(dir);
    ensurePrivateDir(path.dirname(file));
    pem = generateKeyPair('ed25519').privatePem;
    writeNewFile(file, pem, 0o600);
  }
  return { signer: Signer.fromPem(pem, [], 'Ed25519'), created };
}

function ensureRoot(paths: KeyCertPaths, subject: DistinguishedName, days: number, now: Date, created: string[]): CertificateAuthority {
  const keyPem = readIfExists(paths.key);
  const certPem = readIfExists(paths.cert);
  if (keyPem && certPem) return loadCertificateAuthority(certPem, keyPem);
  if (!keyPem && certPem) throw new Error(`${paths.cert} exists but its key ${paths.key} is missing; restore the key or move the certificate away`);
  const ca = createRootCa({ alg: 'sm2', subject, days, now, privateKey: keyPem ? loadPrivateKey(keyPem) : undefined });
  if (ca.privatePem) {
    writeNewFile(paths.key, ca.privatePem, 0o600);
    created.push(paths.key);
  }
  writeNewFile(paths.cert, ca.certPem, 0o644);
  created.push(paths.cert);
  return ca;
}

interface LeafContext {
  ca: CertificateAuthority;
  /** Our root, then the roots it replaced (a leaf issued before a root renewal chains to one of them). */
  ownRoots: string[];
  roots: string[];
  days: number;
  now: Date;
  created: string[];
  acceptLegacySm2: boolean;
}

function ensureLeaf(paths: KeyCertPaths, alg: KeyAlg, subject: DistinguishedName, ctx: LeafContext): KeyCertPaths {
  const { ca, days, now, created } = ctx;
  let keyPem = readIfExists(paths.key);
  const certPem = readIfExists(paths.cert);
  if (!keyPem && certPem) throw new Error(`${paths.cert} exists but its key ${paths.key} is missing; restore the key or move the certificate away`);
  if (!keyPem) {
    keyPem = generateKeyPair(alg).privatePem;
    writeNewFile(paths.key, keyPem, 0o600);
    created.push(paths.key);
  }
  const privateKey = loadPrivateKey(keyPem);
  const have = keyAlgOf(privateKey);
  if (have !== alg) throw new Error(`${paths.key} holds a ${have} key but ${alg} was asked for; move it away to re-key`);
  if (certPem) {
    const chain = splitPem(readIfExists(paths.chain) ?? '');
    const check = verifyChain(certPem, chain.length ? chain : ctx.ownRoots, ctx.roots, now, [], { acceptLegacySm2: ctx.acceptLegacySm2 });
    if (!check.ok) throw new Error(`${paths.cert} is not valid under the configured roots (${check.reason}); move it away to re-issue`);
    if (!spkiDer(parseCertificate(certPem).publicKey).equals(spkiDer(privateKey))) throw new Error(`${paths.cert} does not belong to the key ${paths.key}`);
    return paths;
  }
  const cert = issueCertificate({ ca, subjectPublicKey: privateKey, subject, days, now });
  writeNewFile(paths.cert, cert.pem, 0o644);
  created.push(paths.cert);
  return paths;
}

/** Loaded PKI: KeyObjects parsed once, held by one Signer per identity. Keep it for the process lifetime. */
export interface Pki {
  dir: string;
  rootCertPem: string;
  /** The roots ours replaced (xgw certs renew-root), newest first: still trust anchors for what they issued. */
  previousRootPems: string[];
  /** Our root first, then the roots it replaced, then `<dir>/trust/*.pem`. */
  trustedRootPems: string[];
  log: Signer;
  /** The log's Ed25519 note key (checkpoints as C2SP signed notes); null in a PKI made before it existed. */
  logNote: Signer | null;
  /** The RSA key and certificate signing exchange-station packages (XMLDSig); null in a PKI made before it existed. */
  packageSigning: { privateKeyPem: string; certPem: string } | null;
  departments: ReadonlyMap<string, Signer>;
  /** Non-fatal findings: loose file modes, certificates not valid now. */
  warnings: string[];
  department(code: string): Signer;
}

export function loadPki(dir: string, now: Date = new Date(), options: { acceptLegacySm2?: boolean } = {}): Pki {
  const rootCertPem = readIfExists(layout.root(dir).cert);
  if (!rootCertPem) throw new Error(`no PKI at ${dir}: ${layout.root(dir).cert} is missing (run initPki first)`);
  const previous = previousRootPems(dir);
  const ownRoots = [rootCertPem, ...previous];
  const trustedRootPems = [...ownRoots, ...readTrustDir(dir)];
  const warnings: string[] = [];
  for (const d of [dir, path.join(dir, 'ca'), path.join(dir, 'log'), layout.departmentsDir(dir)]) {
    const w = fs.existsSync(d) ? permissionWarning(d) : null;
    if (w) warnings.push(w);
  }
  const load = (paths: KeyCertPaths, label: string): Signer => {
    const keyPem = readIfExists(paths.key);
    const certPem = readIfExists(paths.cert);
    if (!keyPem || !certPem) throw new Error(`${label}: ${!keyPem ? paths.key : paths.cert} is missing`);
    const w = permissionWarning(paths.key);
    if (w) warnings.push(w);
    const chain = readIfExists(paths.chain);
    const issuers = chain ? splitPem(chain) : [ownIssuer(certPem, ownRoots)];
    const check = verifyChain(certPem, issuers, trustedRootPems, now, [], options);
    if (!check.ok) warnings.push(`${label}: ${check.reason}`);
    return Signer.fromPem(keyPem, [certPem, ...issuers]);
  };
  const log = load(layout.log(dir), 'log');
  const noteKeyPem = readIfExists(layout.logNoteKey(dir));
  const logNote = noteKeyPem ? Signer.fromPem(noteKeyPem, [], 'Ed25519') : null;
  if (noteKeyPem) {
    const w = permissionWarning(layout.logNoteKey(dir));
    if (w) warnings.push(w);
  }
  const packagePaths = layout.packageSigning(dir);
  const packageKeyPem = readIfExists(packagePaths.key);
  const packageCertPem = readIfExists(packagePaths.cert);
  if (packageKeyPem) {
    const w = permissionWarning(packagePaths.key);
    if (w) warnings.push(w);
  }
  const departments = new Map<string, Signer>();
  const depDir = layout.departmentsDir(dir);
  const files = fs.existsSync(depDir) ? fs.readdirSync(depDir).filter((f) => f.endsWith('.key.pem')).sort() : [];
  for (const f of files) {
    const code = f.slice(0, -'.key.pem'.length);
    departments.set(code, load(layout.department(dir, code), `department ${code}`));
  }
  return {
    dir,
    rootCertPem,
    previousRootPems: previous,
    trustedRootPems,
    log,
    logNote,
    packageSigning: packageKeyPem && packageCertPem ? { privateKeyPem: packageKeyPem, certPem: packageCertPem } : null,
    departments,
    warnings,
    department(code: string): Signer {
      const signer = departments.get(code);
      if (!signer) throw new Error(`no signing key for department ${code}`);
      return signer;
    },
  };
}

/** The roots a renewal replaced (`<dir>/ca/superseded`), newest first. */
export function previousRootPems(dir: string): string[] {
  return readCertificates(layout.supersededRootsDir(dir)).sort((a, b) => parseCertificate(b).notBefore.getTime() - parseCertificate(a).notBefore.getTime());
}

/** Which of our roots (current, then previous) issued `certPem` by name and key identifier; the current one when none did. */
export function ownIssuer(certPem: string, ownRoots: readonly string[]): string {
  const x = new X509Certificate(certPem);
  return ownRoots.find((r) => x.checkIssued(new X509Certificate(r))) ?? ownRoots[0]!;
}
