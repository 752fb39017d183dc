import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { certificateFingerprint } from '../../gateway/crypto/envelope';
import { leafHash } from '../../gateway/merkle/hash';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport, PHRASE_CODES, type CheckLine, type PhraseCode } from '../../gateway/audit/report';
import type { VerifyOptions } from '../../gateway/audit/verify-log';
import { COSIGNATURE_ED25519, formatVkey, NOTE_ED25519, verifierKey } from '../../gateway/log/note';
import { digestHex } from '../../gateway/crypto/digest';
import { notInChinese } from '../support/verify-zh';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import { demoCase, loginAs, type DemoCase } from './scenario';
import { lineText, SAID_CODES } from '../../web/src/verify-zh';

// Each test alters one thing in a genuine bundle; the verifier must fail and say where.
let t: TestGateway;
let c: DemoCase;
let genuine: EvidenceBundle;
let root: string;
let hallFp: string;
let housingPem: string;

beforeAll(async () => {
  t = await startTestGateway();
  c = await demoCase(t, 'FZ-ZJ-20260302-400001');
  const r = await t.call('GET', `/api/v1/audit/evidence?caseId=${c.caseNo}`, { token: await loginAs(t, 'auditor') });
  genuine = r.body;
  root = t.gw.deps.trust.pki.rootCertPem;
  hallFp = certificateFingerprint(t.gw.deps.trust.signerFor('hall')!.certPem!);
  housingPem = t.gw.deps.trust.signerFor('housing')!.certPem!;
});
afterAll(async () => {
  await t?.close();
});

const copy = (): EvidenceBundle => structuredClone(genuine);
const flipB64 = (b64: string, at = 10): string => {
  const buf = Buffer.from(b64, 'base64');
  buf[at] ^= 0x01;
  return buf.toString('base64');
};
const flipHex = (h: string): string => (h[0] === '0' ? '1' : '0') + h.slice(1);
/** Log indexes of a message's entries, by kind. */
const entryOf = (b: EvidenceBundle, id: string, kind: string) => b.entries.findIndex((e) => JSON.parse(e.entry).message.id === id && JSON.parse(e.entry).kind === kind);

function failures(b: unknown): CheckLine[] {
  const r = verifyBundle(b, { rootPems: [root] });
  expect(r.ok).toBe(false);
  expect(r.failures).toBeGreaterThan(0);
  const text = formatReport(r);
  expect(text).toContain('RESULT: FAILED');
  return r.lines.filter((l) => !l.ok);
}
const about = (lines: CheckLine[], id: string) => lines.filter((l) => l.messageId === id);

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

