import path from 'node:path';
import type { Store } from '../store/db';
import type { Member } from '../registry/members';
import type { Signer } from '../crypto/sign';
import { initPki, loadPki, type Pki } from '../../certs/pki';
import { certificateFingerprint } from '../crypto/envelope';
import { loadCertificates, registerCertificate, type CertificateRecord } from './certificates';

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
   * Members added at run time (registry administration): issues the keys they lack and
   * loads them (keys in the PKI directory another process issued too), registering their
   * certificates. Nothing happens while every member has its signer.
   */
  async admit(store: Store, members: Member[], opts: TrustOptions): Promise<void> {
    if (members.every((m) => this.pki.departments.has(m.code))) return;
    const next = await Trust.open(store, members, opts);
    this.pki = next.pki;
    this.certs = next.certs;
  }

  /** Re-reads the certificate registry (revocations and imports made by other processes or the CLI). */
  async refresh(store: Store): Promise<void> {
    this.certs = new Map((await loadCertificates(store)).map((c) => [c.fingerprint, c]));
  }

  /** Creates missing keys/certificates (for members without one), loads them and registers certificates in the database. */
  static async open(store: Store, members: Member[], opts: TrustOptions): Promise<Trust> {
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
    await store.tx(async (db) => {
      await registerCertificate(db, pki.rootCertPem, 'root', null);
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

  certificate(fingerprint: string): CertificateRecord | undefined {
    return this.certs.get(fingerprint);
  }

  certificatePem = (fingerprint: string): string | undefined => this.certs.get(fingerprint)?.pem;

  /** The issuer chain for a certificate we hold (our root). */
  chainFor(): string[] {
    return [this.pki.rootCertPem];
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
