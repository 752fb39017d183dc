import { startTestGateway, type TestGateway } from '../support/gateway';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { certificateFingerprint, signedTextFor } from '../../gateway/crypto/envelope';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport, type CheckLine } from '../../gateway/audit/report';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import { demoCase, loginAs, type DemoCase } from '../audit/scenario';

// Defect class: an evidence bundle altered with GENUINE material (a real entry of another
// case with its valid proof, a repeated entry, a header signed with a valid certificate of
// the wrong department, a checkpoint signed by the real log key over a bad body, …) must
// fail, and the report must name the check and the item. The cases below are the
// verifier's checks that no other test made fail (found with coverage of verify-*.ts).
let t: TestGateway;
let a: DemoCase; // the case of the bundle
let other: DemoCase; // another case, exchanged before it
let genuine: EvidenceBundle;
let root: string;

beforeAll(async () => {
  t = await startTestGateway();
  other = await demoCase(t, 'FZ-ZJ-20260302-400101');
  a = await demoCase(t, 'FZ-ZJ-20260302-400102');
  genuine = (await t.call('GET', `/api/v1/audit/evidence?caseId=${a.caseNo}`, { token: await loginAs(t, 'auditor') })).body;
  root = t.gw.deps.trust.pki.rootCertPem;
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const copy = (): EvidenceBundle => structuredClone(genuine);
const size = (b: EvidenceBundle): number => JSON.parse(b.log.checkpoint.body).size;
/** The failed lines; the report as printed says FAILED. */
function failures(b: unknown, opts: Parameters<typeof verifyBundle>[1] = { rootPems: [root] }): CheckLine[] {
  const r = verifyBundle(b, opts);
  expect(r.ok).toBe(false);
  expect(formatReport(r)).toContain('RESULT: FAILED');
  return r.lines.filter((l) => !l.ok);
}
const kindOf = (e: { entry: string }) => JSON.parse(e.entry).kind as string;
const messageOf = (e: { entry: string }) => JSON.parse(e.entry).message?.id as string | undefined;
/** Re-signs a checkpoint body with the real log key: the signature is valid, only the body's content is wrong. */
function withLogSignedBody(b: EvidenceBundle, body: string): EvidenceBundle {
  const signer = t.gw.deps.trust.logSigner;
  b.log.checkpoint = { body, signature: { ...b.log.checkpoint.signature, value: signer.sign(body).toString('base64') } };
  return b;
}

test('the genuine bundle verifies', () => {
  expect(verifyBundle(genuine, { rootPems: [root] }).lines.filter((l) => !l.ok)).toEqual([]);
});

test('a genuine entry of another case, with its valid inclusion proof, inserted: named as about another case', async () => {
  const [row] = (
    await t.db.store.query<{ idx: number; entry: string; leaf_hash: Uint8Array }>(
      `SELECT idx, entry, leaf_hash FROM log_entries WHERE case_id = $1 AND kind = 'message.received' ORDER BY idx LIMIT 1`,
      [other.caseNo],
    )
  ).rows;
  const index = Number(row!.idx);
  const proof = await t.call('GET', `/api/v1/log/proof/inclusion?index=${index}&size=${size(genuine)}`, { token: t.tokens.hall });
  expect(proof.status).toBe(200);
  const b = copy();
  b.entries.push({ index, entry: row!.entry, leafHash: Buffer.from(row!.leaf_hash).toString('hex'), inclusionProof: proof.body.proof });
  const f = failures(b);
  // its leaf hash and proof are genuine: only the case check fails under (b)
  expect(f.filter((l) => l.group === 'entries')).toEqual([
    expect.objectContaining({ index, subject: `entry #${index} (message.received)`, text: `the entry is about case "${other.caseNo}", not ${a.caseNo}` }),
  ]);
  expect(f.every((l) => l.index === index)).toBe(true);
});

test('a duplicated entry: the index appears twice, and the message is recorded as received twice', () => {
  const b = copy();
  const received = b.entries.find((e) => kindOf(e) === 'message.received' && messageOf(e) === a.record.id)!;
  b.entries.push(structuredClone(received));
  const f = failures(b);
  expect(f).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ group: 'entries', index: received.index, text: 'this index appears twice in the bundle' }),
      expect.objectContaining({ group: 'messages', messageId: a.record.id, text: `recorded as received 2 times (entries #${received.index}, #${received.index})` }),
    ]),
  );
  expect(f).toHaveLength(2);
});

test("a header naming one sender, signed with a valid certificate of a different department: the certificate's department is named", () => {
  const b = copy();
  const m = b.messages[0]!; // hall → housing
  expect(m.envelope.header.sender).toBe('hall');
  const housing = t.gw.deps.trust.signerFor('housing')!;
  const housingFp = certificateFingerprint(housing.certPem!);
  const value = housing.sign(signedTextFor('sender', m.envelope.header)).toString('base64');
  m.envelope.signatures[0] = { role: 'sender', signer: 'hall', alg: housing.alg, certificate: housingFp, value } as (typeof m.envelope.signatures)[0];
  const f = failures(b).filter((l) => l.messageId === a.record.id);
  expect(f).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ group: 'messages', fingerprint: housingFp, text: expect.stringMatching(/verifies, but certificate [0-9a-f]{16}… is issued to CN=.*OU=housing, not to the sender hall$/) }),
    ]),
  );
  // signed in the department's own name instead: the signer is not the sender
  const d = copy();
  d.messages[0]!.envelope.signatures[0] = { role: 'sender', signer: 'housing', alg: housing.alg, certificate: housingFp, value } as (typeof m.envelope.signatures)[0];
  expect(failures(d)).toEqual(expect.arrayContaining([expect.objectContaining({ messageId: a.record.id, text: expect.stringMatching(/by housing: the signer is not the sender hall$/) })]));
  // no sender signature at all
  const n = copy();
  n.messages[0]!.envelope.signatures = n.messages[0]!.envelope.signatures.filter((s) => s.role !== 'sender');
  expect(failures(n)).toEqual(expect.arrayContaining([expect.objectContaining({ messageId: a.record.id, text: 'the envelope has no sender signature' })]));
});

