import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { upsertUser } from '../../gateway/registry/users';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from './gateway';

/**
 * Case messages through the real push API of a test gateway: the hall sends a case record
 * to a department (one branch each), a department sends its status back. Resolves to the
 * message's log index.
 */
export function caseMessages(t: TestGateway) {
  let seq = 0;
  const push = async (from: string, to: string, type: 'case-record' | 'case-status', payload: { caseNo: string }): Promise<number> => {
    const purpose = type === 'case-record' ? 'parallel-approval' : 'status-feedback';
    const r = await t.call('POST', '/api/v1/messages', { token: t.tokens[from], body: { to, type, messageId: `${from}-case-${++seq}`, caseId: payload.caseNo, purpose, payload } });
    if (r.status !== 202) throw new Error(`push ${type} ${from}→${to}: ${r.status} ${r.text}`);
    return r.body.log.index as number;
  };
  return {
    push,
    /** A case record from the hall to `to`, accepted at `acceptedAt` with `legalLimitDays` working days. */
    record: (caseNo: string, to: string, acceptedAt: string, legalLimitDays: number) => push('hall', to, 'case-record', sampleCaseRecord({ caseNo, acceptedAt, legalLimitDays })),
    /** `from`'s status on `on` (YYYY-MM-DD, 15:00 China time). */
    status: (caseNo: string, from: string, status: 'in_progress' | 'correction' | 'special_procedure' | 'completed', on: string) =>
      push(from, 'hall', 'case-status', sampleCaseStatus({ caseNo, status, result: status === 'completed' ? 'approved' : undefined, occurredAt: `${on}T15:00:00+08:00`, department: `${from}局` })),
  };
}

/** A test gateway with a supervisor user `sup` (of the hall), and case messages through it. */
export async function startSupervisedGateway(): Promise<{ t: TestGateway; cases: ReturnType<typeof caseMessages> }> {
  const t = await startTestGateway();
  await upsertUser(t.db.store, { login: 'sup', name: 'sup', role: 'supervisor', department: 'hall', password: TEST_PASSWORD });
  return { t, cases: caseMessages(t) };
}

/** A session of `sup` at the clock's time (tests that move the clock by days outlive a session: log in per use). */
export const supervisorToken = async (t: TestGateway): Promise<string> =>
  (await t.call('POST', '/api/v1/auth/login', { body: { login: 'sup', password: TEST_PASSWORD } })).body.token as string;
