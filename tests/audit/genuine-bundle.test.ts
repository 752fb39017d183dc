import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport, PHRASE_CODES, type CheckLine, type PhraseCode } from '../../gateway/audit/report';
import type { VerifyOptions } from '../../gateway/audit/verify-log';
import { COSIGNATURE_ED25519, formatVkey, NOTE_ED25519, verifierKey } from '../../gateway/log/note';
import { digestHex } from '../../gateway/crypto/digest';
import { notInChinese } from '../support/verify-zh';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import type { TestGateway } from '../support/gateway';
import { entryOf, flipB64, flipHex, openGenuineBundle, type DemoCase, type GenuineBundle } from './scenario';
import { lineText, SAID_CODES } from '../../web/src/verify-zh';

// The genuine bundle verifies and every line the verifier can print is said in Chinese (its phrase
// codes, each fixture altering a copy of the bundle); signatures in the forms xgw made before
// (a department's plain one, legacy SM2 with an empty ID) verify. Tampering: tamper.test.ts.
let t: TestGateway, c: DemoCase, genuine: EvidenceBundle, root: string, hallFp: string, housingPem: string;
let copy: GenuineBundle['copy'], failures: GenuineBundle['failures'];
beforeAll(async () => void ({ t, c, genuine, root, hallFp, housingPem, copy, failures } = await openGenuineBundle('FZ-ZJ-20260302-400001')));
afterAll(async () => {
  await t?.close();
});

test('the genuine bundle verifies', () => {
  expect(verifyBundle(genuine, { rootPems: [root] }).lines.filter((l) => !l.ok)).toEqual([]);
});

test('the console says every line of the genuine bundle, and the failures of an altered payload and signature, in Chinese (its codes, web/src/verify-zh.ts)', () => {
  const chinese = (lines: CheckLine[]) => lines.filter((l) => !/[\u4e00-\u9fff]/.test(lineText(l))).map((l) => `${l.subject}: ${l.text}`);
  expect(chinese(verifyBundle(genuine, { rootPems: [root] }).lines)).toEqual([]);
  const b = copy();
  (b.messages[0].payload as { legalLimitDays: number }).legalLimitDays = 99;
  b.messages[1].envelope.signatures[0].value = flipB64(b.messages[1].envelope.signatures[0].value);
  const failed = verifyBundle(b, { rootPems: [root] }).lines.filter((l) => !l.ok);
  expect(failed.map((l) => l.said?.[0]?.code)).toEqual(expect.arrayContaining(['payload.canonical-differs', 'signature.invalid', 'texts.differ']));
  expect(chinese(failed.filter((l) => l.said))).toEqual([]);
});

test('the console has a Chinese sentence for every code the verifier can say (PHRASE_CODES), and none it cannot', () => {
  expect([...SAID_CODES].sort()).toEqual([...PHRASE_CODES].sort());
});

/**
 * Every kind of failure, made by altering a genuine bundle (or the options), and each line the
 * verifier prints for it said in Chinese. The codes no fixture here produces are listed: the
 * document bundle's (tests/documents/evidence.test.ts) and the few this case cannot make.
 */
