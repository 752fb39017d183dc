/**
 * A sealed 公文 leaves as an exchange-station package: metadata under the GB/T 33480 names,
 * the exact sealed bytes (原文) whose SM3 the seal's data hash covers, attachments by digest
 * and the SES_Signature; the package read back through the gate gives a seal that verifies
 * against its 原文 and fails after one changed byte. The mock station accepts it with a 回执.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';
import { stationPackageFor } from '../../gateway/documents/station';
import { verifySesSignature } from '../../gateway/documents/seal-verify';
import { buildPackage, parsePackage } from '../../adapters/docstation-xml/package';
import { parseAnswer } from '../../adapters/docstation-xml/answer';
import { startMockStation, type MockStation } from '../../adapters/docstation-xml/mock';

jest.setTimeout(180_000);

let t: TestGateway;
let tok: Record<string, string>;
let station: MockStation;
let id: string;
beforeAll(async () => {
  t = await startTestGateway();
  tok = await documentPeople(t);
  station = await startMockStation({ recipients: ['tax', 'amr', 'hall'], clock: t.clock });
  const clerk = as(t, tok['housing.clerk']);
  id = (await clerk.post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'], copy: ['amr'] } })).body.id;
  const up = await fetch(`${t.url}/api/v1/documents/${id}/attachments?name=${encodeURIComponent('检查表.txt')}`, { method: 'POST', headers: { authorization: `Bearer ${tok['housing.clerk']}`, 'content-type': 'text/plain' }, body: '检查项目一、二、三' });
  expect(up.status).toBe(201);
  await clerk.post(`/api/v1/documents/${id}/review`);
  await as(t, tok['housing.signer']).post(`/api/v1/documents/${id}/sign-off`);
  await clerk.post(`/api/v1/documents/${id}/register`, { agencyCode: '江住建' });
  expect((await clerk.post(`/api/v1/documents/${id}/seal`)).body.seal.sesSignature.status).toBe('verified');
});
afterAll(async () => {
  await station?.close();
  await t?.close();
});

const logMaker = (fp: string) => t.gw.deps.trust.certificate(fp)?.role === 'log';

test('the package carries metadata, 原文, attachments by digest and the seal; the seal verifies against 原文', async () => {
  const pkg = await stationPackageFor(t.db.store, id, '0f6b9a1e-1111-4111-8111-000000000001', '江州市住房和城乡建设局', t.clock.now());
  expect(pkg.metadata).toMatchObject({ 发文字号: expect.stringMatching(/^江住建〔\d{4}〕1号$/), 标题: housingNotice().title, 文种: '通知', 紧急程度: '特急' });
  expect(pkg.recipients).toEqual({ main: ['tax'], copy: ['amr'] });
  expect(pkg.attachments).toEqual([expect.objectContaining({ name: '检查表.txt', size: Buffer.byteLength('检查项目一、二、三') })]);
  const back = parsePackage(buildPackage(pkg));
  expect(back).toEqual(pkg);
  const content = Buffer.from(back.content!.data, 'base64');
  const ses = Buffer.from(back.seal!.sesSignature, 'base64');
  expect(verifySesSignature(ses, content, { trustedMaker: logMaker })).toMatchObject({ status: 'verified', sealName: '江州市住房和城乡建设局' });
  const changed = Buffer.from(content);
  changed[changed.indexOf(Buffer.from('扬尘'))] ^= 0x01;
  expect(verifySesSignature(ses, changed, { trustedMaker: logMaker }).status).toBe('invalid');
});

test('the mock station answers the package with a 回执', async () => {
  const pkg = await stationPackageFor(t.db.store, id, '0f6b9a1e-1111-4111-8111-000000000002', '江州市住房和城乡建设局', t.clock.now());
  const r = await fetch(`${station.url}/packages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: buildPackage(pkg) });
  expect(parseAnswer(await r.text())).toMatchObject({ kind: '回执', packageId: pkg.id, duplicate: false });
});

test('a document without a seal cannot become a package', async () => {
  const draft = (await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } })).body.id;
  await expect(stationPackageFor(t.db.store, draft, 'x', 'x', t.clock.now())).rejects.toMatchObject({ code: 'GW_ERR_DOCUMENT_INVALID_TRANSITION' });
});
