/**
 * GET /api/v1/log/keys: after the log certificate is renewed, a receiver still finds the
 * previous key by the `keyid` of a webhook signature it made, and verifies the signature
 * with it (the same steps as for the current key). PGlite, or PostgreSQL with DATABASE_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { issueCertificate, loadCertificateAuthority } from '../../certs/ca';
import { generateKeyPair } from '../../gateway/crypto/keys';
import { Signer, verify } from '../../gateway/crypto/sign';
import { loadPublicKey } from '../../gateway/crypto/keys';
import { contentDigest, signatureBase, signHttpRequest } from '../../gateway/crypto/http-signature';
import { registerCertificate, revokeCertificate } from '../../gateway/trust/certificates';
import { startTestGateway, type TestGateway } from '../support/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());

type LogKeyVersion = { status: string; fingerprint: string; keyId: string; publicKey: string; certificate: string; notBefore: string; notAfter: string; revokedAt: string | null };
const keys = async (): Promise<LogKeyVersion[]> => {
  const r = await t.call('GET', '/api/v1/log/keys', { token: t.tokens.housing });
  expect(r.status).toBe(200);
  expect(r.body.next).toBeNull();
  return r.body.items;
};

/** What a receiver does: the keyid of Signature-Input picks the key from /log/keys, which verifies the signature base. */
function receiverVerifies(list: LogKeyVersion[], req: { method: string; url: string; body: string }, headers: Record<string, string>): boolean {
  const input = headers['signature-input']!;
  const keyid = /keyid="([0-9a-f]{64})"/.exec(input)![1];
  const key = list.find((k) => k.keyId === keyid);
  if (!key) return false;
  const base = signatureBase({ method: req.method, url: req.url, contentDigest: contentDigest(req.body) }, input.replace(/^xgw=/, ''));
  const sig = Buffer.from(/^xgw=:(.*):$/.exec(headers.signature!)![1], 'base64');
  return verify('SM2-SM3', base, sig, loadPublicKey(key.publicKey));
}

test('the current log key first, a renewed-away one after it: a webhook signature by either verifies with the key its keyid names', async () => {
  const current = (await t.call('GET', '/api/v1/log/key', { token: t.tokens.housing })).body;
  const before = await keys();
  expect(before).toEqual([expect.objectContaining({ status: 'current', fingerprint: current.fingerprint, keyId: current.keyId, certificate: current.certificate, revokedAt: null })]);

  // A log key that signed before a renewal: issued by the same root, registered as every log certificate is.
  const dir = t.gw.deps.trust.pki.dir;
  const ca = loadCertificateAuthority(fs.readFileSync(path.join(dir, 'ca', 'root.cert.pem'), 'utf8'), fs.readFileSync(path.join(dir, 'ca', 'root.key.pem'), 'utf8'));
  const pair = generateKeyPair('sm2');
  const old = issueCertificate({ ca, subjectPublicKey: pair.publicKey, subject: { C: 'CN', O: 'xgw', CN: 'xgw 交换日志签名 (log signing, earlier)' }, days: 30, now: new Date(t.clock.now().getTime() - 86_400_000) });
  const oldSigner = new Signer({ privateKey: pair.privateKey, certChainPems: [old.pem] });
  const oldFingerprint = await registerCertificate(t.db.store, old.pem, 'log', null);

  const list = await keys();
  expect(list.map((k) => [k.status, k.fingerprint])).toEqual([['current', current.fingerprint], ['previous', oldFingerprint]]);
  expect(list[1]).toMatchObject({ keyId: oldSigner.keyId, notBefore: expect.any(String), notAfter: expect.any(String) });
  expect(new Date(list[1]!.notAfter).getTime()).toBeGreaterThan(new Date(list[1]!.notBefore).getTime());

  const req = { method: 'POST', url: 'https://receiver.example.gov.cn/xgw/inbox', body: '{"id":"x"}' };
  const byOld = signHttpRequest(oldSigner, req, { now: t.clock.now(), nonce: 'n-old' });
  const byCurrent = signHttpRequest(t.gw.deps.trust.logSigner, req, { now: t.clock.now(), nonce: 'n-new' });
  expect(receiverVerifies(list, req, byOld)).toBe(true);
  expect(receiverVerifies(list, req, byCurrent)).toBe(true);
  expect(receiverVerifies(before, req, byOld)).toBe(false); // the current key alone does not find it
  expect(receiverVerifies(list, { ...req, body: '{"id":"y"}' }, byOld)).toBe(false);

  await revokeCertificate(t.db.store, oldFingerprint, t.clock.now());
  expect((await keys())[1]).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
  expect((await t.call('GET', '/api/v1/log/keys?limit=5', { token: t.tokens.housing })).status).toBe(400);
});
