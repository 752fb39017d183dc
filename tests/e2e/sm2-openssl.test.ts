import { X509Certificate } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { openssl, scratchDir } from '../crypto/support';
import { canonicalJson } from '../../gateway/crypto/canonical';
import type { BatchedEnvelopeSignature, Envelope } from '../../gateway/crypto/envelope';

// End to end: every SM2 signature a running gateway makes for one exchange — the sender's
// envelope signature (made on the department's behalf), the push receipt, the receiver's
// acknowledgement, the signed checkpoint, and the certificates of the signers — is taken
// out of the HTTP answers and the database and checked by the openssl CLI with the GM/T 0009
// default ID named explicitly. OpenSSL 3.0 without it (its empty ID) must refuse each one.

let t: TestGateway;
const files = scratchDir('sm2-e2e');
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
  files.cleanup();
});

interface Signed {
  what: string;
  certPem: string;
  text: string;
  value: string;
}

const DISTID = ['-sigopt', 'distid:1234567812345678'];

function opensslChecks(s: Signed, n: number): { withId: number; withoutId: number } {
  const pub = files.write(`${n}.pub.pem`, openssl(['x509', '-in', files.write(`${n}.cert.pem`, s.certPem), '-noout', '-pubkey'], files.dir).out);
  const sig = files.write(`${n}.sig`, Buffer.from(s.value, 'base64'));
  const text = files.write(`${n}.txt`, s.text);
  return {
    withId: openssl(['dgst', '-sm3', ...DISTID, '-verify', pub, '-signature', sig, text], files.dir).code,
    withoutId: openssl(['dgst', '-sm3', '-verify', pub, '-signature', sig, text], files.dir).code,
  };
}

test('every SM2 signature of a push, its receipt, the acknowledgement and the checkpoint verifies with openssl -sigopt distid:1234567812345678', async () => {
  const record = sampleCaseRecord();
  const pushed = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: 'sm2-e2e-1', caseId: record.caseNo, purpose: 'case-handling', payload: record },
  });
  expect(pushed.status).toBe(202);
  await t.call('GET', '/api/v1/inbox', { token: t.tokens.housing });
  const ack = await t.call('POST', `/api/v1/messages/${pushed.body.id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
  expect(ack.status).toBe(200);
  await t.gw.deps.integrator.runOnce(true);
  const cp = (await t.call('GET', '/api/v1/log/checkpoint', { token: t.tokens.hall })).body;
  const logKey = (await t.call('GET', '/api/v1/log/key', { token: t.tokens.hall })).body;
  const stored = await t.db.store.query<{ envelope: Envelope }>('SELECT envelope FROM messages WHERE id = $1', [pushed.body.id]);
  const envelope = stored.rows[0].envelope;
  const sender = envelope.signatures[0] as BatchedEnvelopeSignature;
  const certOf = (fp: string): string => t.gw.deps.trust.certificatePem(fp)!;

  const signed: Signed[] = [
    { what: 'sender envelope signature (batch manifest)', certPem: certOf(sender.certificate), text: sender.manifest, value: sender.value },
    { what: 'push receipt (batch manifest)', certPem: certOf(pushed.body.signature.certificate), text: pushed.body.signature.manifest, value: pushed.body.signature.value },
    { what: 'acknowledgement (batch manifest)', certPem: certOf(ack.body.receipt.signature.certificate), text: ack.body.receipt.signature.manifest, value: ack.body.receipt.signature.value },
    { what: 'checkpoint body', certPem: logKey.certificate, text: cp.body, value: cp.signature.value },
  ];
  for (const [s, alg] of [
    [signed[0], sender.alg],
    [signed[1], pushed.body.signature.alg],
    [signed[2], ack.body.receipt.signature.alg],
    [signed[3], cp.signature.alg],
  ] as const) {
    expect({ what: s.what, alg }).toEqual({ what: s.what, alg: 'SM2-SM3' });
  }
  // the signers are the hall (on its behalf), the gateway's log key twice and housing
  expect(signed.map((s) => new X509Certificate(s.certPem).subject.match(/CN=(.*)/)?.[1])).toEqual([
    expect.stringContaining('政务服务'),
    expect.stringContaining('log signing'),
    expect.stringContaining('住房'),
    expect.stringContaining('log signing'),
  ]);
  const results = signed.map((s, i) => ({ what: s.what, ...opensslChecks(s, i) }));
  expect(results).toEqual(signed.map((s) => ({ what: s.what, withId: 0, withoutId: 1 })));
  // the manifests are what the envelope's header and the receipts commit to (not some other text)
  expect(JSON.parse(sender.manifest)).toMatchObject({ signer: 'hall', hashAlg: 'sm3' });
  expect(canonicalJson(JSON.parse(cp.body))).toBe(cp.body);

  // the signing certificates: their SM2 root's signature, checked with -vfyopt distid:1234567812345678
  const root = files.write('root.pem', t.gw.deps.trust.pki.rootCertPem);
  for (const [i, s] of signed.entries()) {
    const cert = files.write(`${i}.leaf.pem`, s.certPem);
    expect(openssl(['verify', '-vfyopt', 'distid:1234567812345678', '-CAfile', root, cert], files.dir).code).toBe(0);
    expect(openssl(['verify', '-CAfile', root, cert], files.dir).code).not.toBe(0);
  }
});