describe('tampering is detected and located', () => {
  test('a payload altered', () => {
    const b = copy();
    (b.messages[0].payload as { legalLimitDays: number }).legalLimitDays = 99;
    const f = failures(b);
    expect(f).toEqual([expect.objectContaining({ group: 'messages', messageId: c.record.id, text: expect.stringMatching(/payloadCanonical is not the canonical JSON/) })]);
    // altered consistently (payloadCanonical too, or dropped): the header digest no longer matches
    b.messages[0].payloadCanonical = canonicalJson(b.messages[0].payload);
    const g = failures(b);
    expect(g).toEqual([expect.objectContaining({ messageId: c.record.id, text: expect.stringMatching(/digest does not equal envelope.header.payloadDigest/) })]);
    delete b.messages[0].payloadCanonical;
    expect(failures(b)).toEqual(g);
  });

  test("an envelope's time back-dated", () => {
    const b = copy();
    b.messages[0].envelope.header.time = '2026-01-01T09:00:00.000+08:00';
    const received = b.entries[entryOf(b, c.record.id, 'message.received')].index;
    expect(failures(b)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ group: 'messages', messageId: c.record.id, text: expect.stringMatching(/sender signature .* does not verify/) }),
        expect.objectContaining({ group: 'messages', messageId: c.record.id, index: received, text: expect.stringMatching(/envelope time 2026-01-01T09:00:00.000\+08:00 is not the time the log recorded/) }),
      ]),
    );
  });

  test('an envelope header altered', () => {
    const b = copy();
    b.messages[0].envelope.header.receiver = 'tax';
    const f = failures(b);
    const received = b.entries[entryOf(b, c.record.id, 'message.received')].index;
    expect(f).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ group: 'messages', messageId: c.record.id, text: expect.stringMatching(/sender signature .* does not verify/) }),
        expect.objectContaining({ group: 'messages', messageId: c.record.id, index: received, text: expect.stringMatching(/to "housing" ≠ envelope "tax"/) }),
        expect.objectContaining({ group: 'steps', index: received, messageId: c.record.id }),
      ]),
    );
    expect(f.every((l) => l.messageId === c.record.id)).toBe(true);
    // re-digesting an altered payload into the header does not help: the signature covers the header
    const d = copy();
    (d.messages[1].payload as { officer: string }).officer = '张三';
    d.messages[1].payloadCanonical = canonicalJson(d.messages[1].payload);
    d.messages[1].envelope.header.payloadDigest.value = 'ab'.repeat(32);
    expect(about(failures(d), c.status.id).map((l) => l.text).join('\n')).toMatch(/does not verify[\s\S]*envelope digest/);
  });

  test('a signature byte flipped', () => {
    const b = copy();
    const sig = b.messages[1].envelope.signatures[0];
    sig.value = flipB64(sig.value);
    const f = failures(b);
    expect(f).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ messageId: c.status.id, text: expect.stringMatching(/sender signature .* by housing does not verify/) }),
        // the envelope (signatures included) is not the one the log recorded either
        expect.objectContaining({ messageId: c.status.id, text: expect.stringMatching(/envelope digest/) }),
      ]),
    );
    expect(f.every((l) => l.messageId === c.status.id)).toBe(true);
    // the receiver's signed acknowledgement
    const a = copy();
    a.messages[0].ackReceipt!.signature.value = flipB64(a.messages[0].ackReceipt!.signature.value);
    const g = failures(a);
    expect(g).toEqual(expect.arrayContaining([expect.objectContaining({ messageId: c.record.id, text: expect.stringMatching(/signed acknowledgement: .*does not verify/) })]));
    expect(g.every((l) => l.messageId === c.record.id)).toBe(true);
  });

  test('an entry text altered', () => {
    const b = copy();
    const i = entryOf(b, c.record.id, 'message.delivered');
    b.entries[i].entry = b.entries[i].entry.replace('"via":"pull"', '"via":"push"');
    const f = failures(b);
    expect(f).toEqual([expect.objectContaining({ group: 'entries', index: b.entries[i].index, text: expect.stringMatching(/leafHash ≠ H\(0x00 ‖ entry\)/) })]);
    // with a recomputed leaf hash, the inclusion proof no longer reaches the signed root
    b.entries[i].leafHash = leafHash('sha256', b.entries[i].entry).toString('hex');
    expect(failures(b)).toEqual([expect.objectContaining({ group: 'entries', index: b.entries[i].index, text: expect.stringMatching(/inclusion proof does not lead/) })]);
  });

  test('an inclusion proof element altered', () => {
    const b = copy();
    b.entries[3].inclusionProof[1] = flipHex(b.entries[3].inclusionProof[1]);
    expect(failures(b)).toEqual([expect.objectContaining({ group: 'entries', index: b.entries[3].index, text: expect.stringMatching(/inclusion proof/) })]);
    const d = copy();
    d.entries[0].inclusionProof.pop();
    expect(failures(d)).toEqual([expect.objectContaining({ group: 'entries', index: d.entries[0].index })]);
  });

  test('the checkpoint body altered', () => {
    const b = copy();
    const body = JSON.parse(b.log.checkpoint.body);
    b.log.checkpoint.body = canonicalJson({ ...body, at: '2026-03-09T09:30:00.000+08:00' });
    expect(failures(b)).toEqual([expect.objectContaining({ group: 'checkpoint', subject: 'checkpoint', text: expect.stringMatching(/signature over the body does not verify/) })]);
    // backdated before the entries: they are dated after it, and the log certificate was not valid yet
    const early = copy();
    early.log.checkpoint.body = canonicalJson({ ...body, at: '2025-01-01T00:00:00.000+08:00' });
    const e = failures(early);
    expect(e.filter((l) => l.group === 'checkpoint').map((l) => l.text).join('\n')).toMatch(/does not verify[\s\S]*not yet valid/);
    expect(e.filter((l) => l.group === 'entries').map((l) => l.text)).toEqual(early.entries.map((x) => expect.stringMatching(/not before the checkpoint/)));
    // a forged root: the signature fails, and no entry is included in it
    const d = copy();
    d.log.checkpoint.body = canonicalJson({ ...body, root: flipHex(body.root) });
    const f = failures(d);
    expect(f.filter((l) => l.group === 'checkpoint')).toHaveLength(1);
    expect(f.filter((l) => l.group === 'entries').map((l) => l.index)).toEqual(d.entries.map((e) => e.index));
    const s = copy();
    s.log.checkpoint.signature.value = flipB64(s.log.checkpoint.signature.value);
    expect(failures(s)).toEqual([expect.objectContaining({ subject: 'checkpoint' })]);
  });

  test('an entry removed', () => {
    // the received entry of a message: the message is no longer anchored in the log
    const b = copy();
    const gone = b.entries.splice(entryOf(b, c.record.id, 'message.received'), 1)[0];
    const f = failures(b);
    expect(f).toEqual(
      expect.arrayContaining([expect.objectContaining({ group: 'messages', messageId: c.record.id, text: expect.stringMatching(/no message.received entry/) })]),
    );
    expect(f.filter((l) => l.group === 'steps').map((l) => l.index)).toEqual(
      b.entries.filter((e) => JSON.parse(e.entry).message.id === c.record.id).map((e) => e.index),
    );
    expect(f.every((l) => l.messageId === c.record.id)).toBe(true);
    expect(gone.index).toBeLessThan(b.entries[0].index);
    // the acknowledgement entry: the signed receipt is no longer named by the log
    const a = copy();
    a.entries.splice(entryOf(a, c.status.id, 'message.acknowledged'), 1);
    expect(failures(a)).toEqual([expect.objectContaining({ messageId: c.status.id, text: expect.stringMatching(/no log entry names this acknowledgement/) })]);
    // a message removed: its entries refer to a message not in the bundle
    const m = copy();
    m.messages.splice(0, 1);
    const g = failures(m);
    expect(g.map((l) => [l.group, l.index])).toEqual(
      m.entries.filter((e) => JSON.parse(e.entry).message.id === c.record.id).map((e) => ['steps', e.index]),
    );
    expect(g[0].text).toMatch(/not in the bundle/);
  });

  test("a certificate swapped for another department's", () => {
    const b = copy();
    b.certificates[hallFp] = housingPem;
    const f = failures(b);
    expect(f).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ group: 'certificates', fingerprint: hallFp, text: expect.stringMatching(/another certificate .*OU=housing/) }),
        // hall signed the case record, and the acknowledgement of the status message
        expect.objectContaining({ group: 'messages', messageId: c.record.id, fingerprint: hallFp, text: expect.stringMatching(/not in the bundle/) }),
        expect.objectContaining({ group: 'messages', messageId: c.status.id, fingerprint: hallFp }),
      ]),
    );
    // pointing the signature at the other department's (genuine) certificate does not verify either
    const d = copy();
    const housingFp = certificateFingerprint(housingPem);
    d.messages[0].envelope.signatures[0].certificate = housingFp;
    const g = about(failures(d), c.record.id);
    expect(g.map((l) => l.text).join('\n')).toMatch(/does not verify over the canonical header with certificate/);
    expect(g.map((l) => l.text).join('\n')).toMatch(/lists other signatures/);
  });

  test('an acknowledgement altered', () => {
    const b = copy();
    b.messages[1].ackReceipt!.result = 'rejected';
    const f = failures(b);
    expect(f.every((l) => l.messageId === c.status.id)).toBe(true);
    expect(f.map((l) => l.text).join('\n')).toMatch(/signed acknowledgement: .*does not verify[\s\S]*no log entry names/);
  });

  test('a broken or foreign file: a failed report, never an exception', () => {
    for (const input of [null, 'bundle', [], {}, { ...genuine, format: 'other/1' }, { ...genuine, entries: 'x' }, { ...genuine, log: { hashAlg: 'md5' } }]) {
      const r = verifyBundle(input);
      expect(r.ok).toBe(false);
      expect(r.lines.filter((l) => !l.ok).every((l) => l.group === 'bundle')).toBe(true);
    }
    const b = copy();
    (b.messages[0].envelope.signatures[0] as { proof: unknown }).proof = ['zz'];
    expect(verifyBundle(b).lines.filter((l) => !l.ok)[0].text).toMatch(/messages\[0\]\.envelope\.signatures\[0\]\.proof/);
  });
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
