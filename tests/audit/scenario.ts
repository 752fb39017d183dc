import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { certificateFingerprint } from '../../gateway/crypto/envelope';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport, type CheckLine } from '../../gateway/audit/report';
import type { EvidenceBundle } from '../../gateway/audit/bundle';

/** Helpers for the audit tests: logins by role, a demo case exchanged both ways, and a genuine evidence bundle to alter. */
export async function loginAs(t: TestGateway, role: string): Promise<string> {
  const r = await t.call('POST', '/api/v1/auth/login', { body: { login: `t.${role}`, password: TEST_PASSWORD } });
  if (r.status !== 200) throw new Error(`login t.${role}: ${r.status} ${r.text}`);
  return r.body.token as string;
}

export interface DemoCase {
  caseNo: string;
  /** hall → housing case record. */
  record: { id: string; messageId: string };
  /** housing → hall case status. */
  status: { id: string; messageId: string };
}

const step = (t: TestGateway) => t.clock.advance(60_000);

async function push(t: TestGateway, from: string, body: Record<string, unknown>): Promise<string> {
  const r = await t.call('POST', '/api/v1/messages', { token: t.tokens[from], body });
  if (r.status !== 202) throw new Error(`push ${from}: ${r.status} ${r.text}`);
  return r.body.id as string;
}

async function pullAndAck(t: TestGateway, member: string, id: string): Promise<void> {
  const inbox = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens[member] });
  if (!inbox.body.items.some((m: { id: string }) => m.id === id)) throw new Error(`${member} did not pull ${id}`);
  step(t);
  const ack = await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens[member], body: { result: 'accepted' } });
  if (ack.status !== 200) throw new Error(`ack ${id}: ${ack.status} ${ack.text}`);
}

/**
 * A case record hall → housing, pulled and acknowledged; then the case status
 * housing → hall, pulled and acknowledged. The clock moves a minute per step.
 */
export async function demoCase(t: TestGateway, caseNo: string, tag = caseNo): Promise<DemoCase> {
  const record = sampleCaseRecord({ caseNo });
  step(t);
  const recordId = await push(t, 'hall', { to: 'housing', type: 'case-record', messageId: `rec-${tag}`, caseId: caseNo, purpose: 'case-handling', payload: record });
  step(t);
  await pullAndAck(t, 'housing', recordId);
  step(t);
  const statusId = await push(t, 'housing', {
    to: 'hall',
    type: 'case-status',
    messageId: `st-${tag}`,
    caseId: caseNo,
    purpose: 'status-feedback',
    payload: sampleCaseStatus({ caseNo }),
  });
  step(t);
  await pullAndAck(t, 'hall', statusId);
  return { caseNo, record: { id: recordId, messageId: `rec-${tag}` }, status: { id: statusId, messageId: `st-${tag}` } };
}

/**
 * A genuine evidence bundle, as the auditor downloads it, of a demo case on a fresh test gateway
 * (close `t` after), with what the verifier checks it against: the pinned root, hall's certificate
 * fingerprint and housing's certificate. `copy` gives a copy to alter; `failures` verifies a bundle
 * that must fail (report included) and gives its failed lines. tests/audit/tamper.test.ts and
 * tests/audit/genuine-bundle.test.ts.
 */
export async function openGenuineBundle(caseNo: string) {
  const t = await startTestGateway();
  const c = await demoCase(t, caseNo);
  const r = await t.call('GET', `/api/v1/audit/evidence?caseId=${c.caseNo}`, { token: await loginAs(t, 'auditor') });
  const genuine: EvidenceBundle = r.body;
  const root = t.gw.deps.trust.pki.rootCertPem;
  const hallFp = certificateFingerprint(t.gw.deps.trust.signerFor('hall')!.certPem!);
  const housingPem = t.gw.deps.trust.signerFor('housing')!.certPem!;
  const copy = (): EvidenceBundle => structuredClone(genuine);
  function failures(b: unknown): CheckLine[] {
    const r = verifyBundle(b, { rootPems: [root] });
    expect(r.ok).toBe(false);
    expect(r.failures).toBeGreaterThan(0);
    const text = formatReport(r);
    expect(text).toContain('RESULT: FAILED');
    return r.lines.filter((l) => !l.ok);
  }
  return { t, c, genuine, root, hallFp, housingPem, copy, failures };
}
export type GenuineBundle = Awaited<ReturnType<typeof openGenuineBundle>>;

/** One bit of a base64 value flipped (a signature), at byte `at`. */
export const flipB64 = (b64: string, at = 10): string => {
  const buf = Buffer.from(b64, 'base64');
  buf[at] ^= 0x01;
  return buf.toString('base64');
};
/** A hex value (a digest, a proof element) with its first digit changed. */
export const flipHex = (h: string): string => (h[0] === '0' ? '1' : '0') + h.slice(1);
/** Log indexes of a message's entries, by kind. */
export const entryOf = (b: EvidenceBundle, id: string, kind: string) => b.entries.findIndex((e) => JSON.parse(e.entry).message.id === id && JSON.parse(e.entry).kind === kind);
