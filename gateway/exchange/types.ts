import type { DigestAlg } from '../crypto/digest';
import type { Envelope, EnvelopeHeader, PlainEnvelopeSignature } from '../crypto/envelope';
import type { PreparedEntry } from '../log/entries';
import type { BatchedSignature } from '../crypto/batch-signature';
import type { Conversion } from '../../adapters/types';
import type { Receipt, SignedReceipt } from './model';

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
  /** The payload's canonical JSON, when the push made it already (preparePush): written to the database as is, not serialised again. */
  payloadText?: string;
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

/** The push receipt (pure types, exchange/model.ts: evidence bundles carry it too). */
export type { Receipt, SignedReceipt };

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
