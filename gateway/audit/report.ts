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
   * its own language (the console: web/src/verify-zh.ts, which has a sentence for every code);
   * `text` is the English. Every line has at least one.
   */
  said: Said;
  /** Passed, with a remark: a legacy SM2 signature or certificate with the EMPTY distinguishing ID (genuine, not GM/T 0009-conformant). */
  note?: 'legacy-sm2-empty-id';
}

/**
 * Every statement the verifier can make, as a stable code (the API's `said[].code`). A client
 * says each in its language from the code and its params; the console's Chinese
 * (web/src/verify-zh.ts) is typed by this list, so a code without a sentence does not compile.
 */
export const PHRASE_CODES = [
  // the bundle, its structure and its trust anchor
  'bundle.format', 'document.format', 'bundle.structure', 'bundle.verifier-stopped',
  'anchor.pinned-same', 'anchor.pinned-other', 'anchor.unreadable', 'anchor.none',
  // certificates and chains
  'certificate.listed', 'certificate.other', 'certificate.unreadable',
  'chain.ok', 'chain.broken', 'chain.revoked-before', 'chain.not-bundled', 'chain.no-time',
  'legacy.sm2-signature', 'legacy.sm2-certificates',
  // (a) checkpoint, (a′) its note and witnesses
  'checkpoint.signature', 'checkpoint.signature-invalid', 'checkpoint.no-certificate', 'checkpoint.unreadable', 'checkpoint.tree',
  'checkpoint.not-canonical', 'checkpoint.not-xgw', 'checkpoint.alg-differs', 'checkpoint.root-not-hex',
  'note.same-tree', 'note.other-tree', 'note.signed', 'note.unsigned', 'note.none', 'note.unreadable', 'note.key-error',
  'witness.cosigned', 'witness.missing', 'witness.invalid',
  // (b) entries
  'entry.included', 'entry.leaf-hash', 'entry.no-checkpoint', 'entry.not-included', 'entry.twice', 'entry.not-json', 'entry.not-canonical',
  'entry.unknown-kind', 'entry.other-case', 'entry.other-document', 'entry.after-checkpoint',
  // (c) messages
  'payload.digest', 'payload.digest-differs', 'payload.canonical-differs', 'payload.not-canonical', 'payload.dropped',
  'signature.ok', 'signature.ok-on-behalf', 'signature.invalid', 'signature.no-sender', 'signature.not-sender', 'signature.no-certificate', 'signature.other-holder',
  'received.ok', 'received.none', 'received.many', 'received.entry', 'received.field-differs', 'received.other-case', 'received.payload-digest',
  'received.time-on-behalf', 'received.time-skew', 'received.envelope-digest', 'received.signatures-differ', 'message.twice',
  'ack.ok', 'ack.logged', 'ack.not-bundled', 'ack.not-signed', 'ack.not-v1', 'ack.other-message', 'ack.header-differs', 'ack.other-digest',
  'ack.not-receiver', 'ack.no-certificate', 'ack.invalid', 'ack.other-holder', 'ack.unlogged', 'ack.kind-differs',
  'ack.reason-alg', 'ack.reason-missing', 'ack.reason-differs',
  'receipt.ok', 'receipt.no-certificate', 'receipt.invalid', 'receipt.other-message', 'receipt.other-digest', 'receipt.log-position',
  'texts.ok', 'texts.differ',
  // (d) steps
  'step.ok', 'step.card', 'step.no-message', 'step.unknown-message', 'step.field-differs', 'step.not-received', 'step.before-received',
  // (e) service calls
  'call.ok', 'call.dropped', 'call.named', 'call.unknown', 'call.unknown-digest', 'call.no-text', 'call.altered', 'call.no-request', 'call.unlogged',
  // a 公文's bundle: (c) the document, (d) signed steps, (e) the seal
  'document.digest', 'document.digest-differs', 'document.unnamed', 'document.sender-differs',
  'signed-step.ok', 'signed-step.no-entry', 'signed-step.kind', 'signed-step.no-text-digest', 'signed-step.text-altered', 'signed-step.signer-differs',
  'signed-step.other-document', 'signed-step.not-json', 'signed-step.no-certificate', 'signed-step.invalid', 'signed-step.unbundled',
  'seal.ok', 'seal.not-yet', 'seal.missing', 'seal.unsupported', 'seal.unreadable', 'seal.invalid', 'seal.no-entry', 'seal.other-signer', 'seal.time', 'seal.at-step',
  // a case timeline's signature status (GET /cases/{caseNo}?verify=true, audit/event-signatures.ts, cases/signatures.ts)
  'timeline.not-in-bundle', 'timeline.bundle-unavailable',
] as const;

export type PhraseCode = (typeof PHRASE_CODES)[number];

/** One statement of a check line: a stable code and its values. */
export interface Phrase {
  code: PhraseCode;
  params?: Record<string, string | number>;
}

/** A line's statements: at least one. */
export type Said = [Phrase, ...Phrase[]];

/** A phrase, without params when there are none. */
export const phrase = (code: PhraseCode, params?: Phrase['params']): Phrase => (params ? { code, params } : { code });

/** A line's problems, each in English (the line's text, joined with "; ") and as a phrase. */
export class Problems {
  readonly en: string[] = [];
  readonly phrases: Phrase[] = [];
  add(code: PhraseCode, en: string, params?: Phrase['params']): void {
    this.en.push(en);
    this.phrases.push(phrase(code, params));
  }
  get length(): number {
    return this.en.length;
  }
  /** The problems as a line's statements (after `lead`, when given); only when there is one. */
  said(lead?: Phrase): Said {
    const all = lead ? [lead, ...this.phrases] : this.phrases;
    if (!all.length) throw new Error('no problem to say');
    return all as Said;
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
