import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import { formatTime } from '../clock';
import { decodeKeyCursor, keyPage } from '../exchange/cursor';
import type { KeyAlg } from '../crypto/keys';
import { parseCertificate } from '../../certs/ca';
import { foreignIssuer, rotateDepartmentKey } from '../../certs/rotate';
import { getMemberRecord } from '../registry/admin-members';
import { recordChange, type ChangeContext } from '../registry/changes';
import { applyCrl, registerCertificate, revokeCertificate, supersedeCertificate, type CertificateRole } from './certificates';
import { certificateLifecycle, certificateStatus, type CertificateStatus } from './lifecycle';

/** A certificate as the console's certificates screen and `xgw certs` show it. */
export interface CertificateView {
  fingerprint: string;
  member: string | null;
  role: CertificateRole;
  serial: string;
  /** The key's algorithm (null for one outside the gateway's four). */
  algorithm: KeyAlg | null;
  subject: string;
  notBefore: string;
  notAfter: string;
  status: CertificateStatus;
  revokedAt: string | null;
  supersededAt: string | null;
  /** Whole days until notAfter (negative once expired). */
  daysToExpiry: number;
}

export interface Row {
  fingerprint: string;
  member: string | null;
  role: CertificateRole;
  pem: string;
  revoked_at: Date | null;
  superseded_at: Date | null;
}

const DAY_MS = 86_400_000;
export const COLS = 'fingerprint, member, role, pem, revoked_at, superseded_at';
/** The keyset order: root and log first (no member), then by member, then fingerprint. */
const KEY = `(coalesce(member, '') || '/' || fingerprint) COLLATE "C"`;

export function view(r: Row, now: Date): CertificateView {
  const c = parseCertificate(r.pem);
  return {
    fingerprint: r.fingerprint,
    member: r.member,
    role: r.role,
    serial: c.serial,
    algorithm: c.keyAlg,
    subject: c.subject.CN ?? c.subjectString,
    notBefore: formatTime(c.notBefore),
    notAfter: formatTime(c.notAfter),
    status: certificateStatus({ revokedAt: r.revoked_at, supersededAt: r.superseded_at }, now),
    revokedAt: r.revoked_at ? formatTime(r.revoked_at) : null,
    supersededAt: r.superseded_at ? formatTime(r.superseded_at) : null,
    daysToExpiry: Math.floor((c.notAfter.getTime() - now.getTime()) / DAY_MS),
  };
}

export interface CertificateFilter {
  member?: string;
  role?: CertificateRole;
  status?: CertificateStatus;
  after?: string;
  limit: number;
}

/** Every certificate the registry knows (each that ever signed), filtered; keyset pages. */
export async function listCertificateViews(db: Db, f: CertificateFilter, now: Date): Promise<{ items: CertificateView[]; next: string | null }> {
  const status = `CASE WHEN revoked_at IS NOT NULL AND revoked_at <= $5 THEN 'revoked' WHEN superseded_at IS NOT NULL THEN 'superseded' ELSE 'active' END`;
  const r = await db.query<Row>(
    `SELECT ${COLS} FROM certificates
     WHERE ($1::text IS NULL OR ${KEY} > $1::text COLLATE "C") AND ($2::text IS NULL OR member = $2) AND ($3::text IS NULL OR role = $3)
       AND ($4::text IS NULL OR ${status} = $4)
     ORDER BY ${KEY} LIMIT $6`,
    [decodeKeyCursor(f.after), f.member ?? null, f.role ?? null, f.status ?? null, now, f.limit + 1],
  );
  return keyPage(r.rows.map((x) => view(x, now)), f.limit, (c) => `${c.member ?? ''}/${c.fingerprint}`);
}

async function memberCertificates(db: Db, code: string): Promise<Row[]> {
  const r = await db.query<Row>(`SELECT ${COLS} FROM certificates WHERE member = $1 AND role = 'department' ORDER BY not_before, fingerprint FOR UPDATE`, [code]);
  return r.rows;
}

const statusOf = (r: Row, at: Date) => certificateStatus({ revokedAt: r.revoked_at, supersededAt: r.superseded_at }, at);

/**
 * Rotates a member's signing key: a new key and certificate from the gateway's root in
 * the PKI directory (certs/rotate.ts), registered; the member's active certificates are
 * superseded (they keep verifying what they signed). Each is a `registry.changed` entry;
 * every gateway process signs with the new key once it has reloaded (at once here, on
 * the NOTIFY in the others).
 */
