import { generateKeyPairSync } from 'node:crypto';
import { Signer } from '../../gateway/crypto/sign';
import { signBatch, signBatchAsync, verifyBatched } from '../../gateway/crypto/batch-signature';
import { batchParams } from '../../gateway/exchange/write-batch';
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

  test('the batch parameters: the small fields as JSON (what JSON.stringify of the row objects gives), the big texts RS-joined in row order', () => {
    const m = {
      id: '0190a000-0000-7000-8000-000000000001', sender: 'hall', senderSystem: 'default', receiver: 'housing', type: 'case-record',
      messageId: 'm"1\\', caseId: null, purpose: '办件', payload: { b: '中\u2028\u001e', a: [1, null] }, digestAlg: 'sm3', digest: 'ab',
      requestDigest: 'cd', receivedAt: new Date(1.7e12), deliveryMode: 'pull', conversion: null,
      envelope: { header: { v: 1 }, signatures: [] }, logEntry: { text: '{"x":"\n"}', leafHash: Buffer.alloc(32, 7) },
    } as unknown as NewMessage;
    const second = { ...m, envelopeText: '{"header":{"v":2},"signatures":[]}', payloadText: '{"c":"\\u001e"}', logEntry: { ...m.logEntry, text: '{"y":2}' } } as NewMessage;
    const [rowsJson, count, payloads, envelopes, entries] = batchParams([m, second]);
    expect(count).toBe(2);
    const rows = JSON.parse(rowsJson) as Array<Record<string, unknown>>;
    for (const [i, r] of rows.entries()) {
      expect(r).toEqual({
        n: i + 1, id: m.id, delivery_id: expect.any(String), sender: 'hall', sender_system: 'default', receiver: 'housing', type: 'case-record',
        message_id: m.messageId, case_id: null, purpose: '办件', digest_alg: 'sm3', digest: 'ab', request_digest: 'cd', conversion: null,
        received_at: m.receivedAt.toISOString(), delivery_mode: 'pull', leaf_hash: '07'.repeat(32),
      });
    }
    // JSON.stringify escapes U+001E inside the payload, so the join splits into exactly the rows' texts.
    expect(payloads.split('\u001e').map((t) => JSON.parse(t))).toEqual([m.payload, { c: '\u001e' }]);
    expect(envelopes.split('\u001e').map((t) => JSON.parse(t))).toEqual([m.envelope, { header: { v: 2 }, signatures: [] }]);
    expect(entries.split('\u001e')).toEqual(['{"x":"\n"}', '{"y":2}']);
  });

  test('a text holding U+001E raw (not JSON text) is refused before anything is sent', () => {
    const m = {
      id: '0190a000-0000-7000-8000-000000000001', sender: 'hall', senderSystem: 'default', receiver: 'housing', type: 'case-record',
      messageId: 'm', caseId: null, purpose: 'p', payload: {}, payloadText: '{"a":"\u001e"}', digestAlg: 'sm3', digest: 'ab',
      requestDigest: 'cd', receivedAt: new Date(1.7e12), deliveryMode: 'pull', conversion: null,
      envelope: { header: { v: 1 }, signatures: [] }, logEntry: { text: '{}', leafHash: Buffer.alloc(32, 7) },
    } as unknown as NewMessage;
    expect(() => batchParams([m])).toThrow(/a payload text holds U\+001E raw/);
  });
});
