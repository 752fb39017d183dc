import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import type { KeyAlg } from '../crypto/keys';
import { renewLogKey, renewRootCa } from '../../certs/renew';
import { recordChange, type ChangeContext } from '../registry/changes';
import { registerCertificate, supersedeCertificate, type CertificateRole } from './certificates';
import { COLS, view, type CertificateView, type Row } from './admin-certificates';

/**
 * Renewal of the gateway's own certificates (admin role): the log-signing key and the root
 * CA. The new key and certificate are made in the PKI directory (certs/renew.ts) and
 * registered; the one replaced is superseded: it keeps verifying what it signed (GET
 * /log/keys lists it as previous; evidence bundles carry it). Each step is a
 * `registry.changed` entry in the signed log, and every gateway process signs with the new
 * key once it has reloaded (at once here, on the change notification in the others).
 */
interface PkiDir {
  dir: string;
  days?: number;
}

async function ownCertificates(db: Db, role: CertificateRole): Promise<Row[]> {
  const r = await db.query<Row>(`SELECT ${COLS} FROM certificates WHERE role = $1 AND member IS NULL ORDER BY not_before, fingerprint FOR UPDATE`, [role]);
  return r.rows;
}

async function registered(ctx: ChangeContext, pem: string, role: CertificateRole): Promise<CertificateView> {
  const fingerprint = await registerCertificate(ctx.db, pem, role, null);
  await recordChange(ctx, { object: 'certificate', action: 'issued', key: `${role}/${fingerprint}` });
  const row = (await ownCertificates(ctx.db, role)).find((r) => r.fingerprint === fingerprint)!;
  return view(row, ctx.at);
}

/** Supersedes every certificate of `role` but `keep` not yet superseded or revoked: each a registry change. */
async function supersedeOthers(ctx: ChangeContext, role: CertificateRole, keep: string): Promise<void> {
  for (const old of await ownCertificates(ctx.db, role)) {
    if (old.fingerprint === keep || old.revoked_at) continue;
    if (await supersedeCertificate(ctx.db, old.fingerprint, ctx.at)) await recordChange(ctx, { object: 'certificate', action: 'superseded', key: `${role}/${old.fingerprint}` });
  }
}

const refused = (err: unknown): never => {
  throw new GatewayError('GW_ERR_TRUST_CANNOT_ISSUE', (err as Error).message);
};

/** A new log-signing key (algorithm trust.logKeyAlg) and certificate from the current root; the previous one becomes previous. */
export async function renewLogCertificate(ctx: ChangeContext, pki: PkiDir & { alg: KeyAlg }): Promise<CertificateView> {
  await ownCertificates(ctx.db, 'log'); // locks the log certificates: one renewal at a time
  let renewed: ReturnType<typeof renewLogKey>;
  try {
    renewed = renewLogKey({ dir: pki.dir, alg: pki.alg, now: ctx.at, days: pki.days });
  } catch (err) {
    return refused(err);
  }
  await registerCertificate(ctx.db, renewed.previousCertPem, 'log', null);
  const log = await registered(ctx, renewed.certPem, 'log');
  await supersedeOthers(ctx, 'log', log.fingerprint);
  return log;
}

export interface RootRenewal {
  root: CertificateView;
  /** The new root's key certified by the previous root (an intermediate in every evidence bundle). */
  cross: CertificateView;
  /** The log certificate renewed under the new root. */
  log: CertificateView;
}

/**
 * A new root CA, its cross certificate from the previous root, and a new log key under it.
 * The previous root stays a trust anchor (bundles carry both roots); department certificates
 * it issued keep working until rotated (xgw certs rotate --member X issues under the new root).
 */
export async function renewRootCertificate(ctx: ChangeContext, pki: PkiDir & { logAlg: KeyAlg }): Promise<RootRenewal> {
  await ownCertificates(ctx.db, 'root'); // locks the roots: one renewal at a time
  let renewed: ReturnType<typeof renewRootCa>;
  try {
    renewed = renewRootCa({ dir: pki.dir, now: ctx.at });
  } catch (err) {
    return refused(err);
  }
  await registerCertificate(ctx.db, renewed.previousCertPem, 'root', null);
  const root = await registered(ctx, renewed.certPem, 'root');
  await supersedeOthers(ctx, 'root', root.fingerprint);
  const cross = await registered(ctx, renewed.crossPem, 'intermediate');
  const log = await renewLogCertificate(ctx, { dir: pki.dir, alg: pki.logAlg, days: pki.days });
  return { root, cross, log };
}
