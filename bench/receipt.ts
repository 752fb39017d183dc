/**
 * What the echo targets answer: a real push receipt's shape and size, made here the way the
 * gateway makes one (exchange/write-batch.ts receiptOf, one SM2 batch signature by a log key
 * over a batch of the size the group commit reaches in the bench, ≈ 23), so the baseline
 * writes as many bytes per answer as the push does.
 */
import { generateKeyPair } from '../gateway/crypto/keys';
import { Signer } from '../gateway/crypto/sign';
import { signBatch } from '../gateway/crypto/batch-signature';
import { digestHex } from '../gateway/crypto/digest';
import { leafHash } from '../gateway/merkle/hash';
import { formatTime } from '../gateway/clock';
import { newId } from '../gateway/ids';
import { receiptOf } from '../gateway/exchange/write-batch';
import { receiptText } from '../gateway/exchange/receipts';

export function sampleReceipt(messageId: string, batchSize = 23): Record<string, unknown> {
  const signer = new Signer({ privateKey: generateKeyPair('sm2').privateKey });
  const now = new Date();
  const receipts = Array.from({ length: batchSize }, (_, i) =>
    receiptOf({ id: newId(), messageId: i ? `${messageId}-${i}` : messageId, digestAlg: 'sm3', digest: digestHex('sm3', String(i)), receivedAt: now }, 1_000_000 + i, leafHash('sm3', String(i))),
  );
  const sigs = signBatch(signer, 'gateway', digestHex('sha256', 'log certificate'), receipts.map(receiptText), formatTime(now));
  return { ...receipts[0]!, signature: sigs[0]! };
}
