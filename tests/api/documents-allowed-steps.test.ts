/**
 * GET /documents/{id} names the steps the caller may take now (allowedSteps): what the
 * 发文/收文 lifecycle allows from the current status, for the caller's department and role —
 * so the console offers exactly those buttons without repeating the tables.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';

jest.setTimeout(120_000);

let t: TestGateway;
let tok: Record<string, string>;
beforeAll(async () => {
  t = await startTestGateway();
  tok = await documentPeople(t);
});
afterAll(async () => {
  await t?.close();
});

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
