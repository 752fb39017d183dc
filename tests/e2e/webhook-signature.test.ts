import { createHash } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startReceiver, type Hit, type Receiver } from '../support/receiver';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoMembers } from '../../gateway/registry/demo';
import { generateKeyPair, type KeyAlg } from '../../gateway/crypto/keys';
import { Signer } from '../../gateway/crypto/sign';
import { httpSigAlgOf, signHttpRequest } from '../../gateway/crypto/http-signature';
import { requestOf, runNodeRecipe as runNode, runOpensslRecipe as runOpenssl, type LogKey, type WebhookRequest as Request } from '../support/webhook-recipe';

/**
 * The README's webhook recipes, run exactly as printed (its Node function and its openssl
 * script) on webhooks a gateway really delivered: Ed25519 and SM2 log keys (SM2, the
 * default, is for openssl only); ECDSA P-256 and RSA on requests signed the same way.
 * A changed body, a changed body with its digest recomputed, a replay and an expired
 * signature are refused.
 */
const changedBody = (req: Request): Request => ({ ...req, raw: req.raw.replace('"purpose":"case-handling"', '"purpose":"case-handlinG"') });
/** The body changed and its Content-Digest recomputed: only the signature can tell. */
function changedDigest(req: Request): Request {
  const c = changedBody(req);
  const digest = `sha-256=:${createHash('sha256').update(c.raw).digest('base64')}:`;
  return { ...c, headers: { ...c.headers, 'content-digest': digest } };
}
const createdOf = (req: Request) => Number(/;created=(\d+)/.exec(req.headers['signature-input']!)![1]);

async function delivered(keyAlg: KeyAlg): Promise<{ req: Request; key: LogKey; close: () => Promise<void> }> {
  const rx: Receiver = await startReceiver();
  const members = demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
  const t: TestGateway = await startTestGateway({ members, config: { trust: { logKeyAlg: keyAlg } } });
  const got = new Promise<Hit>((resolve) => {
    rx.reply = (hit) => {
      resolve(hit);
      return 'ok';
    };
  });
  const record = sampleCaseRecord({ caseNo: 'JZ-HOOK-0001' });
  const push = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'hook-1', caseId: record.caseNo, purpose: 'case-handling', payload: record } });
  expect(push.status).toBe(202);
  await t.gw.deps.delivery.runOnce();
  const hit = await got;
  const key = (await t.call('GET', '/api/v1/log/key', { token: t.tokens.housing })).body as LogKey;
  expect(key.httpSignatureAlg).toBe(httpSigAlgOf(keyAlg));
  return { req: requestOf(hit), key, close: async () => (await t.close(), await rx.close()) };
}

describe('README: verifying a webhook with Node and with openssl', () => {
  test('Ed25519 gateway: both recipes verify a delivered webhook; a changed body, a recomputed digest, a replay, an expired signature are refused', async () => {
    const { req, key, close } = await delivered('ed25519');
    try {
      expect(req.headers['signature-input']).toMatch(new RegExp(`^xgw=\\("@method" "@target-uri" "content-digest"\\);created=\\d+;expires=\\d+;nonce="[0-9a-f-]{36}";keyid="${key.keyId}";alg="ed25519";tag="xgw-webhook"$`));
      const now = createdOf(req);
      expect(runNode(req, key, now)).toEqual([null, 'replayed']);
      expect(runNode(changedBody(req), key, now)[0]).toBe('the body does not match Content-Digest');
      expect(runNode(changedDigest(req), key, now)[0]).toBe('bad signature');
      expect(runNode(req, key, now + 301)[0]).toBe('expired');
      expect(runOpenssl(req, key)).toMatchObject({ status: 0, out: expect.stringContaining('Signature Verified Successfully') });
      expect(runOpenssl(changedBody(req), key)).toMatchObject({ status: 1, out: 'the body does not match Content-Digest\n' });
      expect(runOpenssl(changedDigest(req), key).status).not.toBe(0);
    } finally {
      await close();
    }
  });

  test('SM2 gateway (the default): no alg; openssl verifies with distid 1234567812345678; the Node function says to use openssl', async () => {
    const { req, key, close } = await delivered('sm2');
    try {
      expect(req.headers['signature-input']).not.toContain('alg=');
      expect(runOpenssl(req, key)).toMatchObject({ status: 0, out: 'Verified OK\n' });
      expect(runOpenssl(changedDigest(req), key)).toMatchObject({ status: 1, out: expect.stringContaining('Verification failure') });
      expect(runNode(req, key, createdOf(req))[0]).toBe('SM2 (no alg): check it with openssl');
    } finally {
      await close();
    }
  });

  test.each(['ecdsa-p256', 'rsa'] as KeyAlg[])('%s: both recipes verify a request signed the same way; a recomputed digest is refused', (alg) => {
    const signer = new Signer({ privateKey: generateKeyPair(alg).privateKey });
    const url = 'https://hall.example:8443/xgw/hook';
    const raw = JSON.stringify({ id: 'm-1', purpose: 'case-handling', payload: { 申请人: '王五' } });
    const headers = signHttpRequest(signer, { method: 'POST', url, body: raw }, { now: new Date('2026-03-02T01:30:00Z'), nonce: 'n-1' });
    const key: LogKey = { keyId: signer.keyId, publicKey: signer.publicKey.export({ type: 'spki', format: 'pem' }) as string, httpSignatureAlg: httpSigAlgOf(alg) };
    const req = { url, headers, raw };
    expect(runNode(req, key, createdOf(req))).toEqual([null, 'replayed']);
    expect(runNode(changedDigest(req), key, createdOf(req))[0]).toBe('bad signature');
    expect(runOpenssl(req, key)).toMatchObject({ status: 0, out: 'Verified OK\n' });
    expect(runOpenssl(changedDigest(req), key).status).not.toBe(0);
  });
});
