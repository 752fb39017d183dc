import type { TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';

/** A hostile text the console must show as text (never run). */
export const SCRIPT_TEXT = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';

let seq = 0;

async function push(t: TestGateway, from: string, to: string, type: string, purpose: string, caseNo: string, payload: unknown): Promise<string> {
  const res = await t.call('POST', '/api/v1/messages', { token: t.tokens[from], body: { to, type, messageId: `${from}-${caseNo}-${++seq}`, caseId: caseNo, purpose, payload } });
  if (res.status !== 202) throw new Error(`push failed: ${res.status} ${res.text}`);
  return res.body.id as string;
}

/** hall → housing: a case record (办件); answers the gateway message id. */
export const sendCaseRecord = (t: TestGateway, caseNo: string, remarks?: string): Promise<string> =>
  push(t, 'hall', 'housing', 'case-record', 'case-handling', caseNo, sampleCaseRecord({ caseNo, ...(remarks ? { remarks } : {}) }));

/** housing → hall: a status event (办理状态) of the case; answers the gateway message id. */
export const sendCaseStatus = (t: TestGateway, caseNo: string, opinion?: string): Promise<string> =>
  push(t, 'housing', 'hall', 'case-status', 'status-feedback', caseNo, sampleCaseStatus({ caseNo, ...(opinion ? { opinion } : {}) }));

/** One case's route through the exchange: sent, pulled (delivered), acknowledged, answered with a status. */
export async function caseWithHistory(t: TestGateway, caseNo: string): Promise<{ record: string; status: string }> {
  const record = await sendCaseRecord(t, caseNo);
  const pulled = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.housing });
  if (pulled.status !== 200) throw new Error(`pull failed: ${pulled.status}`);
  const ack = await t.call('POST', `/api/v1/messages/${record}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
  if (ack.status !== 200) throw new Error(`ack failed: ${ack.status} ${ack.text}`);
  const status = await sendCaseStatus(t, caseNo);
  return { record, status };
}
