import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { normalizeSerial } from '../../certs/parse';
import type { Store } from '../store/db';
import type { Member } from '../registry/members';
import type { Signer } from '../crypto/sign';
import { initPki, loadPki, previousRootPems, type Pki } from '../../certs/pki';
import { layout, readCertificates, readIfExists } from '../../certs/files';
import { certificateFingerprint } from '../crypto/envelope';
import { GatewayError } from '../errors';
import { formatTime } from '../clock';
import { loadCertificates, registerCertificate, type CertificateRecord } from './certificates';
import { bindPkiToRegistry } from './binding';
import type { SigningCertificate } from './expiry';

export interface TrustOptions {
  pkiDir: string;
  logKeyAlg: Member['keyAlg'];
  issueDepartmentKeys: boolean;
  now: Date;
  /** config trust.acceptLegacySm2Certificates */
  acceptLegacySm2Certificates?: boolean;
}

/**
 * The gateway's trust material for the process lifetime: the PKI (KeyObjects
 * parsed once), one Signer per department and the log signer, and the
 * certificates by fingerprint.
 */
export class Trust {
  private constructor(
    public pki: Pki,
    private certs: Map<string, CertificateRecord>,
  ) {}

  /**
   * After a registry change (here or in another process): issues the keys new members
   * lack and reloads the PKI directory (keys another process issued or rotated) and the
   * certificate registry (revocations, supersessions), so the next signature uses the
   * current key and none uses a revoked one.
   */
  async reload(store: Store, members: Member[], opts: TrustOptions): Promise<void> {
    // initPki (which refuses a certificate no longer valid) only when a member lacks its key: one
    // department's expired certificate must not stop every process from learning of revocations.
    const issue = opts.issueDepartmentKeys && !members.every((m) => this.pki.departments.has(m.code));
    const next = await Trust.open(store, members, { ...opts, issueDepartmentKeys: issue });
    this.pki = next.pki;
    this.certs = next.certs;
    this.signerFingerprints.clear();
    this.signing = undefined;
    this.logFingerprint = undefined;
  }

  /** Re-reads the certificate registry (revocations and imports made by other processes or the CLI). */
  async refresh(store: Store): Promise<void> {
    this.certs = new Map((await loadCertificates(store)).map((c) => [c.fingerprint, c]));
  }

  /** Creates missing keys/certificates (for members without one), loads them and registers certificates in the database. */
  static async open(store: Store, members: Member[], opts: TrustOptions): Promise<Trust> {
    // A PKI directory that exists already is checked against the database before anything is added to it.
    const existingRoot = readIfExists(layout.root(opts.pkiDir).cert);
    if (existingRoot) await bindPkiToRegistry(store, opts.pkiDir, existingRoot, opts.now, previousRootPems(opts.pkiDir));
    if (opts.issueDepartmentKeys) {
      initPki({
        dir: opts.pkiDir,
        departments: members.map((m) => ({ code: m.code, name: m.name, alg: m.keyAlg })),
        logAlg: opts.logKeyAlg,
        now: opts.now,
        acceptLegacySm2: opts.acceptLegacySm2Certificates === true,
      });
    }
    const pki = loadPki(opts.pkiDir, opts.now, { acceptLegacySm2: opts.acceptLegacySm2Certificates === true });
    if (!existingRoot) await bindPkiToRegistry(store, opts.pkiDir, pki.rootCertPem, opts.now);
    await store.tx(async (db) => {
      await registerCertificate(db, pki.rootCertPem, 'root', null);
      for (const pem of pki.previousRootPems) await registerCertificate(db, pem, 'root', null);
      for (const pem of readCertificates(layout.rootCrossDir(opts.pkiDir))) await registerCertificate(db, pem, 'intermediate', null);
      await registerCertificate(db, pki.log.certPem!, 'log', null);
      for (const [code, signer] of pki.departments) {
        if (members.some((m) => m.code === code)) await registerCertificate(db, signer.certPem!, 'department', code);
      }
    });
    const certs = new Map((await loadCertificates(store)).map((c) => [c.fingerprint, c]));
    return new Trust(pki, certs);
  }

