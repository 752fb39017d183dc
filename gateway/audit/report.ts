/**
 * The verifier's report: one line per check and item, ✓ or ✗, each naming the
 * log index or message id it is about. Pure.
 */
export type CheckGroup = 'bundle' | 'certificates' | 'checkpoint' | 'witnesses' | 'entries' | 'messages' | 'steps' | 'services' | 'document' | 'signatures' | 'seal';

export interface CheckLine {
  group: CheckGroup;
  ok: boolean;
  /** What the line is about: "checkpoint", "entry #12", "message <id>", "certificate <fp>". */
  subject: string;
  /** What was checked, or what failed. */
  text: string;
  /** The log index, message id or certificate fingerprint at fault or checked. */
  index?: number;
  messageId?: string;
  fingerprint?: string;
  /**
   * The line's statements as stable codes and their values, so that a client can say them in
   * its own language (the console: web/src/verify-zh.ts); `text` is the English. Absent: only `text`.
   */
  said?: Phrase[];
  /** Passed, with a remark: a legacy SM2 signature or certificate with the EMPTY distinguishing ID (genuine, not GM/T 0009-conformant). */
  note?: 'legacy-sm2-empty-id';
}

/** One statement of a check line: a stable code and its values. */
export interface Phrase {
  code: string;
  params?: Record<string, string | number>;
}

/** A line's problems, each in English (the line's text, joined with "; ") and as a phrase. */
export class Problems {
  readonly en: string[] = [];
  readonly said: Phrase[] = [];
  add(code: string, en: string, params?: Phrase['params']): void {
    this.en.push(en);
    this.said.push(params ? { code, params } : { code });
  }
  get length(): number {
    return this.en.length;
  }
}

export interface BundleReport {
  ok: boolean;
  caseId: string | null;
  /** A 公文's bundle (xgw-document-evidence/1): the document id (caseId is null). */
  documentId?: string;
  /** 'pinned': checked against --root; 'bundled': against the bundle's own trustAnchors (not independent). */
  anchor: 'pinned' | 'bundled';
  anchorFingerprints: string[];
  /** How many CRLs the chain checks used (0: revocation only as the bundle states it). */
  crls: number;
  checkpoint: { size: number; root: string; at: string } | null;
  counts: { entries: number; messages: number; certificates: number; signedSteps?: number };
  lines: CheckLine[];
  failures: number;
  /** Passed lines that carry the legacy SM2 empty-ID note. */
  legacySm2: number;
}

const GROUP_TITLES: Record<CheckGroup, string> = {
  bundle: 'bundle',
  certificates: 'certificates (fingerprint = SHA-256 of the DER)',
  checkpoint: '(a) signed checkpoint',
  witnesses: '(a′) the checkpoint as a C2SP signed note, and the witnesses\' cosignatures',
  entries: '(b) log entries: leaf hash and inclusion proof',
  messages: '(c) messages: payload digest, sender signature, certificate chain, received entry',
  steps: '(d) message steps: every entry refers to a message in the bundle',
  services: '(e) service calls: request, answer and SOAP texts match the logged digests',
  document: '(c) the document: its digest is the one its last log entry names',
  signatures: '(d) signed steps: the logged text digest, the department signature, its certificate chain',
  seal: '(e) the electronic seal (GB/T 38540 SES_Signature, SM2-with-SM3): signatures, data hash, certificates',
};

const short = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 16)}…` : hex);

/** The human-readable report: ✓/✗ lines grouped by check, then the verdict. */
export function formatReport(r: BundleReport): string {
  const out: string[] = [];
  out.push(
    r.documentId !== undefined
      ? `xgw evidence bundle — document ${r.documentId}: ${r.counts.entries} log entries, ${r.counts.signedSteps ?? 0} signed steps, ${r.counts.certificates} certificates`
      : `xgw evidence bundle — case ${r.caseId ?? '(unknown)'}: ${r.counts.entries} log entries, ${r.counts.messages} messages, ${r.counts.certificates} certificates`,
  );
  out.push(r.crls ? `revocation: ${r.crls} CRL(s) given with --crl, and the bundle's revocation times` : "revocation: only the bundle's own revocation times (pass --crl <crl.pem> for the CA's)");
  if (r.checkpoint) out.push(`checkpoint: size ${r.checkpoint.size}, root ${short(r.checkpoint.root)}, signed at ${r.checkpoint.at}`);
  out.push(
    r.anchor === 'pinned'
      ? `trust anchor: PINNED (--root) ${r.anchorFingerprints.map(short).join(', ')}`
      : `trust anchor: NOT PINNED — the root bundled in the file was used (${r.anchorFingerprints.map(short).join(', ') || 'none'}); ` +
          'anyone can make a bundle with their own root: pass --root <root.pem> obtained independently to pin it',
  );
  for (const group of Object.keys(GROUP_TITLES) as CheckGroup[]) {
    const lines = r.lines.filter((l) => l.group === group);
    if (!lines.length) continue;
    out.push('', GROUP_TITLES[group]);
    for (const l of lines) out.push(`  ${l.ok ? '✓' : '✗'} ${l.subject}: ${l.text}`);
  }
  out.push('');
  if (r.legacySm2) {
    out.push(
      `NOTE: ${r.legacySm2} check(s) passed on a legacy SM2 signature with an EMPTY distinguishing ID (made before xgw used the GM/T 0009 ` +
        'default ID 1234567812345678): genuine, but GM/T 0009 verifiers (GmSSL, BouncyCastle, OpenSSL 4) need the empty ID to check them',
    );
  }
  out.push(r.ok ? 'RESULT: VERIFIED — every check passed' : `RESULT: FAILED — ${r.failures} check(s) failed (✗ above)`);
  if (r.ok && r.anchor === 'bundled') out.push('(relative to the bundled, unpinned trust anchor)');
  return out.join('\n') + '\n';
}
