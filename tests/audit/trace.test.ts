import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseStatus } from '../fixtures/case-record';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { leafHash } from '../../gateway/merkle/hash';
import { demoCase, loginAs, type DemoCase } from './scenario';

let t: TestGateway;
let auditor: string;
let a: DemoCase;
let b: DemoCase;
let taxId: string;
let startOfB: string;

beforeAll(async () => {
  t = await startTestGateway();
  auditor = await loginAs(t, 'auditor');
  a = await demoCase(t, 'FZ-ZJ-20260302-100001', 'a');
  t.clock.advance(3_600_000);
  startOfB = t.clock.now().toISOString();
  b = await demoCase(t, 'FZ-ZJ-20260302-100002', 'b');
  // tax uses the same messageId as hall's case record of case a
  const tax = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.tax,
    body: { to: 'hall', type: 'case-status', messageId: 'rec-a', caseId: 'FZ-ZJ-20260302-100003', purpose: 'status-feedback', payload: sampleCaseStatus({ caseNo: 'FZ-ZJ-20260302-100003' }) },
  });
  expect(tax.status).toBe(202);
  taxId = tax.body.id;
});
afterAll(async () => {
  await t?.close();
});

type Item = { index: number; kind: string; at: string; entry: any; leafHash: string };
const trace = (qs: string, token = auditor) => t.call('GET', `/api/v1/audit/trace?${qs}`, { token });

