import { formatTime } from '../../gateway/clock';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { buildHeader, certificateFingerprint } from '../../gateway/crypto/envelope';
import { verifyCheckpoint } from '../../gateway/log/checkpoint';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport } from '../../gateway/audit/report';
import { receiptBodyText, type EvidenceBundle } from '../../gateway/audit/bundle';
import { initPki } from '../../certs/pki';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { demoCase, loginAs, type DemoCase } from './scenario';

let t: TestGateway;
let auditor: string;
let c: DemoCase;
let bundle: EvidenceBundle;
let root: string;

beforeAll(async () => {
  t = await startTestGateway();
  auditor = await loginAs(t, 'auditor');
  await demoCase(t, 'FZ-ZJ-20260302-200009', 'other'); // another case in the same log
  c = await demoCase(t, 'FZ-ZJ-20260302-200001');
  root = t.gw.deps.trust.pki.rootCertPem;
  const r = await t.call('GET', `/api/v1/audit/evidence?caseId=${c.caseNo}`, { token: auditor });
  expect(r.status).toBe(200);
  bundle = r.body;
});
afterAll(async () => {
  await t?.close();
});

const evidence = (caseId: string, token = auditor) => t.call('GET', `/api/v1/audit/evidence?caseId=${encodeURIComponent(caseId)}`, { token });

