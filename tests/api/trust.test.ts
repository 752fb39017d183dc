import { X509Certificate } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { openssl, opensslVerifyArgs, scratchDir } from '../crypto/support';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { buildHeader, signedTextFor, verifyEnvelope, type BatchedEnvelopeSignature, type Envelope } from '../../gateway/crypto/envelope';
import { verifyBatched } from '../../gateway/crypto/batch-signature';
import { preparePush } from '../../gateway/exchange/push';
import { pushDeps } from '../../gateway/deps';
import { formatTime } from '../../gateway/clock';
import { ackReceiptDigest, verifyReceipt } from '../../gateway/exchange/receipts';
import { applyCrl, revokeCertificate } from '../../gateway/trust/certificates';
import { createCrl, createRootCa, loadCertificateAuthority } from '../../certs/ca';
import fs from 'node:fs';
import path from 'node:path';
import { leafHash } from '../../gateway/merkle/hash';
import { rootFromLeaves, verifyConsistency, verifyInclusion } from '../../gateway/merkle/verify';
import { verifyCheckpoint } from '../../gateway/log/checkpoint';

let t: TestGateway;
const files = scratchDir('trust');
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
  files.cleanup();
});

const pushRecord = (messageId: string, payload: Record<string, unknown> = sampleCaseRecord() as never) =>
  t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId, caseId: payload.caseNo, purpose: 'case-handling', payload },
  });

async function storedEnvelope(id: string): Promise<{ envelope: Envelope; payload: unknown }> {
  const r = await t.db.store.query<{ envelope: Envelope; payload: unknown }>('SELECT envelope, payload FROM messages WHERE id = $1', [id]);
  return r.rows[0];
}

/**
 * The sender's batch signature: openssl verifies the signed manifest with the
 * department certificate, and the header's leaf is in the manifest's root. A forged
 * manifest fails openssl; a forged header fails the inclusion step.
 */
