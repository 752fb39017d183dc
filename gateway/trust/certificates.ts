import { X509Certificate } from 'node:crypto';
import type { Db } from '../store/db';
import { certificateFingerprint } from '../crypto/envelope';
import { parseCrl, verifyCrlSignature } from '../../certs/crl';
import { normalizeSerial } from '../../certs/parse';
import { GatewayError } from '../errors';

export type CertificateRole = 'root' | 'intermediate' | 'log' | 'department';

export interface CertificateRecord {
  fingerprint: string;
  member: string | null;
  role: CertificateRole;
  pem: string;
  revokedAt: Date | null;
  /** Set when a rotation issued its successor (department certificates). */
  supersededAt: Date | null;
}

/**
 * Every certificate that ever signed anything is kept in the database by
 * fingerprint, so signatures stay verifiable years later (evidence bundles
 * carry them) even after a key is rotated.
 */
export async function registerCertificate(db: Db, pem: string, role: CertificateRole, member: string | null): Promise<string> {
  const cert = new X509Certificate(pem);
  const fingerprint = certificateFingerprint(pem);
  await db.query(
    `INSERT INTO certificates (fingerprint, member, role, pem, serial, subject, not_before, not_after)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (fingerprint) DO NOTHING`,
    [fingerprint, member, role, pem, normalizeSerial(cert.serialNumber), cert.subject, new Date(cert.validFrom), new Date(cert.validTo)],
  );
  return fingerprint;
}

export async function loadCertificates(db: Db): Promise<CertificateRecord[]> {
  const r = await db.query<{ fingerprint: string; member: string | null; role: CertificateRole; pem: string; revoked_at: Date | null; superseded_at: Date | null }>(
    'SELECT fingerprint, member, role, pem, revoked_at, superseded_at FROM certificates',
  );
  return r.rows.map((x) => ({ fingerprint: x.fingerprint, member: x.member, role: x.role, pem: x.pem, revokedAt: x.revoked_at, supersededAt: x.superseded_at }));
}

/** Marks a certificate superseded from `at` on (a rotation issued its successor). */
export async function supersedeCertificate(db: Db, fingerprint: string, at: Date): Promise<boolean> {
  const r = await db.query('UPDATE certificates SET superseded_at = $2 WHERE fingerprint = $1 AND superseded_at IS NULL', [fingerprint, at]);
  return r.rowCount > 0;
}

/** Marks a certificate revoked from `at` on: its signatures made before `at` still verify as of their time. */
export async function revokeCertificate(db: Db, fingerprint: string, at: Date): Promise<boolean> {
  const r = await db.query('UPDATE certificates SET revoked_at = $2 WHERE fingerprint = $1 AND revoked_at IS NULL', [fingerprint, at]);
  return r.rowCount > 0;
}

/**
 * Honours a CRL: its signature must verify with one of the trusted CA
 * certificates, and every listed certificate that CA issued and we know is marked
 * revoked from the CRL's revocation time. Returns the fingerprints newly revoked.
 */
export async function applyCrl(db: Db, crlPem: string, trustedCaPems: readonly string[], acceptLegacySm2 = false): Promise<string[]> {
  let crl: ReturnType<typeof parseCrl>;
  try {
    crl = parseCrl(crlPem);
  } catch (err) {
    throw new GatewayError('GW_ERR_TRUST_CRL_INVALID', `the CRL does not parse (${(err as Error).message})`);
  }
  const issuer = trustedCaPems.map((p) => new X509Certificate(p)).find((ca) => verifyCrlSignature(crl, ca, acceptLegacySm2));
  if (!issuer) throw new GatewayError('GW_ERR_TRUST_CRL_INVALID', 'the CRL is not signed by a trusted CA');
  const known = await loadCertificates(db);
  const revokedNow: string[] = [];
  for (const entry of crl.revoked) {
    for (const c of known) {
      const x = new X509Certificate(c.pem);
      if (normalizeSerial(x.serialNumber) !== entry.serial || !x.checkIssued(issuer)) continue;
      if (await revokeCertificate(db, c.fingerprint, entry.revokedAt)) revokedNow.push(c.fingerprint);
    }
  }
  return revokedNow;
}
