import type { WorkingCalendar } from '../cases/calendar';
import type { DemoCredentials } from '../registry/demo';
import { CliRefusal } from './local-admin';
import { DemoCases, type DemoMessage } from './demo-cases';

export interface DemoHistoryOptions {
  cases: number;
  months: number;
  seed: number;
  concurrency: number;
}

/**
 * A realistic 办件 history (demo-cases.ts) pushed through a running demo gateway's exchange
 * API (POST /api/v1/messages) with the demo members' own tokens — signed, logged, delivered
 * and projected like any department's messages. Cases go in parallel (`concurrency`), each
 * case's messages in order; `onCase` after each case. Used by `xgw demo generate` and by
 * `xgw start` in demo mode (the first start of an empty demo installation).
 */
export async function pushDemoHistory(
  target: { url: string; creds: DemoCredentials; calendar: WorkingCalendar; today: string },
  o: DemoHistoryOptions,
  onCase: (done: number) => void = () => {},
): Promise<{ cases: number; messages: number }> {
  const cases = new DemoCases(target.calendar, target.today, o.seed);
  let taken = 0;
  let done = 0;
  let messages = 0;
  const push = async (m: DemoMessage, k: number) => {
    const caseNo = String(m.payload.caseNo);
    const res = await fetch(`${target.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.creds.members[m.from]!.token}` },
      body: JSON.stringify({ to: m.to, type: m.type, messageId: `demo-${caseNo}-${k}`, caseId: caseNo, purpose: m.purpose, payload: m.payload }),
    }).catch((err: Error) => {
      throw new CliRefusal(`cannot reach the gateway at ${target.url} (${err.message})`);
    });
    if (res.status !== 202) {
      const p = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
      throw new CliRefusal(`the gateway refused a ${m.type} of ${caseNo}: ${p.code ?? res.status} ${p.detail ?? ''}`.trim());
    }
    messages++;
  };
  const worker = async () => {
    while (taken < o.cases) {
      const batch = cases.next(++taken, o.months * 30); // generated in case order: the same seed, the same history
      for (const [k, m] of batch.entries()) await push(m, k + 1);
      onCase(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.cases) }, worker));
  return { cases: done, messages };
}