function batchChecks(envelope: Envelope, tag: string) {
  const sig = envelope.signatures[0] as BatchedEnvelopeSignature;
  const cert = t.gw.deps.trust.certificatePem(sig.certificate)!;
  const pub = files.write(`${tag}.pub.pem`, new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const sigFile = files.write(`${tag}.sig`, Buffer.from(sig.value, 'base64'));
  const manifest = JSON.parse(sig.manifest);
  const genuine = openssl(opensslVerifyArgs(sig.alg, pub, sigFile, files.write(`${tag}.manifest.json`, sig.manifest)), files.dir).code;
  const forgedManifest = canonicalJson({ ...manifest, root: '00'.repeat(32) });
  const tampered = openssl(opensslVerifyArgs(sig.alg, pub, sigFile, files.write(`${tag}.forged.json`, forgedManifest)), files.dir).code;
  const headerIncluded = verifyBatched(sig, canonicalJson(envelope.header), cert);
  const forgedHeaderIncluded = verifyBatched(sig, canonicalJson({ ...envelope.header, receiver: 'tax' }), cert);
  return { genuine, tampered, headerIncluded, forgedHeaderIncluded, manifest };
}

describe('signed envelopes', () => {
  test('an SM2 department (hall) envelope: SM3 payload digest, SM2 signature openssl accepts, tampering fails', async () => {
    const record = sampleCaseRecord();
    const res = await pushRecord('env-sm2', record as never);
    expect(res.status).toBe(202);
    const { envelope, payload } = await storedEnvelope(res.body.id);
    expect(envelope.header).toMatchObject({ v: 1, messageId: 'env-sm2', sender: 'hall', receiver: 'housing', type: 'case-record', purpose: 'case-handling' });
    // signed on the department's behalf: the header's time is the gateway's receiving time
    expect(envelope.header.time).toBe(formatTime(t.clock.now()));
    expect(batchChecks({ ...envelope, header: { ...envelope.header, time: formatTime(t.clock.now().getTime() - 1000) } }, 'sm2-time').headerIncluded).toBe(false);
    expect(envelope.header.payloadDigest.alg).toBe('sm3');
    expect(envelope.header.payloadDigest.value).toBe(res.body.digest.value);
    expect(envelope.signatures).toEqual([expect.objectContaining({ role: 'sender', signer: 'hall', onBehalf: true, alg: 'SM2-SM3' })]);
    const sm2 = batchChecks(envelope, 'sm2');
    expect(sm2).toMatchObject({ genuine: 0, tampered: 1, headerIncluded: true, forgedHeaderIncluded: false });
    expect(sm2.manifest).toMatchObject({ v: 1, signer: 'hall', hashAlg: 'sm3' });

    const certs = (fp: string) => t.gw.deps.trust.certificatePem(fp);
    expect(verifyEnvelope(envelope, canonicalJson(payload), certs)).toEqual({ ok: true, problems: [] });
    const altered = canonicalJson({ ...(payload as object), legalLimitDays: 99 });
    expect(verifyEnvelope(envelope, altered, certs).problems).toContain('payload digest does not match the payload');
  });

  test('an RSA department (amr) envelope: SHA-256 digest, RSA-PSS signature openssl accepts, tampering fails', async () => {
    const status = sampleCaseStatus();
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.amr,
      body: { to: 'hall', type: 'case-status', messageId: 'env-rsa', caseId: status.caseNo, purpose: 'status-feedback', payload: status },
    });
    expect(res.status).toBe(202);
    expect(res.body.digest.alg).toBe('sha256');
    const { envelope } = await storedEnvelope(res.body.id);
    expect(envelope.signatures[0].alg).toBe('RSA-PSS-SHA256');
    expect(signedTextFor('sender', envelope.header)).toBe(canonicalJson(envelope.header));
    const rsa = batchChecks(envelope, 'rsa');
    expect(rsa).toMatchObject({ genuine: 0, tampered: 1, headerIncluded: true, forgedHeaderIncluded: false });
    expect(rsa.manifest.hashAlg).toBe('sha256');
  });

  test('one batch signature covers every message a department sends in one group commit', async () => {
    // Submitted in the same event-loop turn, the 12 messages share one batch.
    const d = t.gw.deps;
    const deps = pushDeps(d);
    const hall = { kind: 'system' as const, member: 'hall', system: 'default' };
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const payload = sampleCaseRecord() as unknown as Record<string, unknown>;
        return d.writer.submit(preparePush(deps, hall, { to: 'housing', type: 'case-record', messageId: `batch-${i}`, purpose: 'case-handling', payload }));
      }),
    );
    const envelopes = await Promise.all(outcomes.map(async (o) => (await storedEnvelope(o.outcome === 'created' ? o.receipt.id : '')).envelope));
    const sigs = envelopes.map((e) => e.signatures[0] as BatchedEnvelopeSignature);
    expect(new Set(sigs.map((s) => s.manifest)).size).toBe(1);
    expect(JSON.parse(sigs[0].manifest)).toMatchObject({ signer: 'hall', hashAlg: 'sm3', size: 12 });
    expect(sigs.map((s) => s.index)).toEqual([...Array(12).keys()]);
    const cert = d.trust.certificatePem(sigs[0].certificate)!;
    envelopes.forEach((e, i) => expect(verifyBatched(sigs[i], canonicalJson(e.header), cert)).toBe(true));
    // a header presented with another message's position or proof does not verify
    expect(verifyBatched({ ...sigs[0], index: 1 }, canonicalJson(envelopes[0].header), cert)).toBe(false);
    expect(verifyBatched({ ...sigs[0], proof: sigs[1].proof }, canonicalJson(envelopes[0].header), cert)).toBe(false);
    expect(verifyBatched(sigs[0], canonicalJson(envelopes[1].header), cert)).toBe(false);
  });
});