  static defaultDir(dataDir: string): string {
    return path.join(dataDir, 'pki');
  }

  get logSigner(): Signer {
    return this.pki.log;
  }

  /** The log's Ed25519 note key (C2SP checkpoints), null in a PKI made before it existed. */
  get logNoteSigner(): Signer | null {
    return this.pki.logNote;
  }

  /** The RSA key and certificate that sign exchange-station packages (XMLDSig); null when the PKI has none. */
  get packageSigning(): { privateKeyPem: string; certPem: string } | null {
    return this.pki.packageSigning;
  }

  /** The log certificate's fingerprint (parsed once: X.509 parsing costs more than a signature batch). */
  get logCertificate(): string {
    return (this.logFingerprint ??= certificateFingerprint(this.pki.log.certPem!));
  }

  private logFingerprint: string | undefined;

  signerFor(member: string): Signer | undefined {
    return this.pki.departments.get(member);
  }

  /**
   * The department's key for signing on its behalf at `at`, with its certificate's
   * fingerprint; refused (GW_ERR_TRUST_CERTIFICATE_INVALID) when it has none on this
   * gateway or its certificate is revoked: then until a rotation issues a new one.
   */
  onBehalfSigner(member: string, at: Date): { signer: Signer; certificate: string } {
    const signer = this.signerFor(member);
    const certificate = this.signerCertificate(member);
    if (!signer || !certificate) {
      throw new GatewayError('GW_ERR_TRUST_CERTIFICATE_INVALID', `department ${member} has no signing certificate on this gateway; sign the envelope yourself`);
    }
    const revokedAt = this.certs.get(certificate)?.revokedAt;
    if (revokedAt && revokedAt.getTime() <= at.getTime()) {
      throw new GatewayError(
        'GW_ERR_TRUST_CERTIFICATE_INVALID',
        `the signing certificate of ${member} was revoked at ${formatTime(revokedAt)} and no new one has been issued; ` +
          `the gateway signs nothing on its behalf until an administrator rotates it (xgw certs rotate --member ${member}); a department may sign its envelopes itself`,
      );
    }
    return { signer, certificate };
  }

  /** The certificates this gateway signs with (departments', the log's, the root's), for expiry warnings and the expiry gauge. */
  signingCertificates(): SigningCertificate[] {
    const of = (member: string, pem: string | null): SigningCertificate[] => {
      if (!pem) return [];
      const x = new X509Certificate(pem);
      return [{ member, serial: normalizeSerial(x.serialNumber), notAfter: new Date(x.validTo) }];
    };
    return (this.signing ??= [...of('_root', this.pki.rootCertPem), ...of('_log', this.pki.log.certPem), ...[...this.pki.departments].flatMap(([code, s]) => of(code, s.certPem))]);
  }

  private signing: SigningCertificate[] | undefined;

  certificate(fingerprint: string): CertificateRecord | undefined {
    return this.certs.get(fingerprint);
  }

  certificatePem = (fingerprint: string): string | undefined => this.certs.get(fingerprint)?.pem;

  /** The log certificate's issuer chain (the root that issued it: the current one, or a previous one until the log key is renewed). */
  chainFor(): string[] {
    return this.pki.log.certChainPems.slice(1);
  }

  /** Our roots: the current one first, then those it replaced (each a trust anchor for what it issued). */
  ownRoots(): string[] {
    return [this.pki.rootCertPem, ...this.pki.previousRootPems];
  }

  /** The fingerprint of a department's signing certificate (cached). */
  signerCertificate(member: string): string | undefined {
    let fp = this.signerFingerprints.get(member);
    if (!fp) {
      const pem = this.signerFor(member)?.certPem;
      if (!pem) return undefined;
      fp = certificateFingerprint(pem);
      this.signerFingerprints.set(member, fp);
    }
    return fp;
  }

  private readonly signerFingerprints = new Map<string, string>();

  fingerprintOf = certificateFingerprint;
}
