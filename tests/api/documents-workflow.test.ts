/**
 * The 公文 workflow over real HTTP: 市住建局's clerk drafts a 通知, the signer signs it
 * off, it is registered (字号 assigned), sealed and sent to two departments; 税务局 签收,
 * 登记, 转办 to the hall, which 登记, 承办 and 办结; 市场监管局 退回 with a reason; the
 * sender sees all of it in the trace, with the signatures verified and the log indices.
 * Wrong role, wrong department, wrong order: the catalogue error and nothing changed.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';
import { verifyStoredLog } from '../../gateway/log/audit-log';

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

const counts = async () =>
  (
    await t.db.store.query<{ d: number; e: number; r: number; l: number }>(
      'SELECT (SELECT count(*)::int FROM documents) AS d, (SELECT count(*)::int FROM document_events) AS e, (SELECT count(*)::int FROM document_receipts) AS r, (SELECT count(*)::int FROM log_entries) AS l',
    )
  ).rows[0];

/** Expects a refusal with `code` and no row or log entry written. */
async function refusedUnchanged(call: () => Promise<{ status: number; body: any }>, status: number, code: string) {
  const before = await counts();
  const r = await call();
  expect([r.status, r.body?.code]).toEqual([status, code]);
  expect(await counts()).toEqual(before);
}

let id: string;
const path = (step = '') => `/api/v1/documents/${id}${step ? `/${step}` : ''}`;

describe('发文: 起草 → 审核 → 签发 → 登记 → 用印 → 分发', () => {
  test('the clerk drafts a 通知 for tax (主送) and amr (主送): 201, drafted, Location', async () => {
    const r = await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax', 'amr'] }, draftKey: 'HX-2026-001' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ sender: 'housing', status: 'drafted', urgency: '特急', kind: '通知', documentNumber: null, receipts: [] });
    id = r.body.id;
    expect(r.headers.get('location')).toBe(`/api/v1/documents/${id}`);
  });

  test('the same draftKey and content: 200 with the same document; other content: 409, nothing stored', async () => {
    const again = await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax', 'amr'] }, draftKey: 'HX-2026-001' });
    expect([again.status, again.body.id]).toEqual([200, id]);
    await refusedUnchanged(
      () => as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice({ title: '改过的标题的通知' }), addressees: { main: ['tax'] }, draftKey: 'HX-2026-001' }),
      409,
      'GW_ERR_DOCUMENT_DUPLICATE_CONFLICT',
    );
  });

  test('a draft is its department’s only: another department gets 404, an auditor reads it', async () => {
    expect((await as(t, tok['tax.clerk']).get(path())).body.code).toBe('GW_ERR_DOCUMENT_NOT_FOUND');
    expect((await as(t, tok['doc.auditor']).get(path())).status).toBe(200);
  });

  test('wrong order: 签发 before 审核 is 409 GW_ERR_DOCUMENT_INVALID_TRANSITION, nothing changed', async () => {
    await refusedUnchanged(() => as(t, tok['housing.signer']).post(path('sign-off')), 409, 'GW_ERR_DOCUMENT_INVALID_TRANSITION');
  });

  test('审核 by the clerk', async () => {
    const r = await as(t, tok['housing.clerk']).post(path('review'), { comment: '文字已核' });
    expect([r.status, r.body.status]).toEqual([200, 'reviewed']);
  });

  test('签发 by a clerk: 403 GW_ERR_AUTH_FORBIDDEN; by another department’s signer: 404; nothing changed', async () => {
    await refusedUnchanged(() => as(t, tok['housing.clerk']).post(path('sign-off')), 403, 'GW_ERR_AUTH_FORBIDDEN');
    await refusedUnchanged(() => as(t, tok['tax.signer']).post(path('sign-off')), 404, 'GW_ERR_DOCUMENT_NOT_FOUND');
    await refusedUnchanged(() => as(t, tok['housing.clerk']).post(path('register'), { agencyCode: '江住建' }), 409, 'GW_ERR_DOCUMENT_INVALID_TRANSITION');
  });

  test('签发 by the signer of 住建局', async () => {
    const r = await as(t, tok['housing.signer']).post(path('sign-off'), { comment: '同意印发' });
    expect([r.status, r.body.status]).toEqual([200, 'signed_off']);
  });

  test('登记 assigns the 发文字号; a step body is checked by its contract', async () => {
    const bad = await as(t, tok['housing.clerk']).post(path('register'), { agencyCode: '江住建〔' });
    expect([bad.status, bad.body.code, bad.body.errors[0].pointer]).toEqual([400, 'GW_ERR_REQUEST_INVALID', '/agencyCode']);
    const r = await as(t, tok['housing.clerk']).post(path('register'), { agencyCode: '江住建', requestKey: 'reg-1' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'registered', documentNumber: '江住建〔2026〕1号' });
    expect(r.body.document.documentNumber).toEqual({ text: '江住建〔2026〕1号', normalized: '江住建〔2026〕1号', agencyCode: '江住建', year: 2026, serial: 1 });
  });

  test('the same requestKey and body again: 200, nothing new; another body with it: 409', async () => {
    const before = await counts();
    const again = await as(t, tok['housing.clerk']).post(path('register'), { agencyCode: '江住建', requestKey: 'reg-1' });
    expect([again.status, again.body.documentNumber]).toEqual([200, '江住建〔2026〕1号']);
    expect(await counts()).toEqual(before);
    await refusedUnchanged(() => as(t, tok['housing.clerk']).post(path('register'), { agencyCode: '江住办', requestKey: 'reg-1' }), 409, 'GW_ERR_DOCUMENT_DUPLICATE_CONFLICT');
  });

  test('用印 signs the canonical document with the department key and a GB/T 38540 seal; 分发 delivers to both addressees', async () => {
    const sealed = await as(t, tok['housing.clerk']).post(path('seal'));
    expect(sealed.body.status).toBe('sealed');
    expect(sealed.body.seal).toMatchObject({
      status: 'signed',
      authority: 'housing',
      signature: { signer: 'housing', alg: 'SM2-SM3' },
      sesSignature: { status: 'verified', format: 'GB/T 38540-2020', sealName: '江州市住房和城乡建设局', esID: expect.stringMatching(/^xgw-housing-[0-9a-f]{16}$/), der: expect.any(String) },
    });
    const der = Buffer.from(sealed.body.seal.sesSignature.der, 'base64');
    expect(der[0]).toBe(0x30);
    expect((await as(t, tok['housing.clerk']).get(path())).body.seal.sesSignature.status).toBe('verified');
    const sent = await as(t, tok['housing.clerk']).post(path('distribute'), { requestKey: 'dist-1' });
    expect(sent.body.status).toBe('distributed');
    expect(sent.body.receipts.map((r: any) => [r.recipient, r.status])).toEqual([
      ['tax', 'delivered'],
      ['amr', 'delivered'],
    ]);
    await refusedUnchanged(() => as(t, tok['housing.clerk']).post(path('distribute')), 409, 'GW_ERR_DOCUMENT_INVALID_TRANSITION');
  });
});

