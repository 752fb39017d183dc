import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import type { TestGateway } from './gateway';

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