describe('GET /api/v1/audit/evidence', () => {
  test('one self-contained bundle: every entry of the case with a proof against one checkpoint, the messages, the certificates', async () => {
    expect(bundle).toMatchObject({ format: 'xgw-evidence/2', caseId: c.caseNo, log: { name: 'xgw exchange log', hashAlg: 'sha256' } });
    expect(bundle.readme.join(' ')).toMatch(/PERSONAL DATA/);
    const kinds = bundle.entries.map((e) => JSON.parse(e.entry).kind);
    expect(kinds).toEqual(['message.received', 'message.delivered', 'message.acknowledged', 'message.received', 'message.delivered', 'message.acknowledged']);
    const trace = await t.call('GET', `/api/v1/audit/trace?caseId=${c.caseNo}`, { token: auditor });
    expect(bundle.entries.map((e) => e.index)).toEqual(trace.body.items.map((i: { index: number }) => i.index));
    // the checkpoint was signed on demand (the integrator does not run in tests) and covers them all
    const cp = JSON.parse(bundle.log.checkpoint.body);
    expect(cp.size).toBeGreaterThan(Math.max(...bundle.entries.map((e) => e.index)));
    expect(verifyCheckpoint(bundle.log.checkpoint, bundle.certificates[bundle.log.checkpoint.signature.certificate])).toEqual(cp);
    expect(bundle.messages.map((m) => m.id)).toEqual([c.record.id, c.status.id]);
    expect(bundle.messages[0].payload).toMatchObject({ caseNo: c.caseNo, applicant: { name: '福州榕城示范置业有限公司' } });
    for (const m of bundle.messages) expect(m.ackReceipt).toMatchObject({ kind: 'acknowledgement', id: m.id, result: 'accepted' });
    const trust = t.gw.deps.trust;
    const fps = [root, trust.logSigner.certPem!, trust.signerFor('hall')!.certPem!, trust.signerFor('housing')!.certPem!].map(certificateFingerprint);
    expect(Object.keys(bundle.certificates).sort()).toEqual([...fps].sort());
    expect(bundle.trustAnchors).toEqual([root]);
    // the export is on record (without the payloads)
    const line = t.logs.find((l) => l.audit === 'evidence-export');
    expect(line).toMatchObject({ caseId: c.caseNo, entries: 6, messages: 2, by: 'hall/t.auditor' });
    expect(JSON.stringify(line)).not.toContain('福州榕城');
  });

  test('the offline verifier accepts it, pinned to the root or not', () => {
    const report = verifyBundle(bundle, { rootPems: [root] });
    expect(report.lines.filter((l) => !l.ok)).toEqual([]);
    expect(report).toMatchObject({ ok: true, anchor: 'pinned', failures: 0, counts: { entries: 6, messages: 2, certificates: 4 } });
    for (const g of ['certificates', 'checkpoint', 'entries', 'messages', 'steps']) expect(report.lines.some((l) => l.group === g)).toBe(true);
    const text = formatReport(report);
    expect(text).toContain('RESULT: VERIFIED');
    expect(text).toContain('PINNED');
    expect(text).not.toContain('✗');
    const unpinned = verifyBundle(bundle);
    expect(unpinned).toMatchObject({ ok: true, anchor: 'bundled' });
    expect(formatReport(unpinned)).toContain('NOT PINNED');
    // round trip through a file changes nothing
    expect(verifyBundle(JSON.parse(JSON.stringify(bundle, null, 2))).ok).toBe(true);
  });

  test('a version 1 bundle (no signed texts, no checkpoint note, no steps) still verifies; signed texts that differ from the objects fail', () => {
    const v1 = structuredClone(bundle) as unknown as Record<string, any>;
    v1.format = 'xgw-evidence/1';
    delete v1.verification;
    for (const k of ['origin', 'noteKey', 'checkpointNote']) delete v1.log[k];
    for (const m of v1.messages) delete m.signedTexts;
    const report = verifyBundle(v1, { rootPems: [root] });
    expect(report.lines.filter((l) => !l.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    // v2: each signed text is the canonical form of its object, checked
    expect(bundle.messages[0].signedTexts).toMatchObject({ header: canonicalJson(bundle.messages[0].envelope.header), envelope: canonicalJson(bundle.messages[0].envelope) });
    const altered = structuredClone(bundle);
    altered.messages[0].signedTexts!.header = altered.messages[0].signedTexts!.header.replace('"case-record"', '"case-status"');
    const bad = verifyBundle(altered, { rootPems: [root] });
    expect(bad.lines.filter((l) => !l.ok).map((l) => l.text)).toEqual(['signedTexts.header differ from the canonical form of the parsed object']);
    // the gateway's signed 202 receipt travels with each message, checked against its signature and the received entry
    expect(bundle.messages[0].receipt).toMatchObject({ id: c.record.id, status: 'queued', signature: { signer: 'gateway' } });
    expect(verifyBundle(bundle).lines.filter((l) => /^push receipt \(202\) signed by gateway/.test(l.text)).map((l) => l.messageId)).toEqual([c.record.id, c.status.id]);
    const moved = structuredClone(bundle);
    moved.messages[0].receipt!.log = { ...moved.messages[1].receipt!.log };
    moved.messages[0].signedTexts!.receipt = receiptBodyText(moved.messages[0].receipt!);
    expect(verifyBundle(moved).lines.filter((l) => !l.ok).map((l) => l.text)).toEqual([
      `push receipt: the gateway's signature over it does not verify; its log position #${bundle.messages[1].receipt!.log.index} is not this message's message.received entry in the bundle`,
    ]);
    expect(verifyBundle({ ...bundle, format: 'xgw-evidence/3' }).lines[0].text).toMatch(/expected one of "xgw-evidence\/1", "xgw-evidence\/2"/);
  });

  test('pinned to another root, nothing chains', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-other-pki-'));
    try {
      initPki({ dir, departments: [] });
      const otherRoot = fs.readFileSync(path.join(dir, 'ca', 'root.cert.pem'), 'utf8');
      const r = verifyBundle(bundle, { rootPems: [otherRoot] });
      expect(r.ok).toBe(false);
      const chainFailures = r.lines.filter((l) => !l.ok).map((l) => l.subject);
      expect(chainFailures).toEqual(expect.arrayContaining(['checkpoint', expect.stringContaining(`message ${c.record.id}`), expect.stringContaining(`message ${c.status.id}`)]));
      expect(r.lines.find((l) => l.group === 'bundle' && l.subject === 'trust anchor')?.text).toContain('another root');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('later steps of the case: a new bundle gets a new checkpoint that covers them', async () => {
    const before = JSON.parse(bundle.log.checkpoint.body).size;
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.housing,
      body: { to: 'hall', type: 'case-status', messageId: 'st-late', caseId: c.caseNo, purpose: 'status-feedback', payload: sampleCaseStatus({ caseNo: c.caseNo, status: 'in_progress', statusName: '承办', result: undefined }) },
    });
    expect(res.status).toBe(202);
    const again = (await evidence(c.caseNo)).body as EvidenceBundle;
    expect(JSON.parse(again.log.checkpoint.body).size).toBeGreaterThan(before);
    expect(again.entries).toHaveLength(7);
    expect(again.messages).toHaveLength(3);
    expect(again.messages[2].ackReceipt).toBeUndefined();
    expect(verifyBundle(again, { rootPems: [root] }).ok).toBe(true);
    // nothing new: the newest checkpoint is reused
    expect((await evidence(c.caseNo)).body.log.checkpoint).toEqual(again.log.checkpoint);
  });

  test("a department's own signature with the gateway's countersignature: both checked", async () => {
    const caseNo = 'FZ-ZJ-20260302-200002';
    const payload = sampleCaseRecord({ caseNo });
    const signedAt = formatTime(t.clock.now());
    const header = buildHeader({ messageId: 'own-1', sender: 'hall', receiver: 'housing', type: 'case-record', caseId: caseNo, purpose: 'case-handling', time: signedAt }, canonicalJson(payload), 'sm3');
    const hall = t.gw.deps.trust.signerFor('hall')!; // the department holds this key itself
    const signature = { alg: 'SM2-SM3', certificate: t.gw.deps.trust.signerCertificate('hall'), signedAt, value: hall.sign(canonicalJson(header)).toString('base64') };
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: 'own-1', caseId: caseNo, purpose: 'case-handling', payload, signature },
    });
    expect(res.status).toBe(202);
    const own = (await evidence(caseNo)).body as EvidenceBundle;
    expect(own.messages[0].envelope.signatures.map((x) => [x.role, x.signer, x.onBehalf])).toEqual([['sender', 'hall', false], ['gateway', 'gateway', false]]);
    const report = verifyBundle(own, { rootPems: [root] });
    expect(report.lines.filter((l) => !l.ok)).toEqual([]);
    expect(report.lines.map((l) => l.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^sender signature \(SM2-SM3\) by hall verifies/), expect.stringMatching(/^gateway signature .* by gateway verifies/)]));
    const forged: EvidenceBundle = structuredClone(own);
    const counter = forged.messages[0].envelope.signatures[1];
    counter.value = Buffer.from(counter.value, 'base64').reverse().toString('base64');
    const f = verifyBundle(forged, { rootPems: [root] }).lines.filter((l) => !l.ok);
    expect(f[0]).toMatchObject({ messageId: res.body.id, text: expect.stringMatching(/^gateway signature .* does not verify/) });
  });

  test('errors: unknown case 404, no caseId 400, other roles 403', async () => {
    const none = await evidence('FZ-NO-SUCH-CASE');
    expect([none.status, none.body.code]).toEqual([404, 'GW_ERR_AUDIT_CASE_NOT_FOUND']);
    const missing = await t.call('GET', '/api/v1/audit/evidence', { token: auditor });
    expect([missing.status, missing.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
    expect((await evidence(c.caseNo, await loginAs(t, 'supervisor'))).status).toBe(200);
    for (const token of [await loginAs(t, 'clerk'), await loginAs(t, 'admin'), t.tokens.hall]) {
      const r = await evidence(c.caseNo, token);
      expect([r.status, r.body.code]).toEqual([403, 'GW_ERR_AUTH_FORBIDDEN']);
    }
  });
});