describe('收文', () => {
  test('the document is in both inboxes; an addressee sees its own receipt only', async () => {
    const inbox = await as(t, tok['tax.clerk']).get('/api/v1/documents?box=inbox');
    expect(inbox.body.items).toEqual([expect.objectContaining({ id, recipient: 'tax', status: 'delivered', documentNumber: '江住建〔2026〕1号', urgency: '特急' })]);
    const view = await as(t, tok['amr.clerk']).get(path());
    expect(view.body.receipts.map((r: any) => r.recipient)).toEqual(['amr']);
  });

  test('an addressee may not take the sender’s steps, nor the sender the addressees’ (403 GW_ERR_DOCUMENT_NOT_PARTY)', async () => {
    await refusedUnchanged(() => as(t, tok['tax.clerk']).post(path('seal')), 403, 'GW_ERR_DOCUMENT_NOT_PARTY');
    await refusedUnchanged(() => as(t, tok['housing.clerk']).post(path('sign-for')), 403, 'GW_ERR_DOCUMENT_NOT_PARTY');
    await refusedUnchanged(() => as(t, tok['tax.clerk']).post(path('complete')), 409, 'GW_ERR_DOCUMENT_INVALID_TRANSITION');
  });

  test('税务局: 签收 (signed 回执), 登记, 转办 to the hall', async () => {
    const tax = as(t, tok['tax.clerk']);
    expect((await tax.post(path('sign-for'))).body.receipts[0].status).toBe('signed');
    expect((await tax.post(path('record'), { comment: '收文登记 2026-031' })).body.receipts[0].status).toBe('recorded');
    await refusedUnchanged(() => tax.post(path('forward'), { to: 'housing' }), 409, 'GW_ERR_DOCUMENT_INVALID_TRANSITION');
    await refusedUnchanged(() => tax.post(path('forward'), { to: 'nobody' }), 404, 'GW_ERR_REGISTRY_UNKNOWN_MEMBER');
    const fwd = await tax.post(path('forward'), { to: 'hall', comment: '请大厅牵头办理', requestKey: 'fwd-1' });
    const again = await tax.post(path('forward'), { to: 'hall', comment: '请大厅牵头办理', requestKey: 'fwd-1' });
    expect([again.status, again.body.receipts[0].status]).toEqual([200, 'forwarded']);
    expect(fwd.body.receipts.map((r: any) => [r.recipient, r.status])).toEqual([['tax', 'forwarded']]);
  });

  test('the hall: 签收, 登记, 承办 (assignee, deadline), 办结; its receipt chains to the tax bureau’s', async () => {
    const hall = as(t, tok['hall.clerk']);
    await hall.post(path('sign-for'));
    await hall.post(path('record'));
    const assigned = await hall.post(path('assign'), { assignee: '王敏', deadline: '2026-03-13' });
    expect(assigned.body.receipts[0]).toMatchObject({ recipient: 'hall', status: 'assigned', assignee: '王敏', deadline: '2026-03-13' });
    const done = await hall.post(path('complete'), { comment: '已办结' });
    expect(done.body.receipts[0].status).toBe('completed');
    const taxReceipt = (await as(t, tok['housing.clerk']).get(path())).body.receipts.find((r: any) => r.recipient === 'tax');
    expect(done.body.receipts[0].forwardedFrom).toBe(taxReceipt.id);
    await refusedUnchanged(() => hall.post(path('complete')), 409, 'GW_ERR_DOCUMENT_INVALID_TRANSITION');
  });

  test('市场监管局: 退回 needs a reason; with one, the document goes back to the sender', async () => {
    const amr = as(t, tok['amr.clerk']);
    const none = await amr.post(path('return'), {});
    expect([none.status, none.body.code, none.body.errors[0].pointer]).toEqual([400, 'GW_ERR_REQUEST_INVALID', '/reason']);
    const r = await amr.post(path('return'), { reason: '本局非主办单位，请改送区住建部门（联系人 张三 13800000000）' });
    expect(r.body.receipts[0].status).toBe('returned');
  });
});

