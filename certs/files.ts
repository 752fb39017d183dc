import fs from 'node:fs';
import path from 'node:path';
import { splitPem } from './asn1';

/**
 * The PKI directory layout and careful file writing (keys 0600, directories
 * 0700, certificates 0644; never a half-written or silently replaced file).
 *
 *   <dir>/ca/root.key.pem  root.cert.pem
 *   <dir>/ca/superseded/root.<serial>.key.pem  .cert.pem  (renewed away: still a trust anchor for what it issued)
 *   <dir>/ca/cross/root.<serial>.cert.pem  (the new root's key certified by the root it replaced)
 *   <dir>/log/log.key.pem  log.cert.pem  note.key.pem (Ed25519: checkpoints as C2SP signed notes)
 *   <dir>/log/superseded/log.<serial>.key.pem  .cert.pem  (renewed away: kept, never loaded)
 *   <dir>/departments/<code>.key.pem  <code>.cert.pem  [<code>.chain.pem]
 *   <dir>/departments/superseded/<code>.<serial>.key.pem  .cert.pem  (rotated away: kept, never loaded)
 *   <dir>/registry.json  which registry (database) this PKI belongs to
 *   <dir>/station/package.key.pem  package.cert.pem (RSA: the XMLDSig on exchange-station packages)
 *   <dir>/trust/*.pem      further trusted roots (for imported department certificates)
 */
export interface KeyCertPaths {
  key: string;
  cert: string;
  /** Issuer certificates for an imported certificate (absent: our root). */
  chain: string;
}

export const layout = {
  root: (dir: string): KeyCertPaths => pair(path.join(dir, 'ca'), 'root'),
  log: (dir: string): KeyCertPaths => pair(path.join(dir, 'log'), 'log'),
  /** Where a root renewal moves the previous root's key and certificate (serial-named; the certificate stays a trust anchor). */
  supersededRoot: (dir: string, serial: string): KeyCertPaths => pair(path.join(dir, 'ca', 'superseded'), `root.${checkCode(serial)}`),
  supersededRootsDir: (dir: string): string => path.join(dir, 'ca', 'superseded'),
  /** The cross certificate a root renewal makes: the new root's key and name, issued by the previous root. */
  rootCross: (dir: string, serial: string): string => path.join(dir, 'ca', 'cross', `root.${checkCode(serial)}.cert.pem`),
  rootCrossDir: (dir: string): string => path.join(dir, 'ca', 'cross'),
  /** Where a log renewal moves the previous log key and certificate (serial-named, never loaded). */
  supersededLog: (dir: string, serial: string): KeyCertPaths => pair(path.join(dir, 'log', 'superseded'), `log.${checkCode(serial)}`),
  /** The log's Ed25519 note key (no certificate: its vkey is published with the checkpoints). */
  logNoteKey: (dir: string): string => path.join(dir, 'log', 'note.key.pem'),
  department: (dir: string, code: string): KeyCertPaths => pair(path.join(dir, 'departments'), checkCode(code)),
  departmentsDir: (dir: string): string => path.join(dir, 'departments'),
  /** Where a rotation moves a department's previous key and certificate (serial-named, never loaded). */
  superseded: (dir: string, code: string, serial: string): KeyCertPaths => pair(path.join(dir, 'departments', 'superseded'), `${checkCode(code)}.${serial}`),
  /** The registry this PKI belongs to (gateway/trust/binding.ts). */
  registryMarker: (dir: string): string => path.join(dir, 'registry.json'),
  /** The gateway's RSA key for the enveloped XML signature on exchange-station packages (XMLDSig has no SM2). */
  packageSigning: (dir: string): KeyCertPaths => pair(path.join(dir, 'station'), 'package'),
  trustDir: (dir: string): string => path.join(dir, 'trust'),
};

const pair = (d: string, base: string): KeyCertPaths => ({
  key: path.join(d, `${base}.key.pem`),
  cert: path.join(d, `${base}.cert.pem`),
  chain: path.join(d, `${base}.chain.pem`),
});

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Department codes become file names: letters, digits, '-' and '_' only. */
function checkCode(code: string): string {
  if (!CODE.test(code)) throw new Error(`department code ${JSON.stringify(code)} must match ${CODE}`);
  return code;
}

/** Create `dir` (and parents) and force it to 0700. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/**
 * Write a file that must not exist yet, atomically: temp file with `mode`,
 * then link (fails if the name exists), so a crash never leaves a partial key.
 */
export function writeNewFile(file: string, content: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.chmodSync(tmp, mode); // in case the umask took bits away from what we asked for
    fs.linkSync(tmp, file);
  } finally {
    fs.unlinkSync(tmp);
  }
}

/** Replace (or create) a file atomically with rename. */
export function replaceFile(file: string, content: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, content, { mode, flag: 'wx' });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

export const readIfExists = (file: string): string | null => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null);

/** Certificates in `<dir>/trust/*.pem`, each file may hold several. */
export function readTrustDir(dir: string): string[] {
  const trust = layout.trustDir(dir);
  if (!fs.existsSync(trust)) return [];
  return fs
    .readdirSync(trust)
    .filter((f) => f.endsWith('.pem'))
    .sort()
    .flatMap((f) => splitPem(fs.readFileSync(path.join(trust, f), 'utf8')));
}

/** The certificates (PEM) in `sub` whose names end in .cert.pem, sorted by name; none when it does not exist. */
export function readCertificates(sub: string): string[] {
  if (!fs.existsSync(sub)) return [];
  return fs
    .readdirSync(sub)
    .filter((f) => f.endsWith('.cert.pem'))
    .sort()
    .map((f) => fs.readFileSync(path.join(sub, f), 'utf8'));
}

/** A warning if a key file or private directory is readable by group or others. */
export function permissionWarning(file: string): string | null {
  const mode = fs.statSync(file).mode & 0o777;
  return mode & 0o077 ? `${file} has mode ${mode.toString(8).padStart(4, '0')}; keys and their directories should be 0600/0700` : null;
}
