import { startTestGateway, type TestGateway } from './gateway';
import { startReceiver, type Receiver } from './receiver';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoAgreements, demoMembers } from '../../gateway/registry/demo';

/**
 * A test gateway whose housing and docstation take their messages at two real webhook receivers
 * (the outbox tests: tests/delivery/), with the hall allowed to send case records to both (`adapters`:
 * their adapter config, e.g. batchMax). Its
 * outbox worker is not started: tests drive `t.gw.deps.delivery.runOnce()`.
 */
export interface WebhookSetup {
  t: TestGateway;
  housing: Receiver;
  docstation: Receiver;
  /** Pushes one case record from the hall (a new case number each time); the message's id. */
  push(to: string): Promise<string>;
  pushMany(to: string, n: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startWebhookGateway(tag: string, delivery: Record<string, unknown>, adapters: Record<string, Record<string, unknown>> = {}): Promise<WebhookSetup> {
  const [housing, docstation] = await Promise.all([startReceiver(), startReceiver()]);
  const urls: Record<string, string> = { housing: housing.url, docstation: docstation.url };
  const members = demoMembers.map((m) => (urls[m.code] ? { ...m, deliveryMode: 'push' as const, webhookUrl: urls[m.code]! } : m));
  const agreements = [...demoAgreements, { sender: 'hall', receiver: 'docstation', messageType: 'case-record', purposes: ['case-handling'] }];
  const t = await startTestGateway({ members, agreements, config: { delivery, adapters } }).catch(async (err: unknown) => {
    await Promise.all([housing.close(), docstation.close()]);
    throw err;
  });
  let seq = 0;
  const push = async (to: string): Promise<string> => {
    const caseNo = `FZ-${tag}-${String(++seq).padStart(5, '0')}`;
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to, type: 'case-record', messageId: `${tag}-${seq}`, caseId: caseNo, purpose: 'case-handling', payload: sampleCaseRecord({ caseNo }) },
    });
    if (res.status !== 202) throw new Error(`push to ${to} refused: ${res.status} ${res.text}`);
    return res.body.id as string;
  };
  return {
    t,
    housing,
    docstation,
    push,
    async pushMany(to, n) {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(await push(to));
      return ids;
    },
    async close() {
      await t.close();
      await Promise.all([housing.close(), docstation.close()]);
    },
  };
}