describe('departments that sign their own envelopes', () => {
  /** 30 s before the gateway's clock, written in UTC with a fraction: the header keeps it exactly as written. */
  const aMomentAgo = () => new Date(t.clock.now().getTime() - 30_000).toISOString().replace(/\.(\d)\d\dZ$/, '.$1Z');
  const selfSigned = (messageId: string, payload: Record<string, unknown>, tamper = false, signedAt = aMomentAgo()) => {
    const hall = t.gw.deps.trust.signerFor('hall')!; // the department holds this key itself
    const header = buildHeader(
      { messageId, sender: 'hall', receiver: 'housing', type: 'case-record', caseId: String(payload.caseNo), purpose: 'case-handling', time: signedAt },
      canonicalJson(payload),
      'sm3',
    );
    const signed = tamper ? { ...header, purpose: 'parallel-approval' } : header;
    const signature = { alg: 'SM2-SM3', certificate: t.gw.deps.trust.signerCertificate('hall')!, signedAt, value: hall.sign(canonicalJson(signed)).toString('base64') };
    return { header, signature, body: { to: 'housing', type: 'case-record', messageId, caseId: payload.caseNo, purpose: 'case-handling', payload, signature } };
  };
  const count = async () => Number((await t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0].n);

  test('a valid own signature is kept as is (openssl checks it directly) and the gateway countersigns', async () => {
    const payload = sampleCaseRecord() as unknown as Record<string, unknown>;
    const { header, body } = selfSigned('own-1', payload);
    const res = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body });
    expect(res.status).toBe(202);
    const { envelope } = await storedEnvelope(res.body.id);
    expect(envelope.header).toEqual(header);
    expect(envelope.header.time).toBe(body.signature.signedAt);
    expect(envelope.signatures.map((s) => [s.role, s.signer, s.onBehalf])).toEqual([['sender', 'hall', false], ['gateway', 'gateway', false]]);
    expect(verifyEnvelope(envelope, canonicalJson(payload), t.gw.deps.trust.certificatePem)).toEqual({ ok: true, problems: [] });
    const own = envelope.signatures[0];
    const pub = files.write('own.pub.pem', new X509Certificate(t.gw.deps.trust.certificatePem(own.certificate)!).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const sig = files.write('own.sig', Buffer.from(own.value, 'base64'));
    expect(openssl(opensslVerifyArgs('SM2-SM3', pub, sig, files.write('own.header.json', canonicalJson(header))), files.dir).code).toBe(0);
  });

  test('a signature over anything else, or with another department\'s certificate, is refused and nothing is stored', async () => {
    const payload = sampleCaseRecord() as unknown as Record<string, unknown>;
    const before = await count();
    const forged = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: selfSigned('own-2', payload, true).body });
    expect(forged.status).toBe(422);
    expect(forged.body.code).toBe('GW_ERR_TRUST_BAD_SIGNATURE');
    const { body } = selfSigned('own-3', payload);
    const wrongCert = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { ...body, signature: { ...body.signature, certificate: t.gw.deps.trust.signerCertificate('housing') } },
    });
    expect(wrongCert.status).toBe(422);
    expect(wrongCert.body.code).toBe('GW_ERR_TRUST_CERTIFICATE_INVALID');
    expect(await count()).toBe(before);
  });

  test('the signing time must be near the gateway clock and is required with an own signature; nothing is stored otherwise', async () => {
    const payload = sampleCaseRecord() as unknown as Record<string, unknown>;
    const before = await count();
    const stale = new Date(t.clock.now().getTime() - 301_000).toISOString();
    const old = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: selfSigned('own-4', payload, false, stale).body });
    expect([old.status, old.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
    expect(old.body.errors).toEqual([{ pointer: '/signature/signedAt', message: expect.stringMatching(/is 301 s from the gateway's clock .*at most 300 s/) }]);
    const future = new Date(t.clock.now().getTime() + 3600_000).toISOString();
    expect((await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: selfSigned('own-5', payload, false, future).body })).status).toBe(400);
    const { body } = selfSigned('own-6', payload);
    const { signedAt: _dropped, ...unsigned } = body.signature;
    const missing = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { ...body, signature: unsigned } });
    expect([missing.status, missing.body.errors]).toEqual([400, [{ pointer: '/signature/signedAt', message: expect.any(String) }]]);
    expect(await count()).toBe(before);
  });

  test('after revocation new signatures are refused; envelopes signed before still verify', async () => {
    const earlier = await t.call('POST', '/api/v1/messages', { token: t.tokens.amr, body: { to: 'hall', type: 'case-status', messageId: 'rev-0', purpose: 'status-feedback', payload: sampleCaseStatus() } });
    expect(earlier.status).toBe(202);
    const amrCert = t.gw.deps.trust.signerCertificate('amr')!;
    await revokeCertificate(t.db.store, amrCert, t.clock.now());
    await t.gw.deps.trust.refresh(t.db.store);
    t.clock.advance(1000);
    const refused = await t.call('POST', '/api/v1/messages', { token: t.tokens.amr, body: { to: 'hall', type: 'case-status', messageId: 'rev-1', purpose: 'status-feedback', payload: sampleCaseStatus() } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('GW_ERR_TRUST_CERTIFICATE_INVALID');
    expect(refused.body.detail).toContain('revoked');
    const { envelope, payload: stored } = await storedEnvelope(earlier.body.id);
    expect(verifyEnvelope(envelope, canonicalJson(stored), t.gw.deps.trust.certificatePem).ok).toBe(true);
  });
});