test('every line of every failure the verifier reports has its Chinese sentence, with all its values', () => {
  const seen = new Set<PhraseCode>();
  const zhOf: string[] = [];
  const run = (name: string, b: unknown, opts: VerifyOptions = {}) => {
    const r = verifyBundle(b, { rootPems: [root], ...opts });
    expect({ name, untranslated: notInChinese(r.lines) }).toEqual({ name, untranslated: [] });
    for (const l of r.lines) for (const p of l.said) seen.add(p.code);
    zhOf.push(...r.lines.filter((l) => !l.ok).map(lineText));
    return r;
  };
  const FP = 'ab'.repeat(32);
  const entryJson = (i: number) => JSON.parse(genuine.entries[i]!.entry);
  const setEntry = (b: EvidenceBundle, i: number, e: unknown) => void (b.entries[i]!.entry = canonicalJson(e));
  const at = (kind: string, id = c.record.id) => entryOf(genuine, id, kind);
  const fixture = (name: string, alter: (b: EvidenceBundle) => void, opts?: VerifyOptions) => {
    const b = copy();
    alter(b);
    run(name, b, opts);
  };

  run('genuine', genuine);
  run('a file that is no bundle', { format: 'nope' });
  run('an unreadable pinned root', genuine, { rootPems: ['not a certificate'] });
  run('no root at all', genuine, { rootPems: [] });
  run('a pinned root the bundle does not name', genuine, { rootPems: [housingPem] });
  fixture('a certificate listed under another fingerprint, one unreadable', (b) => {
    b.certificates[hallFp] = housingPem;
    b.certificates[FP] = 'not a certificate';
  });
  fixture('the log certificate missing', (b) => void (b.log.checkpoint.signature.certificate = FP));
  fixture('the checkpoint body rewritten', (b) => {
    const body = JSON.parse(b.log.checkpoint.body);
    b.log.checkpoint.body = JSON.stringify({ ...body, log: 'other', alg: body.alg === 'sm3' ? 'sha256' : 'sm3', root: 'zz' }, null, 1);
  });
  fixture('the checkpoint body unreadable', (b) => void (b.log.checkpoint.body = 'not json'));
  fixture('the checkpoint note unreadable', (b) => void (b.log.checkpointNote = 'not a note'));
  fixture('the note key unreadable', (b) => void (b.log.noteKey = 'not a key'));
  fixture('another note key', (b) => void (b.log.noteKey = formatVkey(verifierKey(b.log.origin ?? 'log', NOTE_ED25519, generateKeyPairSync('ed25519').publicKey))));
  const stranger = verifierKey('witness.example', COSIGNATURE_ED25519, generateKeyPairSync('ed25519').publicKey);
  run('a witness that did not cosign', genuine, { witnessKeys: [stranger] });
  fixture('no checkpoint note, a witness required', (b) => delete b.log.checkpointNote, { witnessKeys: [stranger] });
  fixture('odd entries slipped in', (b) => {
    const bad = { ...entryJson(0), v: 1, kind: 'message.teleported', at: '2999-01-01T00:00:00.000Z', message: { ...entryJson(0).message, id: 'nope', caseId: 'JZ-OTHER' } };
    b.entries.push(
      { index: 900001, entry: 'not json', leafHash: '00'.repeat(32), inclusionProof: [] },
      { index: 900002, entry: JSON.stringify(bad, null, 1), leafHash: '00'.repeat(32), inclusionProof: [] },
      { index: 900003, entry: canonicalJson({ v: 1, kind: 'message.delivered', at: entryJson(0).at }), leafHash: '00'.repeat(32), inclusionProof: [] },
      structuredClone(b.entries[0]!),
    );
  });
  fixture('a message twice', (b) => void b.messages.push(structuredClone(b.messages[0]!)));
  fixture('a received entry moved after the delivery', (b) => void (b.entries[at('message.received')]!.index = 900000));
  fixture('a received entry removed', (b) => void b.entries.splice(at('message.received', c.status.id), 1));
  fixture('a message removed', (b) => void b.messages.splice(1, 1));
  fixture('the sender signature removed', (b) => void (b.messages[0]!.envelope.signatures = b.messages[0]!.envelope.signatures.filter((x) => x.role !== 'sender')));
  fixture('the sender signature named to another signer, its certificate missing', (b) => {
    b.messages[0]!.envelope.signatures[0]!.signer = 'tax';
    b.messages[1]!.envelope.signatures[0]!.certificate = FP;
  });
  fixture('the header re-addressed, re-dated, re-cased, its digest changed', (b) => {
    const h = b.messages[0]!.envelope.header;
    Object.assign(h, { receiver: 'tax', caseId: 'JZ-OTHER', time: '2026-01-01T09:00:00.000+08:00' });
    h.payloadDigest.value = flipHex(h.payloadDigest.value);
  });
  fixture('a department-signed header re-dated by a day', (b) => {
    const h = b.messages[1]!.envelope.header;
    h.time = new Date(new Date(h.time).getTime() - 86_400_000).toISOString();
    for (const s of b.messages[1]!.envelope.signatures) delete (s as { onBehalf?: boolean }).onBehalf;
  });
  fixture('a payload altered', (b) => void ((b.messages[0]!.payload as { legalLimitDays: number }).legalLimitDays = 99));
  fixture('a sender signature no longer marked as made on the department\'s behalf', (b) => {
    for (const m of b.messages) for (const x of m.envelope.signatures) delete (x as { onBehalf?: boolean }).onBehalf;
  });
  fixture('a payload that is no JSON value', (b) => void (b.messages[0]!.payload = { n: Number.POSITIVE_INFINITY }));
  fixture('a payload dropped by retention', (b) => {
    b.messages[0]!.payload = null;
    b.messages[0]!.retention = { mode: 'drop', at: '2026-12-01T00:00:00.000Z' } as never;
    delete b.messages[0]!.payloadCanonical;
  });
  fixture('an acknowledgement left out', (b) => void delete b.messages[0]!.ackReceipt);
  fixture('an acknowledgement rewritten', (b) => {
    const a = b.messages[0]!.ackReceipt! as unknown as Record<string, unknown> & { signature: { signer: string; certificate: string } };
    Object.assign(a, { kind: 'other', v: 2, id: 'x', messageId: 'x', digest: { alg: 'sha256', value: FP } });
    a.signature.signer = 'tax';
  });
  fixture("an acknowledgement's certificate missing", (b) => void (b.messages[0]!.ackReceipt!.signature.certificate = FP));
  fixture("the acknowledged entry's kind and reason altered", (b) => {
    const i = at('message.acknowledged');
    setEntry(b, i, { ...entryJson(i), kind: 'message.rejected' });
    const j = at('message.acknowledged', c.status.id);
    setEntry(b, j, { ...entryJson(j), detail: { ...entryJson(j).detail, reasonDigest: { alg: 'md5', value: FP } } });
  });
  fixture("the acknowledged entry's reason digest without a reason", (b) => {
    const i = at('message.acknowledged');
    setEntry(b, i, { ...entryJson(i), detail: { ...entryJson(i).detail, reasonDigest: { alg: 'sha256', value: FP } } });
    const j = at('message.acknowledged', c.status.id);
    setEntry(b, j, { ...entryJson(j), detail: { ...entryJson(j).detail, reason: 'another reason' } });
  });
  fixture('a push receipt altered', (b) => {
    const r = b.messages[0]!.receipt!;
    r.id = 'x';
    r.digest.value = flipHex(r.digest.value);
    r.log.index = b.entries[at('message.acknowledged')]!.index;
    b.messages[1]!.receipt!.signature.certificate = FP;
  });
  fixture('service calls and their entries that do not match', (b) => {
    b.serviceCalls = [
      { id: 'call-1', request: { uscc: '91350100273896412W' }, response: null, nativeRequest: null, nativeResponse: null },
      { id: 'call-3', request: {}, response: null, nativeRequest: null, nativeResponse: null },
      { id: 'call-4', request: { uscc: '91350100273896412W' }, response: null, nativeRequest: null, nativeResponse: null },
    ];
    const call = (id: string, digests: Record<string, unknown>) => ({ v: 1, kind: 'service.called', at: entryJson(0).at, call: { id, caseId: c.caseNo, provider: 'amr', service: 'query-enterprise' }, digests });
    const d = { alg: 'sha256', value: FP };
    b.entries.push(
      { index: 900010, entry: canonicalJson(call('call-1', { request: d, response: d, fax: { alg: 'md5', value: FP } })), leafHash: '00'.repeat(32), inclusionProof: [] },
      { index: 900011, entry: canonicalJson(call('call-2', {})), leafHash: '00'.repeat(32), inclusionProof: [] },
      { index: 900012, entry: canonicalJson(call('call-1', {})), leafHash: '00'.repeat(32), inclusionProof: [] },
      { index: 900013, entry: canonicalJson(call('call-4', { request: { alg: 'sha256', value: digestHex('sha256', canonicalJson({ uscc: '91350100273896412W' })) } })), leafHash: '00'.repeat(32), inclusionProof: [] },
    );
  });
  fixture('the signed texts altered', (b) => void (b.messages[0]!.signedTexts!.header += ' '));

  // what a fixture here cannot make: a 公文's lines and a seal's certificate left out (tests/documents/evidence.test.ts), a 电子监察 card (supervision), a witness's cosignature
  // (tests/audit/witness.test.ts), legacy SM2 remarks (below), a chain revoked before the signature (revocation.test.ts),
  // an entry at a time that is no time, an ackReceipt without a signature object (the structure check stops it first),
  // a certificate issued to another department that still verifies, and the verifier stopping on an unexpected value.
  const elsewhere = [
    ...PHRASE_CODES.filter((x) => /^(document|signed-step|seal)\./.test(x) || x === 'entry.other-document'),
    'witness.cosigned', 'witness.invalid', 'legacy.sm2-signature' /* below */, 'legacy.sm2-certificates', 'chain.revoked-before', 'chain.no-time',
    'ack.not-signed', 'signature.other-holder', 'ack.other-holder', 'bundle.verifier-stopped', 'chain.not-bundled', 'step.card',
    // said by a case timeline's signature status, not by the bundle verifier (tests/cases/*signature*)
    'timeline.not-in-bundle', 'timeline.bundle-unavailable',
    // a service call whose bodies the retention policy dropped (tests/retention/service-calls.test.ts)
    'call.dropped',
  ];
  expect(PHRASE_CODES.filter((x) => !seen.has(x) && !elsewhere.includes(x))).toEqual([]);
  expect(zhOf.join('\n')).not.toMatch(/undefined/);
  // the chain validator's reasons are said in Chinese too (not only the sentence around them)
  expect(zhOf.filter((x) => x.includes('无法链接到信任根'))).not.toHaveLength(0);
  expect(zhOf.filter((x) => /is not in the chain|does not verify|self-signed|cannot parse|serial/.test(x))).toEqual([]);
});