async function all(qs: string, limit = 1000): Promise<Item[]> {
  const items: Item[] = [];
  let after = '';
  for (let pages = 0; pages < 100; pages++) {
    const r = await trace(`${qs}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    if (!r.body.next) return items;
    after = r.body.next;
  }
  throw new Error('too many pages');
}

describe('GET /api/v1/audit/trace', () => {
  test('a case: its entries in log order, each with index, kind, time, the parsed entry and its leaf hash', async () => {
    const items = await all(`caseId=${a.caseNo}`);
    expect(items.map((i) => [i.kind, i.entry.message.id])).toEqual([
      ['message.received', a.record.id],
      ['message.delivered', a.record.id],
      ['message.acknowledged', a.record.id],
      ['message.received', a.status.id],
      ['message.delivered', a.status.id],
      ['message.acknowledged', a.status.id],
    ]);
    const indexes = items.map((i) => i.index);
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
    for (const i of items) {
      expect(i.entry).toMatchObject({ v: 1, kind: i.kind, at: i.at, message: { caseId: a.caseNo } });
      expect(leafHash('sha256', canonicalJson(i.entry)).toString('hex')).toBe(i.leafHash);
    }
    // what the log API serves at those indexes is the same text
    const served = await t.call('GET', `/api/v1/log/entries?start=${indexes[0]}&end=${indexes.at(-1)! + 1}`, { token: t.tokens.hall });
    const byIndex = new Map(served.body.items.map((e: { index: number; entry: string }) => [e.index, e.entry]));
    for (const i of items) expect(byIndex.get(i.index)).toBe(canonicalJson(i.entry));
  });

  test("a message, by gateway id or by the sender's messageId (which several senders may share)", async () => {
    const byId = await all(`messageId=${a.record.id}`);
    expect(byId.map((i) => i.kind)).toEqual(['message.received', 'message.delivered', 'message.acknowledged']);
    expect(new Set(byId.map((i) => i.entry.message.id))).toEqual(new Set([a.record.id]));
    expect(await all(`messageId=${a.record.id.toUpperCase()}`)).toEqual(byId);
    // "rec-a" is hall's messageId for case a and tax's for its status message: both are found
    const byOwn = await all('messageId=rec-a');
    expect(new Set(byOwn.map((i) => i.entry.message.id))).toEqual(new Set([a.record.id, taxId]));
    expect(byOwn.filter((i) => i.entry.message.id === a.record.id)).toEqual(byId);
    expect(await all(`messageId=rec-a&member=tax`)).toEqual(byOwn.filter((i) => i.entry.message.id === taxId));
    expect((await trace('messageId=no-such-message')).body).toEqual({ items: [], next: null });
  });

  test('a member, as sender or receiver', async () => {
    const tax = await all('member=tax');
    expect(tax.map((i) => [i.kind, i.entry.message.id])).toEqual([['message.received', taxId]]);
    const housing = await all('member=housing');
    const ids = new Set(housing.map((i) => i.entry.message.id));
    expect(ids).toEqual(new Set([a.record.id, a.status.id, b.record.id, b.status.id]));
    for (const i of housing) expect([i.entry.message.from, i.entry.message.to]).toContain('housing');
    const hall = await all('member=hall');
    expect(hall.length).toBe(housing.length + 1);
    // filters combine
    expect(await all(`member=housing&caseId=${b.caseNo}`)).toEqual(await all(`caseId=${b.caseNo}`));
    expect(await all(`member=tax&caseId=${a.caseNo}`)).toEqual([]);
  });

  test('from / to bound the entry time (RFC 3339)', async () => {
    const everything = await all('member=housing');
    const later = await all(`member=housing&from=${encodeURIComponent(startOfB)}`);
    expect(later).toEqual(everything.filter((i) => new Date(i.at) >= new Date(startOfB)));
    expect(new Set(later.map((i) => i.entry.message.caseId))).toEqual(new Set([b.caseNo]));
    const earlier = await all(`member=housing&to=${encodeURIComponent(startOfB.replace('Z', '+00:00'))}`);
    expect([...earlier, ...later]).toEqual(everything);
    const first = everything[0];
    expect(await all(`member=housing&from=${encodeURIComponent(first.at)}&to=${encodeURIComponent(first.at)}`)).toEqual([first]);
  });

  test('cursor pagination: keyset on the log index, every entry exactly once', async () => {
    const whole = await all('member=hall');
    for (const limit of [1, 2, 5]) expect(await all('member=hall', limit)).toEqual(whole);
    const page = await trace('member=hall&limit=4');
    expect(page.body.items).toEqual(whole.slice(0, 4));
    expect(typeof page.body.next).toBe('string');
    const rest = await trace(`member=hall&limit=1000&after=${encodeURIComponent(page.body.next)}`);
    expect(rest.body).toEqual({ items: whole.slice(4), next: null });
  });

  test('only auditors and supervisors; others are forbidden', async () => {
    expect((await trace(`caseId=${a.caseNo}`, await loginAs(t, 'supervisor'))).status).toBe(200);
    for (const role of ['clerk', 'signer', 'admin']) {
      const r = await trace(`caseId=${a.caseNo}`, await loginAs(t, role));
      expect({ role, status: r.status, code: r.body.code }).toEqual({ role, status: 403, code: 'GW_ERR_AUTH_FORBIDDEN' });
    }
    const system = await trace(`caseId=${a.caseNo}`, t.tokens.hall);
    expect([system.status, system.body.code]).toEqual([403, 'GW_ERR_AUTH_FORBIDDEN']);
    const anonymous = await t.call('GET', `/api/v1/audit/trace?caseId=${a.caseNo}`);
    expect(anonymous.status).toBe(401);
  });

  test('bad queries are 400 with the field at fault', async () => {
    const cases: [string, string, string][] = [
      ['', 'GW_ERR_REQUEST_INVALID', '/caseId'],
      ['from=2026-03-02T09:30:00%2B08:00', 'GW_ERR_REQUEST_INVALID', '/caseId'],
      ['member=hall&from=yesterday', 'GW_ERR_REQUEST_INVALID', '/from'],
      ['member=hall&to=2026-03-02', 'GW_ERR_REQUEST_INVALID', '/to'],
      ['member=hall&from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z', 'GW_ERR_REQUEST_INVALID', '/to'],
      ['member=hall&limit=0', 'GW_ERR_REQUEST_INVALID', '/limit'],
      ['member=hall&limit=1001', 'GW_ERR_REQUEST_INVALID', '/limit'],
      ['caseId=a&caseId=b', 'GW_ERR_REQUEST_INVALID', '/caseId'],
    ];
    for (const [qs, code, pointer] of cases) {
      const r = await trace(qs);
      expect({ qs, status: r.status, code: r.body.code, pointer: r.body.errors?.[0]?.pointer }).toEqual({ qs, status: 400, code, pointer });
    }
    const cursor = await trace('member=hall&after=garbage');
    expect([cursor.status, cursor.body.code]).toEqual([400, 'GW_ERR_LIST_BAD_CURSOR']);
  });
});
