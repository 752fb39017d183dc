import type { DigestAlg } from '../crypto/digest';
import type { Envelope, EnvelopeHeader, PlainEnvelopeSignature } from '../crypto/envelope';
import type { PreparedEntry } from '../log/entries';
import type { BatchedSignature } from '../crypto/batch-signature';
import type { Conversion } from '../../adapters/types';

/** A message accepted for exchange, as the write path holds it before commit. */
export interface NewMessage {
  id: string;
  sender: string;
  senderSystem: string;
  receiver: string;
  type: string;
  messageId: string;
  caseId: string | null;
  purpose: string;
  payload: unknown;
  digestAlg: DigestAlg;
  digest: string;
  /** Digest over {to, type, caseId, purpose, payload}: what "the same message" means for idempotency. */
  requestDigest: string;
  receivedAt: Date;
  deliveryMode: 'push' | 'pull';
  /** The receiver's native form and its provenance, when the receiver's adapter converts (null: JSON as is). */
  conversion: Conversion | null;
  /** The signed envelope (sender department's signature over the header). */
  envelope: Envelope;
  /** The 'message.received' log entry, appended in the same statement. */
  logEntry: PreparedEntry;
}

/** A checked push before sealing: the header is built, the signature and log entry come with the batch. */
export type PreparedMessage = Omit<NewMessage, 'envelope' | 'logEntry'> & { header: EnvelopeHeader; senderSignature?: PlainEnvelopeSignature };

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

/** What writeBatch knows: a duplicate may bring its stored receipt signature. */
export type StoredOutcome =
  | { outcome: 'created'; receipt: Receipt }
  | { outcome: 'duplicate'; receipt: Receipt; signature: BatchedSignature | null }
  | { outcome: 'conflict'; existingId: string };

/** What a pusher gets: signed receipts. */
export type WriteOutcome =
  | { outcome: 'created' | 'duplicate'; receipt: SignedReceipt }
  | { outcome: 'conflict'; existingId: string };

export type MessageStatus = 'received' | 'queued' | 'delivered' | 'acknowledged' | 'rejected' | 'failed' | 'dead_lettered';

export type MessageEvent =
  | 'received'
  | 'queued'
  | 'delivered'
  | 'delivery_failed'
  | 'dead_lettered'
  | 'acknowledged'
  | 'rejected'
  | 'replayed';
