import type { EvidenceBundle } from './bundle';
import type { DocumentEvidenceBundle } from './document-bundle';
import { DOCUMENT_EVIDENCE_FORMAT } from './document-bundle';
import type { BundleReport, CheckLine } from './report';
import { bundleShapeProblems } from './verify-shape';
import type { LogContext } from './verify-context';
import { checkMessages, checkSteps } from './verify-messages';
import { checkServiceCalls } from './verify-calls';
import { checkSignedTexts } from './verify-texts';
import { verifyLogPart, type VerifyOptions } from './verify-log';
import { documentShapeProblems, verifyDocumentBundle } from './verify-document';

/**
 * The offline verifier of evidence bundles: pure logic, no database, no network.
 * It uses only the pure modules shared with the gateway (canonical JSON, digests,
 * signatures, RFC 9162 hashing and proofs, certificate chains). Every check
 * yields a ✓/✗ line naming the log index, message id or certificate at fault.
 *
 *   (a) the checkpoint is signed by the log certificate, which chains to the root
 *   (b) each entry: leafHash = H(0x00 ‖ entry), inclusion proof to the checkpoint root
 *   (c) each message: payload digest, sender batch signature, certificate chain at
 *       the logged time, and its 'message.received' entry (id, digests)
 *   (d) every message step entry refers to a message in the bundle
 * A 公文's bundle (format xgw-document-evidence/1) is checked by verify-document.ts.
 */
/** Verifies an evidence bundle (as parsed from its JSON file). Never throws. */
export function verifyBundle(input: unknown, opts: VerifyOptions = {}): BundleReport {
  const lines: CheckLine[] = [];
  const isDocument = (input as { format?: unknown } | null)?.format === DOCUMENT_EVIDENCE_FORMAT;
  const shape = isDocument ? documentShapeProblems(input as Record<string, unknown>) : bundleShapeProblems(input);
  const caseId = typeof (input as { caseId?: unknown })?.caseId === 'string' ? (input as { caseId: string }).caseId : null;
  const documentId = isDocument && typeof (input as { documentId?: unknown }).documentId === 'string' ? (input as { documentId: string }).documentId : undefined;
  const done = (ctx: LogContext | null, anchor: BundleReport['anchor'], anchorFingerprints: string[]): BundleReport => {
    const failures = lines.filter((l) => !l.ok).length;
    const b = ctx?.claimed ?? null;
    return {
      ok: failures === 0 && lines.length > 0,
      caseId,
      ...(documentId !== undefined ? { documentId } : {}),
      anchor,
      anchorFingerprints,
      crls: opts.crlPems?.length ?? 0,
      checkpoint: b ? { size: b.size, root: String(b.root), at: String(b.at) } : null,
      counts: ctx
        ? {
            entries: ctx.bundle.entries.length,
            messages: 'messages' in ctx.bundle ? (ctx.bundle as EvidenceBundle).messages.length : 0,
            certificates: Object.keys(ctx.bundle.certificates).length,
            ...(isDocument ? { signedSteps: (ctx.bundle as DocumentEvidenceBundle).signedSteps.length } : {}),
          }
        : { entries: 0, messages: 0, certificates: 0 },
      lines,
      failures,
      legacySm2: lines.filter((l) => l.ok && l.note === 'legacy-sm2-empty-id').length,
    };
  };
  const anchor = opts.rootPems ? 'pinned' : 'bundled';
  if (shape.length) {
    for (const p of shape) lines.push({ group: 'bundle', ok: false, subject: 'structure', text: p, said: [{ code: 'bundle.structure', params: { problem: p } }] });
    return done(null, anchor, []);
  }
  try {
    if (isDocument) {
      const { ctx, fps } = verifyDocumentBundle(input as DocumentEvidenceBundle, opts, lines);
      return done(ctx, anchor, fps);
    }
    const bundle = input as EvidenceBundle;
    // A 电子监察 card names its case itself (no message: the notice is a message of its own).
    const formatLine: Pick<CheckLine, 'text' | 'said'> = {
      text: `${bundle.format}, case ${bundle.caseId}, created ${String(bundle.createdAt)}`,
      said: [{ code: 'bundle.format', params: { format: bundle.format, caseId: bundle.caseId, createdAt: String(bundle.createdAt) } }],
    };
    const { ctx, fps } = verifyLogPart(bundle, opts, lines, formatLine, (parsed) => {
      const caseOf = parsed.call ? parsed.call.caseId : parsed.kind === 'supervision.card_raised' ? parsed.caseNo : parsed.message?.caseId;
      if (caseOf === bundle.caseId) return null;
      const named = JSON.stringify(caseOf ?? null);
      return { code: 'entry.other-case', en: `the entry is about case ${named}, not ${bundle.caseId}`, params: { caseId: named, bundleCase: String(bundle.caseId) } };
    });
    checkMessages(ctx);
    checkSignedTexts(ctx);
    checkSteps(ctx);
    checkServiceCalls(ctx);
    return done(ctx, anchor, fps);
  } catch (err) {
    lines.push({ group: 'bundle', ok: false, subject: 'verifier', text: `stopped on an unexpected value: ${(err as Error).message}`, said: [{ code: 'bundle.verifier-stopped', params: { reason: (err as Error).message } }] });
    return done(null, anchor, []);
  }
}
