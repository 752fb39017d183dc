/**
 * The OpenAPI part of a 公文's evidence bundle (公文证据包): GET /api/v1/documents/{id}/evidence
 * (routes.ts, evidence.ts) and the DocumentEvidenceBundle schema (audit/document-bundle.ts makes
 * it, `xgw verify bundle` checks it). Merged into the 公文 part by openapi.ts.
 */
import { json, ref, str, time, type Json, type Op } from '../http/openapi-helpers';
import type { ErrorCode } from '../errors';
import { DOCUMENT_EVIDENCE_FORMAT } from '../audit/document-bundle';

/** The evidence route, with the document id parameter and the read errors of the other document routes. */
export function evidencePaths(id: Json, readErrors: ErrorCode[]): Record<string, Record<string, Op>> {
  const op: Op = {
    tag: 'documents',
    id: 'documentEvidence',
    summary: 'The evidence bundle (公文证据包) of a 公文, verifiable offline with `xgw verify bundle` (sender, addressees, auditors)',
    description:
      'One JSON file: the document and its attachments by digest, every log entry of its route with an RFC 9162 inclusion proof against one ' +
      'signed checkpoint (signed on the spot when the newest does not cover it), the texts the departments signed at the signed steps, the ' +
      'GB/T 38540 seal signature (DER, base64) and every certificate up to the root. Every export is an entry in the signed log ' +
      '(audit.evidence_exported, listed by GET /api/v1/admin/audit-access).',
    params: [id],
    ok: { 200: json('the bundle (sent as an attachment)', ref('DocumentEvidenceBundle')) },
    errors: [...readErrors, 'GW_ERR_AUDIT_LOG_BEHIND'],
  };
  return { '/api/v1/documents/{id}/evidence': { get: op } };
}

export function evidenceSchemas(): Json {
  return {
    DocumentEvidenceBundle: {
      type: 'object',
      description: "A 公文's evidence bundle: see `readme` inside it, and `xgw verify bundle`. log and entries as in EvidenceBundle.",
      required: ['format', 'readme', 'createdAt', 'documentId', 'log', 'entries', 'document', 'signedSteps', 'seal', 'certificates', 'trustAnchors'],
      properties: {
        format: { type: 'string', const: DOCUMENT_EVIDENCE_FORMAT },
        readme: { type: 'array', items: { type: 'string' } },
        createdAt: time('when the bundle was made'),
        documentId: str('document id'),
        log: { type: 'object', required: ['name', 'hashAlg', 'checkpoint'], description: 'the signed checkpoint (and its C2SP note) every entry is proven against' },
        entries: { type: 'array', items: { type: 'object', required: ['index', 'entry', 'leafHash', 'inclusionProof'] }, description: 'the document.* log entries with inclusion proofs' },
        document: { type: 'object', required: ['sender', 'content', 'attachments'], description: 'the document as stored and its attachments by digest (what the seal covers)' },
        signedSteps: {
          type: 'array',
          items: { type: 'object', required: ['index', 'step', 'signedText', 'signature'], description: 'the exact text a department signed at a step and its batch signature' },
        },
        seal: { type: ['object', 'null'], description: 'the GB/T 38540 SES_Signature {der} (base64), {unsupported: reason} for non-SM2 keys, null before 用印' },
        certificates: { type: 'object', additionalProperties: { type: 'string' }, description: 'PEM by SHA-256 fingerprint of the DER' },
        trustAnchors: { type: 'array', items: { type: 'string' } },
        revocations: { type: 'object', additionalProperties: { type: 'string', format: 'date-time' } },
      },
    },
  };
}