describe('certificate revocation lists', () => {
  test("a CRL from the trusted root revokes the listed department certificate; an untrusted CRL is refused", async () => {
    const dir = t.gw.deps.trust.pki.dir;
    const ca = loadCertificateAuthority(fs.readFileSync(path.join(dir, 'ca', 'root.cert.pem'), 'utf8'), fs.readFileSync(path.join(dir, 'ca', 'root.key.pem'), 'utf8'));
    const taxPem = t.gw.deps.trust.signerFor('tax')!.certPem!;
    const revokedAt = new Date(t.clock.now().getTime() - 60_000);
    const crl = createCrl({
      ca,
      revoked: [{ serial: new X509Certificate(taxPem).serialNumber, revokedAt, reason: 'keyCompromise' }],
      thisUpdate: t.clock.now(),
      nextUpdate: new Date(t.clock.now().getTime() + 86_400_000),
      crlNumber: 1,
    });
    const stranger = createRootCa({ alg: 'sm2', subject: { C: 'CN', O: '别处', CN: 'Other CA' }, days: 30, now: t.clock.now() });
    await expect(applyCrl(t.db.store, crl.pem, [stranger.certPem])).rejects.toThrow('not signed by a trusted CA');
    expect(await applyCrl(t.db.store, crl.pem, t.gw.deps.trust.pki.trustedRootPems)).toEqual([t.gw.deps.trust.signerCertificate('tax')]);
    await t.gw.deps.trust.refresh(t.db.store);
    const refused = await t.call('POST', '/api/v1/messages', { token: t.tokens.tax, body: { to: 'hall', type: 'case-status', messageId: 'crl-1', purpose: 'status-feedback', payload: sampleCaseStatus() } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('GW_ERR_TRUST_CERTIFICATE_INVALID');
  });
});

describe('signed receipts', () => {
  test('the push receipt is signed by the gateway log key; a duplicate push returns the same signed receipt', async () => {
    const record = sampleCaseRecord();
    const first = await pushRecord('rcpt-1', record as never);
    expect(first.status).toBe(202);
    const logCert = t.gw.deps.trust.logSigner.certPem!;
    expect(first.body.signature).toMatchObject({ signer: 'gateway', alg: 'SM2-SM3', certificate: t.gw.deps.trust.fingerprintOf(logCert) });
    expect(verifyReceipt(first.body, logCert)).toBe(true);
    expect(verifyReceipt({ ...first.body, log: { ...first.body.log, index: first.body.log.index + 1 } }, logCert)).toBe(false);
    // openssl checks the signed manifest with the log certificate
    const pub = files.write('rcpt.pub.pem', new X509Certificate(logCert).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const sig = files.write('rcpt.sig', Buffer.from(first.body.signature.value, 'base64'));
    expect(openssl(opensslVerifyArgs('SM2-SM3', pub, sig, files.write('rcpt.manifest', first.body.signature.manifest)), files.dir).code).toBe(0);

    // the signature is stored after the answer; once it is, a retry gets exactly the original
    for (let i = 0; i < 50; i++) {
      const r = await t.db.store.query<{ signature: unknown }>('SELECT signature FROM receipt_signatures WHERE message_id = $1', [first.body.id]);
      if (r.rows[0]?.signature) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    const again = await pushRecord('rcpt-1', record as never);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  test("an acknowledgement is a receipt signed by the receiving department's key", async () => {
    const pushed = await pushRecord('rcpt-ack');
    const ack = await t.call('POST', `/api/v1/messages/${pushed.body.id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason: '非本部门事项' } });
    expect(ack.status).toBe(200);
    const receipt = ack.body.receipt;
    expect(receipt).toMatchObject({ kind: 'acknowledgement', id: pushed.body.id, from: 'hall', to: 'housing', result: 'rejected', reason: '非本部门事项', digest: pushed.body.digest });
    const housingCert = t.gw.deps.trust.certificatePem(receipt.signature.certificate)!;
    expect(receipt.signature).toMatchObject({ signer: 'housing', alg: 'SM2-SM3' });
    expect(housingCert).toBe(t.gw.deps.trust.signerFor('housing')!.certPem);
    const { signature, ...body } = receipt;
    expect(verifyBatched(signature, canonicalJson(body), housingCert)).toBe(true);
    expect(verifyBatched(signature, canonicalJson({ ...body, result: 'accepted' }), housingCert)).toBe(false);
    // repeating the same answer returns the same signed receipt
    const again = await t.call('POST', `/api/v1/messages/${pushed.body.id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason: '非本部门事项' } });
    expect(again.body.receipt).toEqual(receipt);
    // the log entry of the rejection names the receipt's digest
    await t.gw.deps.integrator.runOnce(true);
    const trace = await t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE message_id = $1 AND kind = 'message.rejected'`, [pushed.body.id]);
    expect(JSON.parse(trace.rows[0].entry).detail.receipt).toMatchObject({ alg: 'sha256', digest: ackReceiptDigest(receipt), signer: 'housing' });
  });
});

describe('the Merkle exchange log', () => {
  test('every exchange step is a leaf; a signed checkpoint, inclusion and consistency proofs all verify', async () => {
    const pushed = await pushRecord('log-1');
    const firstCp = await t.gw.deps.integrator.runOnce(true);
    expect(firstCp).not.toBeNull();

    await t.call('GET', '/api/v1/inbox', { token: t.tokens.housing });
    await t.call('POST', `/api/v1/messages/${pushed.body.id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
    await pushRecord('log-2');
    await t.gw.deps.integrator.runOnce(true);

    const key = await t.call('GET', '/api/v1/log/key', { token: t.tokens.tax });
    expect(key.status).toBe(200);
    expect(key.body).toMatchObject({ sigAlg: 'SM2-SM3', hashAlg: 'sha256' });
    const cp = (await t.call('GET', '/api/v1/log/checkpoint', { token: t.tokens.tax })).body;
    const body = JSON.parse(cp.body);
    expect(body).toMatchObject({ v: 2, alg: 'sha256', seq: expect.any(Number), prev: expect.any(Number), size: cp.size, root: cp.root });

    // openssl alone checks the checkpoint with the published log certificate
    const pub = files.write('log.pub.pem', new X509Certificate(key.body.certificate).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const sig = files.write('cp.sig', Buffer.from(cp.signature.value, 'base64'));
    expect(openssl(opensslVerifyArgs(cp.signature.alg, pub, sig, files.write('cp.json', cp.body)), files.dir).code).toBe(0);
    expect(openssl(opensslVerifyArgs(cp.signature.alg, pub, sig, files.write('cp2.json', cp.body.replace(/"size":\d+/, '"size":1'))), files.dir).code).toBe(1);
    expect(verifyCheckpoint(cp, key.body.certificate)).toEqual(body);

    // anyone can recompute the tree from the served leaf hashes; the entry texts a member reads (its own) hash to them
    const entries = (await t.call("GET", `/api/v1/log/entries?start=0&end=${cp.size}`, { token: t.tokens.hall })).body.items; // the sender reads its entries
    expect(entries).toHaveLength(cp.size);
    for (const e of entries) if (!e.withheld) expect(leafHash('sha256', e.entry).toString('hex')).toBe(e.leafHash);
    expect(rootFromLeaves('sha256', entries.map((e: { leafHash: string }) => Buffer.from(e.leafHash, 'hex'))).toString('hex')).toBe(cp.root);

    // the receipt's log position proves inclusion against the signed root
    const idx = pushed.body.log.index;
    const proof = (await t.call('GET', `/api/v1/log/proof/inclusion?index=${idx}&size=${cp.size}`, { token: t.tokens.hall })).body;
    expect(proof.leafHash).toBe(pushed.body.log.leafHash);
    const hex = (xs: string[]) => xs.map((x) => Buffer.from(x, 'hex'));
    expect(verifyInclusion('sha256', idx, cp.size, Buffer.from(proof.leafHash, 'hex'), hex(proof.proof), Buffer.from(cp.root, 'hex'))).toBe(true);
    const byLeaf = (await t.call('GET', `/api/v1/log/proof/inclusion?leafHash=${proof.leafHash}&size=${cp.size}`, { token: t.tokens.hall })).body;
    expect(byLeaf).toEqual(proof);

    // the first checkpoint is consistent with the latest (nothing removed or reordered)
    const cons = (await t.call('GET', `/api/v1/log/proof/consistency?from=${firstCp!.body.match(/"size":(\d+)/)![1]}&to=${cp.size}`, { token: t.tokens.hall })).body;
    const first = JSON.parse(firstCp!.body);
    expect(verifyConsistency('sha256', first.size, cp.size, hex(cons.proof), Buffer.from(first.root, 'hex'), Buffer.from(cp.root, 'hex'))).toBe(true);

    // the message's steps are leaves in commit order
    const kinds = entries.filter((e: { withheld?: boolean }) => !e.withheld).map((e: { entry: string }) => JSON.parse(e.entry)).filter((e: { message: { id: string } }) => e.message.id === pushed.body.id);
    expect(kinds.map((e: { kind: string }) => e.kind)).toEqual(['message.received', 'message.delivered', 'message.acknowledged']);
  });

  test('out-of-range proofs are clear 400s; unknown leaves 404', async () => {
    const bad = await t.call('GET', '/api/v1/log/proof/inclusion?index=999999&size=1000000', { token: t.tokens.hall });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('GW_ERR_LOG_BAD_RANGE');
    const none = await t.call('GET', `/api/v1/log/proof/inclusion?leafHash=${'ab'.repeat(32)}`, { token: t.tokens.hall });
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('GW_ERR_LOG_NOT_FOUND');
  });
});
