import { generateKeyPairSync } from 'node:crypto';
import { Signer } from '../../gateway/crypto/sign';
import { signBatch, signBatchAsync, verifyBatched } from '../../gateway/crypto/batch-signature';
import { batchRowsJson } from '../../gateway/exchange/write-batch';
import type { NewMessage } from '../../gateway/exchange/types';

const sm2 = () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  return Signer.fromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
};

describe('write path pieces', () => {
  test('signBatchAsync (thread pool) makes the same manifest and proofs as signBatch, and verifies', async () => {
    const signer = sm2();
    const pem = signer.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const texts = Array.from({ length: 7 }, (_, i) => `{"n":${i}}`);
    const [a, b] = [signBatch(signer, 'hall', 'fp', texts, 't'), await signBatchAsync(signer, 'hall', 'fp', texts, 't')];
    expect(b.map(({ value: _v, ...rest }) => rest)).toEqual(a.map(({ value: _v, ...rest }) => rest));
    texts.forEach((t, i) => expect(verifyBatched(b[i]!, t, pem)).toBe(true));
    expect(verifyBatched(b[0]!, '{"n":1}', pem)).toBe(false);
  });

  test('the hand-written rows JSON is what JSON.stringify of the row objects gives', () => {
    const m = {
      id: '0190a000-0000-7000-8000-000000000001', sender: 'hall', senderSystem: 'default', receiver: 'housing', type: 'case-record',
      messageId: 'm"1\\', caseId: null, purpose: '办件', payload: { b: '中\u2028', a: [1, null] }, digestAlg: 'sm3', digest: 'ab',
      requestDigest: 'cd', receivedAt: new Date(1.7e12), deliveryMode: 'pull', conversion: null,
      envelope: { header: { v: 1 }, signatures: [] }, logEntry: { text: '{"x":"\n"}', leafHash: Buffer.alloc(32, 7) },
    } as unknown as NewMessage;
    const rows = JSON.parse(batchRowsJson([m, { ...m, envelopeText: '{"header":{"v":1},"signatures":[]}' } as NewMessage])) as Array<Record<string, unknown>>;
    for (const [i, r] of rows.entries()) {
      expect(r).toMatchObject({
        n: i + 1, id: m.id, sender: 'hall', sender_system: 'default', message_id: m.messageId, case_id: null, purpose: '办件',
        payload: m.payload, envelope: m.envelope, conversion: null, received_at: m.receivedAt.toISOString(), delivery_mode: 'pull',
        log_entry: m.logEntry.text, leaf_hash: '07'.repeat(32),
      });
      expect(typeof r.delivery_id).toBe('string');
    }
  });
});
