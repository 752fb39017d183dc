import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { signBatch, signBatchAsync, verifyBatched } from '../crypto/batch-signature';
import { formatTime } from '../clock';
import type { Trust } from '../trust/trust';
import type { Receipt, SignedReceipt } from './types';
import type { AckReceipt, AckReceiptBody } from './model';

/**
 * Signed receipts. A push receipt is signed by the gateway (log key) with one
 * batch signature per group commit; an acknowledgement receipt is signed by the
 * receiving department. What is signed is the canonical JSON of the receipt
 * without its `signature` member. Pure apart from the keys in Trust.
 */
export type { SignedReceipt };

export const receiptText = (r: Receipt): string => canonicalJson(r);

/** One batch signature by the log key over all `receipts`, made on the thread pool. */
export async function signReceipts(trust: Trust, receipts: Receipt[], at: Date): Promise<SignedReceipt[]> {
  if (!receipts.length) return [];
  const sigs = await signBatchAsync(trust.logSigner, 'gateway', trust.logCertificate, receipts.map(receiptText), formatTime(at));
  return receipts.map((r, i) => ({ ...r, signature: sigs[i]! }));
}

export function verifyReceipt(receipt: SignedReceipt, certPem: string): boolean {
  const { signature, ...body } = receipt;
  return verifyBatched(signature, receiptText(body as Receipt), certPem);
}

/** The receiver department's signed answer to a message (signed on its behalf by the gateway). */
export function signAckReceipt(trust: Trust, body: AckReceiptBody, at: Date): AckReceipt {
  const { signer, certificate } = trust.onBehalfSigner(body.to, at);
  const [signature] = signBatch(signer, body.to, certificate, [canonicalJson(body)], formatTime(at));
  return { ...body, signature };
}

export const ackReceiptDigest = (r: AckReceipt): string => digestHex('sha256', canonicalJson(r));