describe('the trace', () => {
  test('the sender sees every step: who, when, department, signature verified, log index', async () => {
    const r = await as(t, tok['housing.clerk']).get(path('trace'));
    expect(r.status).toBe(200);
    const steps = r.body.events.map((e: any) => `${e.department}:${e.name}${e.receipt ? `@${e.receipt.recipient}` : ''}:${e.signature.status}`);
    expect(steps).toEqual([
      'housing:起草:none',
      'housing:审核:none',
      'housing:签发:verified',
      'housing:登记:none',
      'housing:用印:verified',
      'housing:分发@tax:none',
      'housing:分发@amr:none',
      'tax:签收@tax:verified',
      'tax:登记@tax:none',
      'tax:转办@tax:none', // once: the step of 税务局 (to 大厅 in its detail), not once per receipt it touched
      'hall:签收@hall:verified',
      'hall:登记@hall:none',
      'hall:承办@hall:none',
      'hall:办结@hall:none',
      'amr:退回@amr:verified',
    ]);
    const returned = r.body.events.at(-1);
    expect(returned).toMatchObject({ actor: 'amr/amr.clerk', detail: { reason: expect.stringContaining('非主办单位') }, signature: { signer: 'amr', alg: 'RSA-PSS-SHA256' } }); // 市场监管局 signs with RSA in the demo
    const idx: number[] = r.body.events.map((e: any) => e.logIndex);
    expect(idx.every((n, i) => i === 0 || n >= idx[i - 1]!)).toBe(true);
    const entry = await t.db.store.query<{ entry: string; kind: string }>('SELECT entry, kind FROM log_entries WHERE idx = $1', [returned.logIndex]);
    expect(entry.rows[0]!.kind).toBe('document.returned');
    expect(entry.rows[0]!.entry).toContain('reasonDigest');
    expect(entry.rows[0]!.entry).not.toContain('13800000000');
  });

  test('the steps are in the Merkle log: integrated, checkpointed, and the stored log verifies', async () => {
    await t.gw.deps.integrator.runOnce(true);
    expect((await verifyStoredLog(t.db.store, {})).ok).toBe(true);
    const kinds = await t.db.store.query<{ kind: string }>(`SELECT DISTINCT kind FROM log_entries WHERE kind LIKE 'document.%' ORDER BY kind`);
    expect(kinds.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['document.drafted', 'document.sealed', 'document.signed_for', 'document.forwarded', 'document.returned']));
  });

  test('addressees and auditors see it; anyone else 404; a role without documents.read 403', async () => {
    for (const who of ['tax.clerk', 'hall.clerk', 'amr.clerk', 'doc.auditor']) expect((await as(t, tok[who]).get(path('trace'))).status).toBe(200);
    expect((await t.call('GET', path('trace'), { token: t.tokens.docstation })).body.code).toBe('GW_ERR_DOCUMENT_NOT_FOUND');
    expect((await as(t, tok['doc.admin']).get(path('trace'))).body.code).toBe('GW_ERR_AUTH_FORBIDDEN');
  });

  test('a stored signature that no longer matches shows as invalid', async () => {
    await t.db.store.query(`UPDATE document_events SET signed_text = replace(signed_text, '"kind":"seal"', '"kind":"sea1"') WHERE document_id = $1 AND step = 'sealed'`, [id]);
    const r = await as(t, tok['doc.auditor']).get(path('trace'));
    expect(r.body.events.find((e: any) => e.step === 'sealed').signature.status).toBe('invalid');
  });

  test('the seal: verified in the trace; one changed character of the stored document makes it invalid', async () => {
    expect((await as(t, tok['doc.auditor']).get(path('trace'))).body.seal.sesSignature).toMatchObject({ status: 'verified', sealName: '江州市住房和城乡建设局' });
    await t.db.store.query(`UPDATE documents SET document = jsonb_set(document, '{title}', to_jsonb(replace(document->>'title', '通知', '通告'))) WHERE id = $1`, [id]);
    const r = await as(t, tok['doc.auditor']).get(path('trace'));
    expect(r.body.seal.sesSignature).toMatchObject({ status: 'invalid', reason: 'the data hash does not match the content (the content changed)' });
    expect((await as(t, tok['tax.clerk']).get(path())).body.seal.sesSignature.status).toBe('invalid');
  });
});

