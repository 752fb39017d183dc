import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { formatTime } from '../../gateway/clock';

/**
 * GET /messages?direction=sent|received with status, type, case and time filters and
 * keyset pagination: a department system reconciles what it sent; listing or reading a
 * received message is not its delivery — only the inbox pull is.
 */
let t: TestGateway;
let start: string;
const sent: { id: string; receivedAt: string; digest: { alg: string; value: string } }[] = [];

beforeAll(async () => {
  t = await startTestGateway();
  t.clock.advance(24 * 3600_000); // a window of time with only this file's messages
  start = formatTime(t.clock.now());
  for (let i = 1; i <= 3; i++) {
    t.clock.advance(60_000);
    const record = sampleCaseRecord({ caseNo: `JZ-RECON-000${i}` });
    const r = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: `recon-${i}`, caseId: record.caseNo, purpose: 'case-handling', payload: record } });
    expect(r.status).toBe(202);
    sent.push(r.body);
  }
});
afterAll(async () => {
  await t?.close();
});

const list = async (token: string, q: string) => {
  const r = await t.call('GET', `/api/v1/messages?${q}`, { token });
  expect(r.status).toBe(200);
  return r.body as { direction: string; items: { id: string; status: string; digest: unknown; receivedAt: string; from: string; to: string }[]; next: string | null };
};

test('the sender lists what it sent in a time window, newest first, with digests; pages follow `next` without gaps or repeats', async () => {
  const all = await list(t.tokens.hall, `direction=sent&from=${encodeURIComponent(start)}`);
  expect(all.direction).toBe('sent');
  expect(all.items.map((m) => m.id)).toEqual(sent.map((m) => m.id).reverse());
  expect(all.items.map((m) => m.digest)).toEqual(sent.map((m) => m.digest).reverse());
  expect(all.items.every((m) => m.from === 'hall' && m.to === 'housing' && m.status === 'queued')).toBe(true);

  const second = encodeURIComponent(sent[1]!.receivedAt);
  expect((await list(t.tokens.hall, `direction=sent&from=${second}&to=${second}`)).items.map((m) => m.id)).toEqual([sent[1]!.id]);
  expect((await list(t.tokens.hall, `direction=sent&from=${second}`)).items.map((m) => m.id)).toEqual([sent[2]!.id, sent[1]!.id]);
  expect((await list(t.tokens.hall, `direction=sent&from=${encodeURIComponent(start)}&to=${second}`)).items.map((m) => m.id)).toEqual([sent[1]!.id, sent[0]!.id]);
  expect((await list(t.tokens.hall, `direction=sent&caseId=JZ-RECON-0001&type=case-record&status=queued`)).items.map((m) => m.id)).toEqual([sent[0]!.id]);

  const seen: string[] = [];
  let after = '';
  for (let page = 0; page < 5; page++) {
    const p = await list(t.tokens.hall, `direction=sent&from=${encodeURIComponent(start)}&limit=2${after}`);
    seen.push(...p.items.map((m) => m.id));
    if (!p.next) break;
    after = `&after=${p.next}`;
  }
  expect(seen).toEqual(sent.map((m) => m.id).reverse());

  // the receiver's sent box does not hold them; another member sees none of them
  expect((await list(t.tokens.housing, `direction=sent&from=${encodeURIComponent(start)}`)).items).toEqual([]);
  expect((await list(t.tokens.tax, `direction=received&from=${encodeURIComponent(start)}`)).items).toEqual([]);
});

test('listing and reading a received message is not its delivery; the inbox pull is', async () => {
  const received = await list(t.tokens.housing, `direction=received&from=${encodeURIComponent(start)}`);
  expect(received.items.map((m) => m.status)).toEqual(['queued', 'queued', 'queued']);
  const read = await t.call('GET', `/api/v1/messages/${sent[0]!.id}`, { token: t.tokens.housing });
  expect(read.body).toMatchObject({ status: 'queued', delivery: { mode: 'pull', status: 'pending' } });
  expect(read.body.history.map((h: { event: string }) => h.event)).not.toContain('delivered');
  expect((await list(t.tokens.hall, `direction=sent&from=${encodeURIComponent(start)}`)).items.every((m) => m.status === 'queued')).toBe(true);
  const events = await t.db.store.query<{ n: string }>(`SELECT count(*) AS n FROM message_events WHERE message_id = ANY($1::uuid[]) AND event = 'delivered'`, [sent.map((m) => m.id)]);
  expect(Number(events.rows[0]!.n)).toBe(0);

  const inbox = await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.housing });
  expect(inbox.status).toBe(200);
  const after = await list(t.tokens.housing, `direction=received&from=${encodeURIComponent(start)}`);
  expect(after.items.map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
  expect((await list(t.tokens.hall, `direction=sent&status=delivered&from=${encodeURIComponent(start)}`)).items).toHaveLength(3);
});

test('bad queries: box contradicting direction, a time without offset, an unknown direction', async () => {
  const bad = async (q: string) => (await t.call('GET', `/api/v1/messages?${q}`, { token: t.tokens.hall })).body;
  expect(await bad('direction=sent&box=in')).toMatchObject({ status: 400, code: 'GW_ERR_REQUEST_INVALID', errors: [{ pointer: '/box' }] });
  expect((await bad('from=yesterday')).code).toBe('GW_ERR_REQUEST_INVALID');
  expect((await bad('direction=outgoing')).code).toBe('GW_ERR_REQUEST_INVALID');
  // the older name still works, and agrees
  expect((await list(t.tokens.hall, `box=out&direction=sent&from=${encodeURIComponent(start)}`)).items).toHaveLength(3);
});