test("a department's own (plain, unbatched) signature over the header is checked too", async () => {
  const { verifyAnySignature } = await import('../../gateway/audit/verify-signature');
  const header = canonicalJson(genuine.messages[0].envelope.header);
  const hall = t.gw.deps.trust.signerFor('hall')!;
  const plain = { alg: hall.alg, value: hall.sign(header).toString('base64') };
  expect(verifyAnySignature(plain, header, hall.certPem!)).toBe('valid');
  expect(verifyAnySignature({ ...plain, value: flipB64(plain.value) }, header, hall.certPem!)).toBe('invalid');
  expect(verifyAnySignature(plain, header.replace('housing', 'tax'), hall.certPem!)).toBe('invalid');
  expect(verifyAnySignature(plain, header, housingPem)).toBe('invalid');
});

describe('legacy SM2 signatures (EMPTY distinguishing ID, as xgw made them with Node before): they verify, and the report says so', () => {
  test('plain and batched signatures labelled SM2-SM3 (or SM2-SM3-EMPTYID) come out legacy; altered ones invalid', async () => {
    const { verifyAnySignature } = await import('../../gateway/audit/verify-signature');
    const hall = t.gw.deps.trust.signerFor('hall')!;
    expect(hall.alg).toBe('SM2-SM3');
    const header = canonicalJson(genuine.messages[0].envelope.header);
    const legacyValue = nodeSign('sm3', Buffer.from(header), hall.privateKey).toString('base64');
    expect(verifyAnySignature({ alg: 'SM2-SM3', value: legacyValue }, header, hall.certPem!)).toBe('legacy-sm2-empty-id');
    expect(verifyAnySignature({ alg: 'SM2-SM3-EMPTYID', value: legacyValue }, header, hall.certPem!)).toBe('legacy-sm2-empty-id');
    expect(verifyAnySignature({ alg: 'SM2-SM3', value: flipB64(legacyValue) }, header, hall.certPem!)).toBe('invalid');
    const batched = genuine.messages[0].envelope.signatures.find((x) => x.role === 'sender')!;
    expect(batched).toMatchObject({ alg: 'SM2-SM3', signer: 'hall' });
    expect(verifyAnySignature(batched, header, hall.certPem!)).toBe('valid');
    const manifest = (batched as { manifest: string }).manifest;
    const legacyBatched = { ...batched, value: nodeSign('sm3', Buffer.from(manifest), hall.privateKey).toString('base64') };
    expect(verifyAnySignature(legacyBatched, header, hall.certPem!)).toBe('legacy-sm2-empty-id');
    expect(verifyAnySignature(legacyBatched, header.replace('housing', 'tax'), hall.certPem!)).toBe('invalid');
  });

  test('a bundle whose checkpoint carries a legacy signature verifies, with a note on the line and in the report', () => {
    const b = copy();
    const log = t.gw.deps.trust.logSigner;
    expect(b.log.checkpoint.signature.alg).toBe('SM2-SM3');
    b.log.checkpoint.signature.value = nodeSign('sm3', Buffer.from(b.log.checkpoint.body), log.privateKey).toString('base64');
    const r = verifyBundle(b, { rootPems: [root] });
    expect(r.lines.filter((l) => !l.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.legacySm2).toBe(1);
    expect(r.lines.find((l) => l.group === 'checkpoint' && l.note === 'legacy-sm2-empty-id')?.text).toMatch(/verifies with the log certificate .* note: legacy SM2 signature with an EMPTY distinguishing ID/);
    // in the console too: the signature's sentence, then the remark
    const legacy = r.lines.find((l) => l.note === 'legacy-sm2-empty-id')!;
    expect(legacy.said.map((p) => p.code)).toEqual(['checkpoint.signature', 'legacy.sm2-signature']);
    expect(notInChinese(r.lines)).toEqual([]);
    expect(lineText(legacy)).toMatch(/验证通过；注意：这是旧版 SM2 签名/);
    const text = formatReport(r);
    expect(text).toMatch(/NOTE: 1 check\(s\) passed on a legacy SM2 signature with an EMPTY distinguishing ID/);
    expect(text).toContain('RESULT: VERIFIED');
    expect(verifyBundle(genuine, { rootPems: [root] }).legacySm2).toBe(0);
    // the legacy form over another body fails like any bad signature
    b.log.checkpoint.signature.value = flipB64(b.log.checkpoint.signature.value);
    expect(failures(b)[0].text).toMatch(/does not verify with the log certificate/);
  });
});
