import { createHash } from 'node:crypto';
import { httpbis, createVerifier, type Algorithm } from 'http-message-signatures';
import { generateKeyPair, type KeyAlg } from '../../gateway/crypto/keys';
import { Signer, verify } from '../../gateway/crypto/sign';
import { contentDigest, httpSigAlgOf, signatureBase, signHttpRequest } from '../../gateway/crypto/http-signature';

/**
 * The webhook signatures (RFC 9421 + RFC 9530) checked by an independent implementation,
 * the http-message-signatures package, for the three registered algorithms; SM2 (not
 * registered) by the gateway's SM2-SM3 verifier over the same signature base.
 */
const URL_ = 'https://receiver.example:8443/hooks/xgw?x=1';
const BODY = JSON.stringify({ id: 'm1', payload: { 姓名: '张三' } });
// whole seconds near the real time: the package checks `expires` against Date.now()
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

function signed(alg: KeyAlg) {
  const { privateKey } = generateKeyPair(alg);
  const signer = new Signer({ privateKey });
  const headers = signHttpRequest(signer, { method: 'POST', url: URL_, body: BODY }, { now: NOW, nonce: 'n-1' });
  return { signer, headers };
}

async function libraryVerifies(signer: Signer, headers: Record<string, string>, body = BODY): Promise<boolean | null> {
  const alg = httpSigAlgOf(signer.keyAlg)!;
  return httpbis.verifyMessage(
    {
      keyLookup: async (p) => (p.keyid === signer.keyId ? { id: signer.keyId, algs: [alg as Algorithm], verify: createVerifier(signer.publicKey, alg as Algorithm) } : null),
      requiredFields: ['@method', '@target-uri', 'content-digest'],
      requiredParams: ['created', 'expires', 'nonce', 'keyid'],
      notAfter: NOW.getTime() + 1000,
    },
    { method: 'POST', url: URL_, headers: { ...headers, 'content-digest': contentDigest(body) } },
  );
}

describe('webhook signatures (RFC 9421)', () => {
  test.each(['ed25519', 'ecdsa-p256', 'rsa'] as KeyAlg[])('%s: the package verifies it; a changed body (digest recomputed) does not', async (alg) => {
    const { signer, headers } = signed(alg);
    expect(headers['content-digest']).toBe(`sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`);
    expect(headers['signature-input']).toBe(
      `xgw=("@method" "@target-uri" "content-digest");created=${NOW.getTime() / 1000};expires=${NOW.getTime() / 1000 + 300};nonce="n-1";keyid="${signer.keyId}";alg="${httpSigAlgOf(alg)}";tag="xgw-webhook"`,
    );
    expect(await libraryVerifies(signer, headers)).toBe(true);
    await expect(libraryVerifies(signer, headers, BODY.replace('张三', '李四'))).resolves.toBe(false);
  });

  test('sm2: no alg parameter; SM2-SM3 (ID 1234567812345678) over the same signature base', () => {
    const { signer, headers } = signed('sm2');
    expect(httpSigAlgOf('sm2')).toBeNull();
    const params = headers['signature-input']!.replace(/^xgw=/, '');
    expect(params).not.toContain('alg=');
    const base = signatureBase({ method: 'POST', url: URL_, contentDigest: headers['content-digest']! }, params);
    const sig = Buffer.from(/^xgw=:(.*):$/.exec(headers.signature!)![1]!, 'base64');
    expect(verify('SM2-SM3', base, sig, signer.publicKey)).toBe(true);
    expect(verify('SM2-SM3', base.replace('POST', 'PUT'), sig, signer.publicKey)).toBe(false);
  });
});
