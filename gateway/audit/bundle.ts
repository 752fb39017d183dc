import type { AckReceipt } from '../exchange/model';
import type { Envelope } from '../crypto/envelope';
import type { Checkpoint } from '../log/checkpoint';
import type { LogHashAlg } from '../merkle/hash';

/**
 * The evidence bundle (证据包): one self-contained JSON file that proves, for one
 * case, who sent what to whom and when, without trusting the gateway operator.
 * Pure types and text; shared by the exporter (evidence.ts) and the offline
 * verifier (verify-bundle.ts).
 */
export const EVIDENCE_FORMAT = 'xgw-evidence/1';

export interface BundleEntry {
  /** Position of the entry in the exchange log. */
  index: number;
  /** The exact RFC 8785 canonical JSON text that was hashed (leaf = H(0x00 ‖ entry)). */
  entry: string;
  /** Hex leaf hash, as the log stored it. */
  leafHash: string;
  /** RFC 9162 inclusion path (hex), leaf to root, in the tree of the bundle checkpoint's size. */
  inclusionProof: string[];
}

export interface BundleMessage {
  /** The gateway message id (named by the log entries). */
  id: string;
  /** The signed envelope: header and signatures, as stored. */
  envelope: Envelope;
  /** The message content. PERSONAL DATA (个人信息). */
  payload: unknown;
  /** RFC 8785 canonical text of `payload`, the bytes whose digest the header names. */
  payloadCanonical?: string;
  /** The receiver department's signed acknowledgement (签收/退回), when it answered; its digest is in the log. */
  ackReceipt?: BundleAckReceipt;
}

/** A synchronous service call of the case (共享查询): what was asked and answered, as the gateway recorded it. */
export interface BundleServiceCall {
  /** The call id (named by its service.called entry). */
  id: string;
  /** The JSON request. May hold PERSONAL DATA. */
  request: unknown;
  /** The JSON answer (null when the call failed). */
  response: unknown;
  /** The SOAP request element sent to the agency, and its answer, as text (null when not reached). */
  nativeRequest: string | null;
  nativeResponse: string | null;
}

/** The receiver's signed answer, as exchange/receipts.ts makes it (exchange/model.ts: pure types). */
export type BundleAckReceipt = AckReceipt;

export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT;
  readme: string[];
  createdAt: string;
  caseId: string;
  log: {
    name: string;
    hashAlg: LogHashAlg;
    /** One signed checkpoint; every entry below has an inclusion proof against it. */
    checkpoint: Checkpoint;
  };
  entries: BundleEntry[];
  messages: BundleMessage[];
  /** The case's synchronous service calls, when it has any. */
  serviceCalls?: BundleServiceCall[];
  /** Every certificate referenced (department signers, the log certificate, CAs), PEM by SHA-256 fingerprint of the DER. */
  certificates: Record<string, string>;
  /** The root certificates (PEM) the signatures chain to. Pin one with `xgw verify bundle --root`. */
  trustAnchors: string[];
  /**
   * Revocation times the gateway's registry holds for bundled certificates (from `xgw certs revoke|crl`).
   * Unsigned: the operator's statement; pass the CA's CRLs to `xgw verify bundle --crl` for independent evidence.
   */
  revocations?: Record<string, string>;
}

export const BUNDLE_README: readonly string[] = [
  'xgw evidence bundle (证据包) for one case: every exchange-log entry of the case, the signed messages with their payloads, and the certificates.',
  'PERSONAL DATA: `messages[].payload` holds the case records as exchanged, including applicants\' names and ID or credit numbers (个人信息保护法).',
  'Keep this file under the same protection as the case file, hand it only to people entitled to it, and delete copies when the audit ends.',
  'Verify offline (no network, no database): `xgw verify bundle <file>` (add --root <root.pem> to pin the trust anchor instead of trusting `trustAnchors`).',
  'What is checked: (a) `log.checkpoint.body` is signed by the log certificate, which chains to the root at the checkpoint time;',
  '(b) each entry: leafHash = H(0x00 ‖ entry) and its inclusion proof leads to the checkpoint root (RFC 9162 §2.1.3.2);',
  '(c) each message: the canonical payload digest equals `envelope.header.payloadDigest`, the sender\'s batch signature over the canonical header verifies',
  'with the department certificate, which chains to the root at the time the log recorded the message, and its `message.received` entry names the message,',
  'the same payload digest and sha256(canonical envelope); a signed acknowledgement (`ackReceipt`) verifies with the receiver\'s certificate and its',
  'sha256 digest is the one its `message.acknowledged`/`message.rejected` entry names; (d) every message step entry refers to a message in this bundle;',
  '(e) each `service.called` entry names a call in `serviceCalls` whose request, answer and SOAP texts have the sha256 digests the entry names.',
  'By hand: `openssl dgst -sm3 -sigopt distid:1234567812345678 -verify log.pub -signature sig.bin body.json` (SM2-SM3; `-sha256` without -sigopt for ECDSA/RSA) checks the checkpoint; name the SM2 ID explicitly, OpenSSL 3 and 4 default differently; see GET /api/v1/log/checkpoint for the commands.',
  'Revocation: `revocations` lists the times the gateway registry holds; a certificate revoked before a signature fails. For evidence independent of the',
  'operator, pass the CA\'s CRLs: `xgw verify bundle <file> --root <root.pem> --crl <crl.pem>`.',
  'Limits: the bundle proves that what it contains was logged and signed; it cannot by itself prove that no other entry of the case exists',
  '(compare with the log\'s entries or later checkpoints for that). The gateway signs on behalf of departments that hold no key of their own (`onBehalf`).',
];
