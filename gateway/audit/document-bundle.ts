import type { BatchedSignature } from '../crypto/batch-signature';
import type { OfficialDocument } from '../documents/model';
import type { AttachmentDigests } from '../documents/seal-verify';
import type { LoggedBundle } from './bundle';

/**
 * The evidence bundle of one 公文 (公文证据包): the document as stored, every signed log
 * entry of its route (document.* steps) with an inclusion proof to one signed checkpoint,
 * the exact texts the departments signed at the signed steps (签发, 用印, 签收, 退回, …),
 * the GB/T 38540 seal signature, and the certificates. Pure types and text, shared by the
 * exporter (documents/evidence.ts) and the offline verifier (verify-document.ts);
 * `xgw verify bundle` reads both this and the case bundle.
 */
export const DOCUMENT_EVIDENCE_FORMAT = 'xgw-document-evidence/1';

/** A signed step: what the department signed (UTF-8, no trailing newline) and its batch signature; its log entry names sha-digest of the text. */
export interface DocumentBundleStep {
  /** The log index of the step's entry. */
  index: number;
  step: string;
  signedText: string;
  signature: BatchedSignature;
}

/** The log part (checkpoint, entries, certificates, anchors, revocations) is the one every bundle kind shares; `entries` are every log entry naming the document (document.* steps), oldest first. */
export interface DocumentEvidenceBundle extends LoggedBundle {
  format: typeof DOCUMENT_EVIDENCE_FORMAT;
  readme: string[];
  createdAt: string;
  documentId: string;
  document: {
    sender: string;
    /** The document (GB/T 9704 elements) as stored now; its SM3 digest of the canonical JSON is what the last entry names. */
    content: OfficialDocument;
    /** The attachments by digest (the bytes are downloaded separately: GET …/attachments/{digest}); the seal covers this list. */
    attachments: AttachmentDigests[];
  };
  signedSteps: DocumentBundleStep[];
  /** The GB/T 38540 SES_Signature (DER, base64) over the sealed bytes; `unsupported` when the department's key is not SM2; null before 用印. */
  seal: { der: string } | { unsupported: string } | null;
}

export const DOCUMENT_BUNDLE_README: readonly string[] = [
  'xgw evidence bundle (公文证据包) for one official document: the document, every log entry of its route with an inclusion proof, the signed steps, the electronic seal and the certificates.',
  'Verify offline (no network, no database): `xgw verify bundle <file>` (add --root <root.pem> to pin the trust anchor instead of trusting `trustAnchors`).',
  'What is checked: (a) `log.checkpoint.body` is signed by the log certificate, which chains to the root; (b) each entry: leafHash = H(0x00 ‖ entry),',
  'its inclusion proof leads to the checkpoint root, and it names this document; (c) the SM3 digest of the canonical JSON of `document.content` is the one the',
  'last entry names (earlier entries name the document as it was then, e.g. before 登记 gave it its 发文字号); (d) each signed step: the entry names the',
  'digest of `signedText`, the department\'s batch signature over it verifies with its certificate, which chains to the root at the step\'s time;',
  '(e) the seal (`seal.der`, GB/T 38540-2020 SES_Signature, SM2-with-SM3, GM/T 0009 default ID 1234567812345678): the maker\'s signature over the seal, the',
  'signer\'s over TBS_Sign, its data hash = SM3 of canonical JSON {"attachments":[…],"document":…,"v":1} (RFC 8785), both certificates chaining to the root,',
  'signed by the department that took the 用印 step. By hand: `openssl asn1parse -inform DER` reads the seal; `openssl dgst -sm3 -verify pub.pem',
  '-sigopt distid:1234567812345678 -signature sig.der tbs.der` checks its signature (README, 公文 tour).',
  'Limits: attachments are covered by digest (their bytes are not in the bundle); exchange-station package messages of the document are in the case-style log, not here.',
];
