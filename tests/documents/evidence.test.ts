/**
 * A 公文's evidence bundle (GET /api/v1/documents/{id}/evidence) over real HTTP: a document
 * drafted with an attachment, signed off, registered, sealed (GB/T 38540), distributed,
 * signed for by one addressee and returned by the other. The bundle verifies offline, by the
 * verifier and by the real `xgw verify bundle` process; one changed byte in the document, in
 * a step or in the seal fails with a line saying where. Same parties as the trace; every
 * export is in the signed log and the admins' access list.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';
import { buildDist, runXgw } from '../support/cli';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport, PHRASE_CODES, type CheckLine, type PhraseCode } from '../../gateway/audit/report';
import { notInChinese } from '../support/verify-zh';
import { parseSesSignature } from '../../gateway/documents/ses';
import { digestHex } from '../../gateway/crypto/digest';
import { lineText } from '../../web/src/verify-zh';
import type { DocumentEvidenceBundle } from '../../gateway/audit/document-bundle';

jest.setTimeout(180_000);

let t: TestGateway;
let tok: Record<string, string>;
let id: string;
let genuine: DocumentEvidenceBundle;
let root: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-doc-evidence-'));

beforeAll(async () => {
  buildDist();
  t = await startTestGateway();
  tok = await documentPeople(t);
  root = t.gw.deps.trust.pki.rootCertPem;
  const clerk = as(t, tok['housing.clerk']!);
  const drafted = await clerk.post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax', 'amr'] } });
  id = drafted.body.id;
  const up = await t.call('POST', `/api/v1/documents/${id}/attachments?name=plan.pdf`, { token: tok['housing.clerk'], raw: '%PDF-1.4 检查方案', headers: { 'content-type': 'application/pdf' } });
  expect(up.status).toBe(201);
  await clerk.post(`/api/v1/documents/${id}/review`);
  await as(t, tok['housing.signer']!).post(`/api/v1/documents/${id}/sign-off`);
  await clerk.post(`/api/v1/documents/${id}/register`, { agencyCode: '江住建' });
  expect((await clerk.post(`/api/v1/documents/${id}/seal`)).body.seal.sesSignature.status).toBe('verified');
  await clerk.post(`/api/v1/documents/${id}/distribute`);
  await as(t, tok['tax.clerk']!).post(`/api/v1/documents/${id}/sign-for`);
  await as(t, tok['amr.clerk']!).post(`/api/v1/documents/${id}/return`, { reason: '非主办单位' });
  const r = await as(t, tok['doc.auditor']!).get(`/api/v1/documents/${id}/evidence`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-disposition')).toBe(`attachment; filename="evidence-document-${id}.json"`);
  genuine = r.body;
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const copy = (): DocumentEvidenceBundle => structuredClone(genuine);
function failures(b: unknown): CheckLine[] {
  const r = verifyBundle(b, { rootPems: [root] });
  expect(r.ok).toBe(false);
  expect(formatReport(r)).toContain('RESULT: FAILED');
  return r.lines.filter((l) => !l.ok);
}

test('the bundle holds the document, every step entry, the signed steps, the seal and the certificates; it verifies', () => {
  const kinds = genuine.entries.map((e) => JSON.parse(e.entry).kind);
  expect(kinds).toEqual(['document.drafted', 'document.reviewed', 'document.signed_off', 'document.registered', 'document.sealed', 'document.distributed', 'document.signed_for', 'document.returned']);
  expect(genuine.signedSteps.map((s) => s.step)).toEqual(['signed_off', 'sealed', 'signed_for', 'returned']);
  expect(genuine.document.attachments).toHaveLength(1);
  expect(genuine.seal).toEqual({ der: expect.any(String) });
  const r = verifyBundle(genuine, { rootPems: [root] });
  expect(r.lines.filter((l) => !l.ok)).toEqual([]);
  expect(r).toMatchObject({ ok: true, documentId: id, caseId: null, counts: { entries: 8, signedSteps: 4 } });
  const groups = new Set(r.lines.map((l) => l.group));
  for (const g of ['checkpoint', 'entries', 'document', 'signatures', 'seal']) expect(groups).toContain(g);
  expect(r.lines.filter((l) => l.group === 'seal').map((l) => l.text).join('\n')).toMatch(/maker's and the signer's SM2 signatures verify[\s\S]*maker \(制章人\): certificate [\s\S]*chains[\s\S]*signer \(签章人\)[\s\S]*made at the 用印 step/);
  expect(formatReport(r)).toContain(`xgw evidence bundle — document ${id}: 8 log entries, 4 signed steps`);
});

test("the console says every line of the genuine bundle and of each tampered one in Chinese (web/src/verify-zh.ts), and every 公文 check's failure", () => {
  const seen = new Set<PhraseCode>();
  const run = (name: string, b: unknown) => {
    const r = verifyBundle(b, { rootPems: [root] });
    expect({ name, untranslated: notInChinese(r.lines) }).toEqual({ name, untranslated: [] });
    for (const l of r.lines) for (const p of l.said) seen.add(p.code);
    return r;
  };
  const fixture = (name: string, alter: (b: DocumentEvidenceBundle) => void) => {
    const b = copy();
    alter(b);
    return run(name, b);
  };
  const entryIndex = (kind: string) => genuine.entries.findIndex((x) => JSON.parse(x.entry).kind === kind);
  const step = (b: DocumentEvidenceBundle, name: string) => b.signedSteps.find((x) => x.step === name)!;
  const FP = 'ab'.repeat(32);

  const ok = run('genuine', genuine);
  expect(lineText(ok.lines.find((l) => l.group === 'document')!)).toMatch(/^规范化公文的 sm3 摘要 [0-9a-f]{16}… 即其最后一条日志记录 #\d+ 所指明的摘要$/);
  expect(lineText(ok.lines.find((l) => l.group === 'signatures')!)).toMatch(/^由 housing（SM2-SM3）签署，签名验证通过；签署环节证书 [0-9a-f]{16}… 在 .* 可链接到信任根/);
  fixture('the document body altered', (b) => void (b.document.content.body = b.document.content.body!.replace('3月', '4月')));
  fixture('another sender', (b) => void (b.document.sender = 'tax'));
  fixture('no entry names the document', (b) => void (b.entries = []));
  fixture('signed steps altered', (b) => {
    const signedFor = step(b, 'signed_for');
    signedFor.signedText = signedFor.signedText.replace('"result":"signed"', '"result":"signeD"');
    const returned = step(b, 'returned');
    returned.index = genuine.entries[entryIndex('document.drafted')]!.index; // an entry of another kind, naming no signed text
    const signedOff = step(b, 'signed_off');
    signedOff.signedText = 'not json';
    signedOff.signature.certificate = FP;
  });
  fixture('a signed step about another document, by another signer, its entry gone', (b) => {
    const signedOff = step(b, 'signed_off');
    signedOff.signedText = signedOff.signedText.replace(id, '00000000-0000-7000-8000-000000000000');
    signedOff.signature.signer = 'tax';
    step(b, 'signed_for').index = 900000;
  });
  fixture('a signed step left out', (b) => void (b.signedSteps = b.signedSteps.filter((x) => x.step !== 'sealed')));
  fixture('the seal altered', (b) => {
    const der = Buffer.from((genuine.seal as { der: string }).der, 'base64');
    der[der.length - 5] ^= 0x01;
    b.seal = { der: der.toString('base64') };
  });
  fixture('the seal unreadable', (b) => void (b.seal = { der: Buffer.from('not a seal').toString('base64') }));
  fixture('the seal removed', (b) => void (b.seal = null));
  fixture('not sealed yet (the 用印 step and its entry left out)', (b) => {
    b.seal = null;
    b.entries = b.entries.filter((e) => JSON.parse(e.entry).kind !== 'document.sealed');
    b.signedSteps = b.signedSteps.filter((x) => x.step !== 'sealed');
  });
  fixture('the seal unsupported', (b) => void (b.seal = { unsupported: 'the department key is RSA' }));
  fixture('no 用印 entry for the seal, and its step by another certificate', (b) => {
    b.entries = b.entries.filter((e) => JSON.parse(e.entry).kind !== 'document.sealed');
  });
  fixture('the 用印 step signed by another certificate, at another time', (b) => {
    const sealed = step(b, 'sealed');
    sealed.signature.certificate = step(b, 'signed_for').signature.certificate;
    const i = entryIndex('document.sealed');
    const e = JSON.parse(b.entries[i]!.entry);
    e.at = new Date(new Date(e.at).getTime() + 60_000).toISOString();
    b.entries[i]!.entry = JSON.stringify(e);
  });
  fixture("another document's entry slipped in", (b) => void (b.entries[0]!.entry = b.entries[0]!.entry.replace(id, '00000000-0000-7000-8000-000000000000')));
  fixture('a step entry that is no 公文 step', (b) => {
    const e = JSON.parse(b.entries[1]!.entry);
    delete e.document;
    e.kind = 'message.received';
    b.entries[1]!.entry = JSON.stringify(e);
  });
  fixture("the seal's certificates left out", (b) => {
    const ses = parseSesSignature(Buffer.from((genuine.seal as { der: string }).der, 'base64'));
    for (const der of [ses.seal.makerCert, ses.signerCert]) delete b.certificates[digestHex('sha256', der)];
  });
  run('a 公文 bundle with no document', { ...copy(), document: null });
  // the seal check's reasons in Chinese too: an altered attachment list fails the data hash
  const hashed = fixture('an attachment digest altered', (b) => {
    const d = b.document.attachments[0]!.digests[0]!;
    d.value = (d.value[0] === '0' ? '1' : '0') + d.value.slice(1);
  });
  expect(hashed.lines.filter((l) => !l.ok).map(lineText)).toEqual(['电子签章验证不通过：数据摘要与内容不符（内容已被改动）']);
  const documentCodes = [...PHRASE_CODES.filter((x) => /^(document|signed-step|seal)\./.test(x) || x === 'entry.other-document'), 'chain.not-bundled' as const];
  expect(documentCodes.filter((x) => !seen.has(x))).toEqual([]);
});

describe('one changed byte fails with a clear line', () => {
  test('in the document body', () => {
    const b = copy();
    b.document.content.body = b.document.content.body!.replace('3月', '4月');
    const f = failures(b);
    expect(f.map((l) => l.group).sort()).toEqual(['document', 'seal']);
    expect(f.find((l) => l.group === 'document')!.text).toMatch(/the document was altered/);
  });

  test('in the attachment list the seal covers (a digest)', () => {
    const b = copy();
    const d = b.document.attachments[0]!.digests[0]!;
    d.value = (d.value[0] === '0' ? '1' : '0') + d.value.slice(1);
    expect(failures(b).map((l) => [l.group, l.text])).toEqual([['seal', 'the data hash does not match the content (the content changed)']]);
  });

  test('in a step: the signed text of 签收', () => {
    const b = copy();
    const s = b.signedSteps.find((x) => x.step === 'signed_for')!;
    s.signedText = s.signedText.replace('"result":"signed"', '"result":"signeD"');
    const f = failures(b);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ group: 'signatures', subject: `step signed_for (entry #${s.index})`, index: s.index });
    expect(f[0]!.text).toMatch(/digest of the signed text is not the one entry #\d+ names: the signed text was altered; the tax signature \(SM2-SM3\) over the signed text does not verify/);
  });

  test('in a step: the log entry of 退回', () => {
    const b = copy();
    const e = b.entries.find((x) => JSON.parse(x.entry).kind === 'document.returned')!;
    e.entry = e.entry.replace('"department":"amr"', '"department":"hmr"');
    const f = failures(b);
    expect(f[0]).toMatchObject({ group: 'entries', index: e.index });
    expect(f[0]!.text).toContain('leafHash ≠ H(0x00 ‖ entry)');
  });

  test('a signed step left out', () => {
    const b = copy();
    b.signedSteps = b.signedSteps.filter((s) => s.step !== 'sealed');
    const f = failures(b);
    expect(f.map((l) => l.text)).toContain('the log says this step was signed, but the bundle has no signed text for it');
  });

  test('in the seal (one byte of the DER, anywhere from the picture to the signature)', () => {
    const der = Buffer.from((genuine.seal as { der: string }).der, 'base64');
    for (const at of [Math.floor(der.length / 2), der.length - 5]) {
      const b = copy();
      const flipped = Buffer.from(der);
      flipped[at] ^= 0x01;
      b.seal = { der: flipped.toString('base64') };
      const f = failures(b);
      expect(f.every((l) => l.group === 'seal')).toBe(true);
      expect(f[0]!.text).toMatch(/does not verify|not a GB\/T 38540 SES_Signature/);
    }
  });

  test('the seal removed, though the log says 用印', () => {
    const b = copy();
    b.seal = null;
    expect(failures(b).map((l) => l.text)).toEqual([expect.stringMatching(/^the log says the document was sealed \(entry #\d+\), but the bundle has no seal$/)]);
  });

  test("another document's entry slipped in", () => {
    const b = copy();
    const e = b.entries[0]!;
    e.entry = e.entry.replace(id, '00000000-0000-7000-8000-000000000000');
    expect(failures(b).some((l) => l.group === 'entries' && /the entry is about document "00000000-0000-7000-8000-000000000000", not /.test(l.text))).toBe(true);
  });
});

describe('who may export', () => {
  test('the sender and an addressee: 200; a department not on the document: 404; nothing to hide in a 404', async () => {
    expect((await as(t, tok['housing.clerk']!).get(`/api/v1/documents/${id}/evidence`)).status).toBe(200);
    expect((await as(t, tok['tax.clerk']!).get(`/api/v1/documents/${id}/evidence`)).status).toBe(200);
    const hall = await as(t, tok['hall.clerk']!).get(`/api/v1/documents/${id}/evidence`);
    expect([hall.status, hall.body.code]).toEqual([404, 'GW_ERR_DOCUMENT_NOT_FOUND']);
  });

  test("every export is in the signed log and the admins' access list (who, when, which document)", async () => {
    const r = await as(t, tok['doc.admin']!).get('/api/v1/admin/audit-access?limit=20');
    const mine = r.body.items.filter((x: { params: { documentId?: string } }) => x.params.documentId === id);
    expect(mine.map((x: { actor: string; action: string }) => [x.actor, x.action])).toEqual([
      ['hall/hall.clerk', 'evidence-export'],
      ['tax/tax.clerk', 'evidence-export'],
      ['housing/housing.clerk', 'evidence-export'],
      ['hall/doc.auditor', 'evidence-export'],
    ]);
    expect(mine[0].error).toBe('GW_ERR_DOCUMENT_NOT_FOUND');
    expect(mine[3].results).toBe(8);
  });
});

// Last: the CLI runs synchronously (the gateway in this process waits meanwhile).
test('`xgw verify bundle` (a real process, offline) verifies it and fails a tampered one with exit 1', () => {
  const good = path.join(dir, 'good.json');
  fs.writeFileSync(good, JSON.stringify(genuine));
  fs.writeFileSync(path.join(dir, 'root.pem'), root);
  const ok = runXgw(['verify', 'bundle', good, '--root', path.join(dir, 'root.pem')], {});
  expect([ok.status, ok.stderr]).toEqual([0, '']);
  expect(ok.stdout).toContain('RESULT: VERIFIED');
  const b = copy();
  b.document.content.title = b.document.content.title!.replace('扬尘', '扬沙');
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify(b));
  const no = runXgw(['verify', 'bundle', bad, '--root', path.join(dir, 'root.pem')], {});
  expect(no.status).toBe(1);
  expect(no.stdout).toMatch(/✗ document .*: the sm3 digest of the document .* is not the one its last log entry #\d+ \(document.returned\) names .*: the document was altered/);
  expect(no.stdout).toContain('✗ seal (GB/T 38540 SES_Signature): the data hash does not match the content (the content changed)');
});
