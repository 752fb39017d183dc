import { verifyChain } from '../../certs/chain';
import { parseCertificate } from '../../certs/certificate';
import type { LogHashAlg } from '../merkle/hash';
import type { CheckpointBody } from '../log/checkpoint';
import type { BundleEntry, EvidenceBundle, LoggedBundle } from './bundle';
import type { CheckLine, Said } from './report';

/** A log entry of the bundle with its parsed text (null when it is not JSON). Pure. */
export interface EntryMessageRef {
  id: string;
  messageId: string;
  from: string;
  to: string;
  type: string;
  caseId: string | null;
  purpose?: string;
}

export interface ParsedEntry {
  v: number;
  kind: string;
  at: string;
  message?: EntryMessageRef;
  payloadDigest?: { alg: string; value: string };
  envelope?: { digest?: { alg: string; value: string }; signatures?: unknown[] };
  /** service.called entries: the call and the digests of what crossed the gateway. */
  call?: { id: string; caseId: string | null; provider: string; service: string };
  digests?: Record<string, { alg: string; value: string }>;
  /** supervision.card_raised entries (supervision/cards.ts): the card and the case branch it is on. */
  card?: string;
  colour?: string;
  caseNo?: string;
  department?: string;
  dueOn?: string;
  /** document.* entries (documents/records.ts): the 公文, its digest then, and the step's signature digest. */
  document?: { id: string; sender: string; digest: { alg: string; value: string }; number?: string };
  signature?: { signer: string; alg: string; textDigest: { alg: string; value: string } };
  receipts?: { id: string; recipient: string }[];
}

export interface ReadEntry {
  raw: BundleEntry;
  parsed: ParsedEntry | null;
}

export type { LoggedBundle };

/** What the log checks share while verifying one bundle of any kind. */
export interface LogContext {
  bundle: LoggedBundle;
  alg: LogHashAlg;
  /** Certificates whose PEM matches the fingerprint they are listed under. */
  certs: Map<string, string>;
  anchors: string[];
  /** CRLs (PEM) the auditor supplied: checked by the chain validation at each signature's time. */
  crls: string[];
  /** Accept SM2 certificates/CRLs signed with the legacy empty ID (--accept-legacy-sm2-certs). */
  acceptLegacySm2: boolean;
  /** Revocation times from the bundle (the gateway registry's statement). */
  revocations: Map<string, Date>;
  /** The checkpoint body as written in the bundle (whether or not its signature verified). */
  claimed: CheckpointBody | null;
  entries: ReadEntry[];
  lines: CheckLine[];
}

/** What the checks of a case bundle share. */
export interface VerifyContext extends LogContext {
  bundle: EvidenceBundle;
}

export const shortFp = (fp: string): string => `${fp.slice(0, 16)}…`;

export function readEntry(raw: BundleEntry): ReadEntry {
  try {
    const parsed = JSON.parse(raw.entry) as unknown;
    return { raw, parsed: typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as ParsedEntry) : null };
  } catch {
    return { raw, parsed: null };
  }
}

/** The certificate's subject as "CN=…, OU=…" (or why it cannot be read). */
export function describeCertificate(pem: string): { text: string; ou: string | null } {
  try {
    const c = parseCertificate(pem);
    const ou = c.subject.OU ?? null;
    return { text: `CN=${c.subject.CN ?? '?'}${ou ? `, OU=${ou}` : ''}`, ou };
  } catch (err) {
    return { text: `unreadable certificate (${(err as Error).message})`, ou: null };
  }
}

/** Chain check at a time: the leaf to one of the anchors, through any other bundled certificate. `who` names the signer's role in the phrases. */
export function chainAt(ctx: LogContext, fingerprint: string, at: Date, who: string): { ok: boolean; text: string; note?: CheckLine['note']; said: Said } {
  const pem = ctx.certs.get(fingerprint);
  const fp = shortFp(fingerprint);
  if (!pem) return { ok: false, text: `certificate ${fp} is not in the bundle (or not under its own fingerprint)`, said: [{ code: 'chain.not-bundled', params: { who, fp } }] };
  if (Number.isNaN(at.getTime())) return { ok: false, text: 'no valid time to check the certificate chain at', said: [{ code: 'chain.no-time', params: { who, fp } }] };
  const others = [...ctx.certs].filter(([f]) => f !== fingerprint).map(([, p]) => p);
  const r = verifyChain(pem, others, ctx.anchors, at, ctx.crls, { acceptLegacySm2: ctx.acceptLegacySm2 });
  if (!r.ok) return { ok: false, text: `certificate ${fp} does not chain to the trust anchor at ${at.toISOString()}: ${r.reason}`, said: [{ code: 'chain.broken', params: { who, fp, at: at.toISOString(), reason: r.reason ?? '' } }] };
  const revoked = ctx.revocations.get(fingerprint);
  if (revoked && at >= revoked) {
    return { ok: false, text: `certificate ${fp} was revoked at ${revoked.toISOString()} (gateway registry), not after the signature's time ${at.toISOString()}`, said: [{ code: 'chain.revoked-before', params: { who, fp, revoked: revoked.toISOString(), at: at.toISOString() } }] };
  }
  const note = revoked ? `; revoked later, at ${revoked.toISOString()}` : '';
  const legacy = r.legacySm2 ? ' — note: accepted with --accept-legacy-sm2-certs: an SM2 certificate or CRL on the path is signed with the legacy EMPTY distinguishing ID' : '';
  const text = `certificate ${fp} chains to the trust anchor at ${at.toISOString()} (${r.path!.length} certificates${ctx.crls.length ? `, ${ctx.crls.length} CRL(s) checked` : ''}${note})${legacy}`;
  const said: Said = [{ code: 'chain.ok', params: { who, fp, at: at.toISOString(), certificates: r.path!.length, crls: ctx.crls.length, ...(revoked ? { revokedLater: revoked.toISOString() } : {}) } }];
  if (r.legacySm2) said.push({ code: 'legacy.sm2-certificates' });
  return r.legacySm2 ? { ok: true, text, note: 'legacy-sm2-empty-id', said } : { ok: true, text, said };
}
