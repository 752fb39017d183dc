import type { BatchedSignature } from '../crypto/batch-signature';

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
