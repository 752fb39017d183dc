/**
 * 公文 lists and 发文字号 serials on one gateway (PGlite or PostgreSQL): inbox and outbox
 * with every filter, 特提/特急/加急 first, title search in simplified or traditional
 * characters, cursors; 登记 numbers serially per 机关代字 and year, without gaps.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';

jest.setTimeout(180_000);

let t: TestGateway;
let tok: Record<string, string>;
beforeAll(async () => {
  t = await startTestGateway();
  tok = await documentPeople(t);
});
afterAll(async () => {
  await t?.close();
});

/** Drafts and takes a document through to `until` (inclusive), as 住建局. */
async function send(over: Record<string, unknown>, until: 'drafted' | 'registered' | 'distributed', agencyCode = '江住建', year?: number) {
  const clerk = as(t, tok['housing.clerk']);
  const d = await clerk.post('/api/v1/documents', { document: housingNotice(over), addressees: { main: ['tax'], copy: ['amr'] } });
  expect(d.status).toBe(201);
  const id: string = d.body.id;
  if (until === 'drafted') return id;
  await clerk.post(`/api/v1/documents/${id}/review`);
  await as(t, tok['housing.signer']).post(`/api/v1/documents/${id}/sign-off`);
  const r = await clerk.post(`/api/v1/documents/${id}/register`, year ? { agencyCode, year } : { agencyCode });
  expect(r.status).toBe(200);
  if (until === 'registered') return id;
  await clerk.post(`/api/v1/documents/${id}/seal`);
  expect((await clerk.post(`/api/v1/documents/${id}/distribute`)).status).toBe(200);
  return id;
}

const numberOf = async (id: string) => (await as(t, tok['housing.clerk']).get(`/api/v1/documents/${id}`)).body.documentNumber;

describe('发文字号 serials', () => {
  test('per 机关代字 and year: 1, 2, 3 …; another 代字 or year starts at 1', async () => {
    const a = [await send({}, 'registered'), await send({}, 'registered'), await send({}, 'registered')];
    expect(await Promise.all(a.map(numberOf))).toEqual(['江住建〔2026〕1号', '江住建〔2026〕2号', '江住建〔2026〕3号']);
    expect(await numberOf(await send({}, 'registered', '江住建函'))).toBe('江住建函〔2026〕1号');
    expect(await numberOf(await send({}, 'registered', '江住建', 2025))).toBe('江住建〔2025〕1号');
    const serials = await t.db.store.query<{ agency_code: string; year: number; next: number }>('SELECT agency_code, year, next FROM document_serials ORDER BY agency_code, year');
    expect(serials.rows).toEqual([
      { agency_code: '江住建', year: 2025, next: 2 },
      { agency_code: '江住建', year: 2026, next: 4 },
      { agency_code: '江住建函', year: 2026, next: 2 },
    ]);
  });

  test('a refused 登记 (wrong order) takes no number: the next one is dense', async () => {
    const early = await send({}, 'drafted');
    expect((await as(t, tok['housing.clerk']).post(`/api/v1/documents/${early}/register`, { agencyCode: '江住建' })).body.code).toBe('GW_ERR_DOCUMENT_INVALID_TRANSITION');
    expect(await numberOf(await send({}, 'registered'))).toBe('江住建〔2026〕4号');
  });
});

