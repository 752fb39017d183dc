/**
 * The exchange station delivers an inbound 公文 (POST /api/v1/station/packages, as the
 * station member): the gateway checks the station's XML signature and the sender's seal,
 * puts the document in the addressee's inbox (待签收) and answers a signed 回执; the same
 * package again is a recognised duplicate; a bad signature, a wrong seal or a caller that is
 * not the station is refused with a catalogue error and nothing is stored.
 */
import { buildPackage } from '../../adapters/docstation-xml/package';
import { signPackage, verifyPackageSignature } from '../../adapters/docstation-xml/xmldsig';
import { createRootCa } from '../../certs/ca';
import { as } from '../support/documents';
import { customsPackage as customsPackage_, startStationWorld, type StationWorld } from '../support/station';

jest.setTimeout(180_000);

let w: StationWorld;
beforeAll(async () => {
  w = await startStationWorld();
});
afterAll(async () => {
  await w?.close();
});

const customsPackage = (over: Parameters<typeof customsPackage_>[1] = {}) => customsPackage_(w, over);

const gatewayAsStation = () => ({ url: w.t.url, token: w.t.tokens.docstation! });
const documentCount = async () => Number((await w.t.db.store.query<{ n: string }>('SELECT count(*) AS n FROM documents')).rows[0]!.n);
const taxInbox = async () => (await as(w.t, w.tok['tax.clerk']!).get('/api/v1/documents?box=inbox')).body.items as any[];

test('an inbound package becomes a 收文 in the addressee’s inbox (待签收), answered with a signed 回执; again: 重复', async () => {
  const pkg = customsPackage();
  const xml = buildPackage(pkg);
  const first = await w.station.deliver(xml, gatewayAsStation());
  expect(first).toMatchObject({ status: 200, answer: { kind: '回执', packageId: pkg.id, duplicate: false } });
  expect(verifyPackageSignature(first.body, w.t.gw.deps.trust.packageSigning!.certPem).ok).toBe(true);
  const [item] = (await taxInbox()).filter((d) => d.title === '江州海关关于配合开展进出口企业涉税信息核查的函');
  expect(item).toMatchObject({ sender: 'customs', documentNumber: '江关函〔2026〕12号' });
  const doc = (await as(w.t, w.tok['tax.clerk']!).get(`/api/v1/documents/${item.id}`)).body;
  expect(doc.receipts).toEqual([expect.objectContaining({ recipient: 'tax', status: 'delivered' })]);
  expect(doc.seal.sesSignature).toMatchObject({ status: 'verified', sealName: '中华人民共和国江州海关' });
  const trace = (await as(w.t, w.tok['tax.clerk']!).get(`/api/v1/documents/${item.id}/trace`)).body;
  expect(trace.events).toEqual([expect.objectContaining({ step: 'distributed', department: 'customs', actor: 'docstation/default', detail: expect.objectContaining({ via: 'station', packageId: pkg.id }) })]);
  // the clerk signs for it like any 收文
  expect((await as(w.t, w.tok['tax.clerk']!).post(`/api/v1/documents/${item.id}/sign-for`)).status).toBe(200);
  const count = await documentCount();
  const again = await w.station.deliver(xml, gatewayAsStation());
  expect(again).toMatchObject({ status: 200, answer: { kind: '回执', packageId: pkg.id, duplicate: true } });
  expect(await documentCount()).toBe(count);
});

test('a package whose XML signature does not verify is refused (422), nothing stored', async () => {
  const count = await documentCount();
  const other = createRootCa({ alg: 'rsa', subject: { CN: 'not the station' }, days: 2, now: new Date(w.t.clock.now().getTime() - 86_400_000) });
  const forged = signPackage(buildPackage(customsPackage({ title: '伪造的函' })), other.privatePem!, other.certPem);
  const res = await w.t.call('POST', '/api/v1/station/packages', { token: w.t.tokens.docstation, raw: forged, headers: { 'content-type': 'application/xml' } });
  expect([res.status, res.body.code]).toEqual([422, 'GW_ERR_STATION_PACKAGE_REFUSED']);
  expect(res.body.detail).toMatch(/XML signature/);
  // signed by the station but changed on the way
  const signed = signPackage(buildPackage(customsPackage({ title: '途中被改的函' })), w.stationKey.privateKeyPem, w.stationKey.certPem);
  const changed = await w.t.call('POST', '/api/v1/station/packages', { token: w.t.tokens.docstation, raw: signed.replace('途中被改的函', '途中被改过的函'), headers: { 'content-type': 'application/xml' } });
  expect([changed.status, changed.body.code]).toEqual([422, 'GW_ERR_STATION_PACKAGE_REFUSED']);
  expect(await documentCount()).toBe(count);
});

test('a seal that does not cover the 原文 is refused; only the station may deliver', async () => {
  const count = await documentCount();
  const bad = await w.station.deliver(buildPackage(customsPackage({ title: '印章不符的函', tamper: true })), gatewayAsStation());
  expect(bad.status).toBe(422);
  expect(JSON.parse(bad.body)).toMatchObject({ code: 'GW_ERR_STATION_PACKAGE_REFUSED', detail: expect.stringMatching(/seal/) });
  const notStation = await w.station.deliver(buildPackage(customsPackage({ title: '冒名的函' })), { url: w.t.url, token: w.t.tokens.hall! });
  expect([notStation.status, JSON.parse(notStation.body).code]).toEqual([403, 'GW_ERR_AUTH_FORBIDDEN']);
  expect(await documentCount()).toBe(count);
});
