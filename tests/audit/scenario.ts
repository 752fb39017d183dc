import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { TEST_PASSWORD, type TestGateway } from '../support/gateway';

/** Helpers for the audit tests: logins by role and a demo case exchanged both ways. */
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