test('a message listed twice: named', () => {
  const b = copy();
  b.messages.push(structuredClone(b.messages[1]!));
  expect(failures(b)).toEqual([expect.objectContaining({ group: 'messages', messageId: a.status.id, text: 'this message appears twice in the bundle' })]);
});

test('an envelope moved to another case: named, besides its broken signature', () => {
  const b = copy();
  b.messages[0]!.envelope.header.caseId = other.caseNo;
  const received = b.entries.find((e) => kindOf(e) === 'message.received' && messageOf(e) === a.record.id)!;
  expect(failures(b)).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ messageId: a.record.id, index: received.index, text: expect.stringContaining(`the envelope is about case "${other.caseNo}", not ${a.caseNo}`) }),
    ]),
  );
});

test("checkpoints signed by the real log key over a bad body: another hash algorithm, a non-canonical text, a root that is not hex", () => {
  const body = JSON.parse(genuine.log.checkpoint.body);
  const alg = failures(withLogSignedBody(copy(), canonicalJson({ ...body, alg: 'sm3' })));
  expect(alg).toEqual([expect.objectContaining({ group: 'checkpoint', text: 'the body says hash sm3 but log.hashAlg is sha256' })]);
  const spaced = failures(withLogSignedBody(copy(), JSON.stringify(body, null, 1)));
  // (verifyCheckpoint accepts only the canonical text as signed, so the signature line fails too)
  expect(spaced.map((l) => [l.group, l.text])).toEqual([
    ['checkpoint', expect.stringMatching(/signature over the body does not verify/)],
    ['checkpoint', 'the body is not canonical JSON'],
  ]);
  const version = failures(withLogSignedBody(copy(), canonicalJson({ ...body, v: 3 })));
  expect(version).toEqual([expect.objectContaining({ group: 'checkpoint', text: expect.stringMatching(/the body is not a "xgw exchange log" v1 or v2 checkpoint/) })]);
  const notHex = failures(withLogSignedBody(copy(), canonicalJson({ ...body, root: 'Z'.repeat(64) })));
  expect(notHex.filter((l) => l.group === 'checkpoint')).toEqual([expect.objectContaining({ text: 'the root is not 64 hex' })]);
});

test('a checkpoint whose log certificate is not in the bundle: named', () => {
  const b = copy();
  const fp = b.log.checkpoint.signature.certificate;
  delete b.certificates[fp];
  expect(failures(b)).toEqual(
    expect.arrayContaining([expect.objectContaining({ group: 'checkpoint', fingerprint: fp, text: expect.stringMatching(/^the log certificate [0-9a-f]{16}… that signed it is not in the bundle/) })]),
  );
});

test("acknowledgements: a receipt removed while the log names it, and another message's receipt put in its place", () => {
  const b = copy();
  delete b.messages[0]!.ackReceipt;
  delete b.messages[0]!.signedTexts!.ackBody; // a consistent removal: its exact texts go too
  delete b.messages[0]!.signedTexts!.ack;
  const ack = b.entries.find((e) => kindOf(e) === 'message.acknowledged' && messageOf(e) === a.record.id)!;
  expect(failures(b)).toEqual([
    expect.objectContaining({ messageId: a.record.id, index: ack.index, text: `entry #${ack.index} (message.acknowledged) names a signed acknowledgement that is not in the bundle` }),
  ]);
  const s = copy();
  s.messages[0]!.ackReceipt = structuredClone(s.messages[1]!.ackReceipt);
  expect(failures(s)).toEqual(expect.arrayContaining([expect.objectContaining({ messageId: a.record.id, text: expect.stringContaining(`it acknowledges message ${a.status.id}`) })]));
});

test('a service call added that no log entry names: named', () => {
  const b = copy();
  b.serviceCalls = [...(b.serviceCalls ?? []), { id: 'forged-call', request: { uscc: '91350100273896412W' }, response: { status: 'active' }, nativeRequest: null, nativeResponse: null }];
  expect(failures(b)).toEqual([expect.objectContaining({ group: 'services', subject: 'call forged-call', text: 'no service.called entry of the bundle names this call' })]);
});

test('no trust anchor, or one that is not a certificate: never a pass', () => {
  expect(failures(genuine, { rootPems: [] })).toEqual(
    expect.arrayContaining([expect.objectContaining({ group: 'bundle', subject: 'trust anchor', text: 'none given: nothing to chain the certificates to' })]),
  );
  expect(failures(genuine, { rootPems: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] })).toEqual(
    expect.arrayContaining([expect.objectContaining({ group: 'bundle', subject: 'trust anchor 1', text: 'cannot be read as a certificate' })]),
  );
});