describe('inbox and outbox', () => {
  let urgent: string, express: string, plain: string, traditional: string;
  beforeAll(async () => {
    plain = await send({ urgency: undefined, title: '江州市住房和城乡建设局关于报送年度统计数据的通知' }, 'distributed');
    urgent = await send({ urgency: { text: '特急', level: '特急' }, title: '江州市住房和城乡建设局关于防汛安全检查的紧急通知' }, 'distributed');
    express = await send({ urgency: { text: '加急', level: '加急' }, kind: '函', title: '江州市住房和城乡建设局关于商请提供企业纳税信息的函' }, 'distributed');
    traditional = await send({ urgency: undefined, title: '江州市住房和城鄉建設局關於開展物業服務質量檢查的通知' }, 'distributed');
  });

  const inbox = async (token: string, query = '') => (await as(t, token).get(`/api/v1/documents?box=inbox${query}`)).body;

  test('特急 and 加急 first, then newest first', async () => {
    const ids = (await inbox(tok['tax.clerk'])).items.map((i: any) => i.id);
    expect(ids.slice(0, 2)).toEqual([urgent, express]);
    expect(ids.indexOf(traditional)).toBeLessThan(ids.indexOf(plain));
  });

  test('filters: urgency, kind, sender, status, date range', async () => {
    expect((await inbox(tok['tax.clerk'], '&urgency=加急')).items.map((i: any) => i.id)).toEqual([express]);
    expect((await inbox(tok['tax.clerk'], `&kind=${encodeURIComponent('函')}`)).items.map((i: any) => i.id)).toEqual([express]);
    expect((await inbox(tok['tax.clerk'], '&sender=hall')).items).toEqual([]);
    expect((await inbox(tok['tax.clerk'], '&sender=housing')).items.length).toBe(4);
    expect((await inbox(tok['tax.clerk'], '&status=delivered')).items.length).toBe(4);
    expect((await inbox(tok['tax.clerk'], '&status=signed')).items).toEqual([]);
    expect((await inbox(tok['tax.clerk'], '&from=2026-03-02&to=2026-03-02')).items.length).toBe(4);
    expect((await inbox(tok['tax.clerk'], '&from=2026-03-03')).items).toEqual([]);
    const outbox = (await as(t, tok['housing.clerk']).get('/api/v1/documents?box=outbox&status=drafted')).body.items;
    expect(outbox.every((i: any) => i.status === 'drafted' && i.sender === 'housing')).toBe(true);
    expect(outbox.length).toBe(1);
  });

  test('title search finds a traditional title from simplified words and the other way round', async () => {
    const q = async (words: string) => (await inbox(tok['tax.clerk'], `&q=${encodeURIComponent(words)}`)).items.map((i: any) => i.id);
    expect(await q('物业服务质量')).toEqual([traditional]);
    expect(await q('防汛安全檢查')).toEqual([urgent]);
    expect(await q('100%')).toEqual([]);
  });

  test('发文字号 finds the document in any bracket spelling, in the inbox and the outbox, for those who may read it', async () => {
    const number: string = await numberOf(urgent); // 江住建〔2026〕n号
    const [code, year, serial] = /^(.+)〔(\d{4})〕(\d+)号$/.exec(number)!.slice(1);
    const byNumber = async (token: string, box: string, docNo: string) => (await as(t, token).get(`/api/v1/documents?box=${box}&docNo=${encodeURIComponent(docNo)}`)).body;
    for (const spelling of [number, `${code}[${year}]${serial}号`, `${code}【${year}】${serial}号`, `${code}（${year}）${serial}号`, `${code}［${year}］第${serial}号`, ` ${code}(${year})${serial}號 `]) {
      expect({ spelling, ids: (await byNumber(tok['tax.clerk'], 'inbox', spelling)).items.map((i: any) => i.id) }).toEqual({ spelling, ids: [urgent] });
    }
    expect((await byNumber(tok['housing.clerk'], 'outbox', `${code}[${year}]${serial}号`)).items.map((i: any) => [i.id, i.documentNumber])).toEqual([[urgent, number]]);
    expect((await byNumber(tok['doc.auditor'], 'outbox', `${code}[${year}]${serial}号`)).items.map((i: any) => i.id)).toEqual([urgent]);
    expect((await byNumber(tok['hall.clerk'], 'inbox', number)).items).toEqual([]);
    expect((await byNumber(tok['tax.clerk'], 'inbox', `${code}〔${year}〕999号`)).items).toEqual([]);
    const bad = await as(t, tok['tax.clerk']).get(`/api/v1/documents?box=inbox&docNo=${encodeURIComponent('防汛安全检查')}`);
    expect([bad.status, bad.body.code, bad.body.errors]).toEqual([400, 'GW_ERR_REQUEST_INVALID', [{ pointer: '/docNo', message: 'not a 发文字号' }]]);
  });

  test('抄送 addressees have it too; other departments and the hall see nothing; auditors everything', async () => {
    expect((await inbox(tok['amr.clerk'])).items.length).toBe(4);
    expect((await inbox(tok['hall.clerk'])).items).toEqual([]);
    expect((await inbox(tok['doc.auditor'])).items.length).toBe(8);
  });

  test('pages by cursor, in the same order, never twice', async () => {
    const all = (await inbox(tok['doc.auditor'])).items.map((i: any) => i.receiptId);
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = await inbox(tok['doc.auditor'], `&limit=3${after ? `&after=${after}` : ''}`);
      seen.push(...page.items.map((i: any) => i.receiptId));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(all);
    const bad = await as(t, tok['tax.clerk']).get('/api/v1/documents?box=inbox&after=nonsense');
    expect([bad.status, bad.body.code]).toEqual([400, 'GW_ERR_LIST_BAD_CURSOR']);
    const noBox = await as(t, tok['tax.clerk']).get('/api/v1/documents');
    expect([noBox.status, noBox.body.code]).toEqual([400, 'GW_ERR_REQUEST_INVALID']);
  });
});
