import { canonicalJson } from '../../gateway/crypto/canonical';
import { certificateFingerprint } from '../../gateway/crypto/envelope';
import { leafHash } from '../../gateway/merkle/hash';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import type { CheckLine } from '../../gateway/audit/report';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import type { TestGateway } from '../support/gateway';
import { entryOf, flipB64, flipHex, openGenuineBundle, type DemoCase, type GenuineBundle } from './scenario';

// Each test alters one thing in a genuine bundle; the verifier must fail and say where.
// (The genuine bundle itself and the Chinese of every failure line: genuine-bundle.test.ts.)
let t: TestGateway, c: DemoCase, genuine: EvidenceBundle, hallFp: string, housingPem: string;
let copy: GenuineBundle['copy'], failures: GenuineBundle['failures'];
beforeAll(async () => void ({ t, c, genuine, hallFp, housingPem, copy, failures } = await openGenuineBundle('FZ-ZJ-20260302-400001')));
afterAll(async () => {
  await t?.close();
});
const about = (lines: CheckLine[], id: string) => lines.filter((l) => l.messageId === id);

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