describe('classified documents', () => {
  test.each([['机密', '机密'], ['秘密★1年', '秘密'], ['機密', '机密']])('a draft marked %s: 422, nothing stored but the refusal in the log', async (text) => {
    const before = await counts();
    const r = await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice({ secrecy: { text, level: text } }), addressees: { main: ['tax'] } });
    expect([r.status, r.body.code]).toEqual([422, 'GW_ERR_DOCUMENT_CLASSIFIED']);
    const after = await counts();
    expect(after).toEqual({ ...before, l: before.l + 1 });
    const last = await t.db.store.query<{ kind: string; entry: string }>('SELECT kind, entry FROM log_entries ORDER BY idx DESC LIMIT 1');
    expect(last.rows[0]!.kind).toBe('document.refused');
    expect(last.rows[0]!.entry).not.toContain('扬尘');
  });
});

// GET /documents/{id} names the steps the caller may take now (allowedSteps): what the 发文/收文 lifecycle
// allows from the current status, for the caller's department and role (the console offers exactly those).
describe('allowedSteps', () => {
  const allowed = async (login: string, id: string) => (await as(t, tok[login]!).get(`/api/v1/documents/${id}`)).body.allowedSteps;

  test('each party sees the steps its role may take now, and they are the ones the server accepts', async () => {
    const clerk = as(t, tok['housing.clerk']!);
    const id = (await clerk.post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } })).body.id as string;
    expect(await allowed('housing.clerk', id)).toEqual(['review']);
    await clerk.post(`/api/v1/documents/${id}/review`);
    expect(await allowed('housing.clerk', id)).toEqual([]); // 签发 is the signer's
    expect(await allowed('housing.signer', id)).toEqual(['sign-off']);
    await as(t, tok['housing.signer']!).post(`/api/v1/documents/${id}/sign-off`);
    expect(await allowed('housing.clerk', id)).toEqual(['register']);
    await clerk.post(`/api/v1/documents/${id}/register`, { agencyCode: '江住建' });
    expect(await allowed('housing.clerk', id)).toEqual(['seal']);
    await clerk.post(`/api/v1/documents/${id}/seal`);
    await clerk.post(`/api/v1/documents/${id}/distribute`);
    expect(await allowed('housing.clerk', id)).toEqual([]);
    expect(await allowed('tax.clerk', id)).toEqual(['sign-for', 'return']);
    await as(t, tok['tax.clerk']!).post(`/api/v1/documents/${id}/sign-for`);
    await as(t, tok['tax.clerk']!).post(`/api/v1/documents/${id}/record`);
    expect(await allowed('tax.clerk', id)).toEqual(['propose', 'assign', 'forward', 'complete']);
    expect(await allowed('tax.signer', id)).toEqual(['propose', 'approve', 'assign', 'forward', 'complete']);
    expect(await allowed('doc.auditor', id)).toEqual([]);
  });
});