export async function rotateMemberCertificate(ctx: ChangeContext, pki: { dir: string; days?: number }, code: string): Promise<CertificateView> {
  const member = await getMemberRecord(ctx, code);
  const foreign = foreignIssuer(pki.dir, code);
  if (foreign) throw new GatewayError('GW_ERR_TRUST_CERTIFICATE_STATUS', foreign);
  await memberCertificates(ctx.db, code); // locks the member's certificates: one rotation at a time
  const rotated = rotateDepartmentKey({ dir: pki.dir, code, name: member.name, alg: member.keyAlg, now: ctx.at, days: pki.days });
  // The certificate it replaces stays verifiable even if no process had registered it yet.
  if (rotated.previousCertPem) await registerCertificate(ctx.db, rotated.previousCertPem, 'department', code);
  const fingerprint = await registerCertificate(ctx.db, rotated.certPem, 'department', code);
  await recordChange(ctx, { object: 'certificate', action: 'issued', key: `${code}/${fingerprint}` });
  for (const old of await memberCertificates(ctx.db, code)) {
    if (old.fingerprint === fingerprint || !certificateLifecycle.allows(statusOf(old, ctx.at), 'superseded')) continue;
    await supersedeCertificate(ctx.db, old.fingerprint, ctx.at);
    await recordChange(ctx, { object: 'certificate', action: 'superseded', key: `${code}/${old.fingerprint}` });
  }
  return view((await memberCertificates(ctx.db, code)).find((r) => r.fingerprint === fingerprint)!, ctx.at);
}

/**
 * Revokes a member's certificate (`fingerprint`), or every certificate of it still
 * active: from now on nothing is signed with it, and on-behalf signing for the member
 * is refused until a rotation issues a new one. Signatures made before still verify.
 */
export async function revokeMemberCertificate(ctx: ChangeContext, code: string, fingerprint?: string): Promise<CertificateView[]> {
  await getMemberRecord(ctx, code);
  const rows = await memberCertificates(ctx.db, code);
  const targets = fingerprint ? rows.filter((r) => r.fingerprint === fingerprint) : rows.filter((r) => statusOf(r, ctx.at) === 'active');
  if (!targets.length) {
    throw new GatewayError('GW_ERR_TRUST_NOT_FOUND', fingerprint ? `member "${code}" has no certificate ${fingerprint}` : `member "${code}" has no active certificate`);
  }
  for (const r of targets) {
    certificateLifecycle.next(statusOf(r, ctx.at), 'revoked', r.fingerprint);
    await revokeCertificate(ctx.db, r.fingerprint, ctx.at);
    await recordChange(ctx, { object: 'certificate', action: 'revoked', key: `${code}/${r.fingerprint}` });
  }
  const after = await memberCertificates(ctx.db, code);
  return targets.map((t) => view(after.find((r) => r.fingerprint === t.fingerprint)!, ctx.at));
}

async function certificateRow(db: Db, fingerprint: string): Promise<Row | null> {
  const r = await db.query<Row>(`SELECT ${COLS} FROM certificates WHERE fingerprint = $1 FOR UPDATE`, [fingerprint]);
  return r.rows[0] ?? null;
}

const changeKey = (r: Pick<Row, 'member' | 'role' | 'fingerprint'>) => `${r.member ?? r.role}/${r.fingerprint}`;

/**
 * Revokes one certificate the registry knows, whoever it belongs to (xgw certs revoke
 * <fingerprint>), from `at` (default now; never later than now): signatures made before
 * still verify as of their time. A `registry.changed` entry; every process stops signing
 * with it once it has reloaded.
 */
export async function revokeCertificateByFingerprint(ctx: ChangeContext, fingerprint: string, at: Date = ctx.at): Promise<CertificateView> {
  if (at.getTime() > ctx.at.getTime()) {
    throw new GatewayError('GW_ERR_REQUEST_INVALID', 'a revocation takes effect now or is dated earlier, not later', { errors: [{ pointer: '/revokedAt', message: 'must not be later than now' }] });
  }
  const row = await certificateRow(ctx.db, fingerprint);
  if (!row) throw new GatewayError('GW_ERR_TRUST_NOT_FOUND', `no certificate ${fingerprint}`);
  certificateLifecycle.next(statusOf(row, ctx.at), 'revoked', fingerprint);
  await revokeCertificate(ctx.db, fingerprint, at);
  await recordChange(ctx, { object: 'certificate', action: 'revoked', key: changeKey(row) });
  return view((await certificateRow(ctx.db, fingerprint))!, ctx.at);
}

/**
 * Honours a CRL (xgw certs crl): it must be signed by one of the trusted roots; every
 * certificate it lists that the registry knows is revoked from the CRL's revocation time,
 * each a `registry.changed` entry. Answers the certificates newly revoked (none: applying
 * the same CRL twice changes nothing).
 */
export async function applyCrlChange(ctx: ChangeContext, crlPem: string, trust: { trustedRootPems: readonly string[]; acceptLegacySm2: boolean }): Promise<CertificateView[]> {
  const revoked = await applyCrl(ctx.db, crlPem, trust.trustedRootPems, trust.acceptLegacySm2);
  const views: CertificateView[] = [];
  for (const fingerprint of revoked) {
    const row = (await certificateRow(ctx.db, fingerprint))!;
    await recordChange(ctx, { object: 'certificate', action: 'revoked', key: changeKey(row) });
    views.push(view(row, ctx.at));
  }
  return views;
}
