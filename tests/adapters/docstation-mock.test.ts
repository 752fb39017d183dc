/**
 * The mock exchange station over real HTTP: a signed package gets a signed 回执 (xmlsec1
 * accepts the answer's signature); the same package again is a duplicate 回执; other
 * content under the same 包标识, an unknown 接收机关, a broken or missing signature or an
 * unreadable package get a 回退 with the reason; slow and failing modes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildPackage, type StationPackage } from '../../adapters/docstation-xml/package';
import { parseAnswer } from '../../adapters/docstation-xml/answer';
import { signPackage, verifyPackageSignature } from '../../adapters/docstation-xml/xmldsig';
import { startMockStation, type MockStation } from '../../adapters/docstation-xml/mock';
import { docstationXml, STATION_OPERATION } from '../../adapters/docstation-xml/adapter';
import { DEFAULT_XML_LIMITS } from '../../adapters/soap/safe-xml';
import type { OutboundMessage, Provenance } from '../../adapters/types';
import { openssl, scratchDir } from '../crypto/support';

const tmp = scratchDir('station');
for (const who of ['housing', 'station']) {
  expect(openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key.pem`, '-out', `${who}.cert.pem`, '-subj', `/CN=${who}`, '-days', '2'], tmp.dir).code).toBe(0);
}
const read = (f: string) => fs.readFileSync(path.join(tmp.dir, f), 'utf8');
const housing = { key: read('housing.key.pem'), cert: read('housing.cert.pem') };
const stationKey = { privateKeyPem: read('station.key.pem'), certPem: read('station.cert.pem') };
const fixed = new Date('2026-06-01T02:00:00Z');

let station: MockStation;
beforeAll(async () => {
  station = await startMockStation({ recipients: ['tax', 'amr', 'hall'], senderCertificates: new Map([['housing', housing.cert]]), stationKey, clock: { now: () => fixed } });
});
afterAll(async () => {
  await station?.close();
  tmp.cleanup();
});

const pkg = (over: Partial<StationPackage> = {}): StationPackage => ({
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  sender: { code: 'housing', name: '江州市住房和城乡建设局' },
  recipients: { main: ['tax'], copy: [] },
  createdAt: '2026-06-01T10:00:00+08:00',
  metadata: { 标题: '关于开展住房安全专项检查的通知', 文种: '通知' },
  body: '各有关单位：现通知如下。',
  attachments: [],
  ...over,
});
const signed = (p: StationPackage) => signPackage(buildPackage(p), housing.key, housing.cert);

async function send(xml: string) {
  const r = await fetch(`${station.url}/packages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
  return { status: r.status, text: await r.text() };
}

test('a signed package: 回执 signed by the station (xmlsec1 accepts the answer), the package kept', async () => {
  const r = await send(signed(pkg()));
  expect(r.status).toBe(200);
  expect(parseAnswer(r.text)).toMatchObject({ kind: '回执', packageId: pkg().id, duplicate: false, at: '2026-06-01T10:00:00+08:00' });
  expect(verifyPackageSignature(r.text, stationKey.certPem)).toMatchObject({ ok: true });
  tmp.write('answer.xml', r.text);
  const x = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', 'station.cert.pem', '--enabled-key-data', 'rsa,x509', 'answer.xml'], { cwd: tmp.dir, encoding: 'utf8' });
  expect(x.status).toBe(0);
  expect(station.accepted.get(pkg().id)?.pkg.metadata['标题']).toBe('关于开展住房安全专项检查的通知');
});

test('the same package again: 回执 marked duplicate; other content under the same 包标识: 回退', async () => {
  expect(parseAnswer((await send(signed(pkg()))).text)).toMatchObject({ kind: '回执', duplicate: true });
  expect(parseAnswer((await send(signed(pkg({ body: '改过的正文。' })))).text)).toMatchObject({ kind: '回退', reason: '包标识重复: 同一包标识已用于其他内容' });
  expect(station.accepted.size).toBe(1);
});

test('回退 with the reason: unknown 接收机关, unsigned or altered package, unreadable package', async () => {
  const id = (n: number) => `a1b2c3d4-0000-4000-8000-00000000001${n}`;
  expect(parseAnswer((await send(signed(pkg({ id: id(1), recipients: { main: ['tax', 'nowhere'], copy: [] } })))).text)).toMatchObject({ kind: '回退', reason: '接收机关不存在: nowhere' });
  expect(parseAnswer((await send(buildPackage(pkg({ id: id(2) })))).text)).toMatchObject({ kind: '回退', reason: expect.stringContaining('签名验证失败') });
  expect(parseAnswer((await send(signed(pkg({ id: id(3) })).replace('现通知如下', '现通知如上'))).text)).toMatchObject({ kind: '回退', reason: expect.stringContaining('签名验证失败') });
  expect(parseAnswer((await send('<!DOCTYPE x><交换包/>')).text)).toMatchObject({ kind: '回退', reason: expect.stringContaining('交换包格式错误') });
  expect(station.accepted.size).toBe(1);
});

test('failing: HTTP 503; slow: the answer comes after the delay', async () => {
  station.behave({ fail: true });
  expect((await send(signed(pkg()))).status).toBe(503);
  station.behave({ delayMs: 300 });
  const started = process.hrtime.bigint();
  const r = await send(signed(pkg()));
  expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThanOrEqual(290);
  expect(parseAnswer(r.text).kind).toBe('回执');
  station.behave({});
});

test('the docstation-xml transport: with the station certificate configured, only an answer the station signed settles a delivery', async () => {
  const bind = (stationCertificate: string) =>
    docstationXml.bind({
      member: { code: 'tax', name: '税务', deliveryMode: 'push', webhookUrl: null },
      current: () => ({ code: 'tax', name: '税务', deliveryMode: 'push', webhookUrl: null }),
      config: { endpoint: `${station.url}/packages`, stationCertificate },
      requestTimeoutMs: 5_000,
      xmlLimits: DEFAULT_XML_LIMITS,
      clock: { now: () => fixed },
    });
  const p = pkg({ id: 'a1b2c3d4-0000-4000-8000-000000000099' });
  const text = signed(p);
  const message: OutboundMessage = {
    id: 'm-1', messageId: p.id, from: 'housing', to: 'tax', type: 'official-document', caseId: null, purpose: 'document-exchange', payload: {},
    digest: { alg: 'sha256', value: '0' }, receivedAt: '2026-06-01T10:00:00+08:00', maybeDelivered: false,
    conversion: { native: { operation: STATION_OPERATION, mediaType: 'application/xml', text }, provenance: {} as Provenance },
  };
  const forged = await bind(housing.cert).deliver!(message, 1);
  expect(forged).toMatchObject({ ok: false, error: expect.stringContaining('not signed by the station') });
  const real = await bind(stationKey.certPem).deliver!(message, 2);
  expect(real).toMatchObject({ ok: true, httpStatus: 200, answer: { kind: '回执', packageId: p.id, duplicate: true } });
});

test('closing the station with delayed answers still pending: close() returns, and no timer of it is left behind', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const other = await startMockStation({ recipients: ['tax'], senderCertificates: new Map([['housing', housing.cert]]) });
  const { sha256 } = other.offer(Buffer.alloc(200 * 1024, 1));
  other.behave({ attachmentDelayMs: 60_000, delayMs: 60_000 });
  const attachment = fetch(`${other.url}/attachments/${sha256}`).then((r) => r.arrayBuffer().catch(() => 'cut'));
  const packageAnswer = fetch(`${other.url}/packages`, { method: 'POST', body: '<x/>' }).then(
    (r) => r.arrayBuffer(),
    () => 'reset',
  );
  await new Promise<void>((resolve) => {
    const poll = () => (timers() >= before + 2 ? resolve() : setImmediate(poll)); // both delayed answers are waiting
    poll();
  });
  await other.close();
  expect(timers()).toBe(before);
  expect(await attachment).toBe('cut'); // the first 64 KiB came, the rest never will
  expect(await packageAnswer).toBe('reset');
});
