import type { BatchedSignature } from '../crypto/batch-signature';
import type { DigestAlg } from '../crypto/digest';

/**
 * The exchange's signed artefacts that leave the gateway and come back in evidence
 * bundles, as plain types. Pure (types only): the offline verifier reads them.
 */

/** The receiver department's answer to a message, as it signs it (canonical JSON of this body). */
export interface AckReceiptBody {
  v: 1;
  kind: 'acknowledgement';
  id: string;
  messageId: string;
  from: string;
  to: string;
  result: 'accepted' | 'rejected';
  reason: string | null;
  digest: { alg: string; value: string };
  at: string;
}

export type AckReceipt = AckReceiptBody & { signature: BatchedSignature };
/** The answer to a push (202 body); stored with the message so a duplicate push gets it back verbatim. */
export interface Receipt {
  id: string;
  messageId: string;
  status: 'queued';
  digest: { alg: DigestAlg; value: string };
  receivedAt: string;
  /** Position of the 'message.received' entry in the exchange log, and its leaf hash (hex). */
  log: { index: number; leafHash: string };
}

/** A receipt with the gateway's (batch) signature over it. */
export type SignedReceipt = Receipt & { signature: BatchedSignature };

