import type { Store } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { digestHex } from '../crypto/digest';
import type { BatchedSignature } from '../crypto/batch-signature';
import { bundleCertificates, provenEntries, provenLog, type EvidenceSource } from '../audit/evidence';
import { DOCUMENT_BUNDLE_README, DOCUMENT_EVIDENCE_FORMAT, type DocumentEvidenceBundle } from '../audit/document-bundle';
import type { Principal } from '../registry/principal';
import { readDocument } from './records';
import { attachmentsOf, partyView } from './views';
import { parseSesSignature } from './ses';
import type { StoredSes } from './seals';

/**
 * The evidence bundle of one 公文 (audit/document-bundle.ts) for its parties (sender,
 * addressees, auditors: the same as the trace; anyone else 404). The document row is
 * read under its lock with the log indexes of its steps, so the document and its last
 * step agree (every step locks the document first); then one signed checkpoint covering
 * them, their entries with inclusion proofs, the signed texts, the seal and certificates.
 */
interface StepRow {
  log_idx: string;
  step: string;
  signed_text: string | null;
  signature: BatchedSignature | null;
}

export async function buildDocumentEvidence(src: Omit<EvidenceSource, 'db'> & { db: Store }, principal: Principal, id: string): Promise<DocumentEvidenceBundle> {
  await partyView(src.db, principal, id);
  const { doc, steps, attachments } = await src.db.tx(async (db) => {
    const locked = await readDocument(db, id, true);
    const events = await db.query<StepRow>(
      `SELECT DISTINCT ON (log_idx) log_idx, step, signed_text, signature FROM document_events WHERE document_id = $1 ORDER BY log_idx`,
      [id],
    );
    return { doc: locked!, steps: events.rows, attachments: await attachmentsOf(db, id) };
  });
  if (!steps.length) throw new GatewayError('GW_ERR_DOCUMENT_NOT_FOUND', `document ${id} has no step in the log yet`);
  const { db } = src;
  const last = Number(steps[steps.length - 1]!.log_idx);
  const { size, alg, log } = await provenLog(src, last);
  const rows = await db.query<{ idx: string; entry: string; leaf_hash: Buffer }>(
    'SELECT idx, entry, leaf_hash FROM log_entries WHERE idx = ANY($1::bigint[]) AND idx < $2 ORDER BY idx',
    [steps.map((s) => s.log_idx), size],
  );
  const entries = await provenEntries(db, alg, rows.rows, size);
  const signedSteps = steps
    .filter((s) => s.signature && s.signed_text !== null)
    .map((s) => ({ index: Number(s.log_idx), step: s.step, signedText: s.signed_text!, signature: s.signature! }));

  const stored = (doc.seal as { sesSignature?: StoredSes } | null)?.sesSignature;
  const seal = !stored ? null : stored.status === 'signed' ? { der: stored.der } : { unsupported: stored.reason };
  const fingerprints = new Set<string>([log.checkpoint.signature.certificate, ...signedSteps.map((s) => s.signature.certificate)]);
  if (stored?.status === 'signed') {
    const ses = parseSesSignature(Buffer.from(stored.der, 'base64'));
    fingerprints.add(digestHex('sha256', ses.seal.makerCert)).add(digestHex('sha256', ses.signerCert));
  }
  return {
    format: DOCUMENT_EVIDENCE_FORMAT,
    readme: [...DOCUMENT_BUNDLE_README],
    createdAt: formatTime(src.clock.now()),
    documentId: id,
    log,
    entries,
    document: { sender: doc.sender, content: doc.document, attachments },
    signedSteps,
    seal,
    ...(await bundleCertificates(db, fingerprints)),
  };
}

/** The audit outcome of a document bundle export (trail.ts): what it holds, in counts. */
export const documentExportOutcome = (b: DocumentEvidenceBundle) => ({
  ok: true as const,
  entries: b.entries.length,
  checkpointSize: (JSON.parse(b.log.checkpoint.body) as { size: number }).size,
});
