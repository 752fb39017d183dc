/**
 * Inbound exchange-station packages with attachments: the package lists them by digest, the
 * sender's seal covers that list, the gateway fetches the bytes from the (mock) station by
 * SHA-256 and streams them into the attachment store (chunked, content-addressed), checking
 * size and both digests. Bytes that do not match refuse the package and nothing is kept; a
 * station that fails or is too slow to serve them gets 502 and nothing is kept (it delivers
 * again later); xmlsec1 and openssl check the package's signature and the seal over the list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { buildPackage } from '../../adapters/docstation-xml/package';
import { signPackage } from '../../adapters/docstation-xml/xmldsig';
import { CHUNK_BYTES } from '../../gateway/documents/attachments';
import { as } from '../support/documents';
import { customsPackage, startStationWorld, type StationWorld } from '../support/station';
import { cutSesSignature, opensslVerifiesTbs } from './ses-openssl';

jest.setTimeout(180_000);

let w: StationWorld;
beforeAll(async () => {
  w = await startStationWorld({}, { attachmentTimeoutMs: 1500 });
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => w.station.behave({}));

const gatewayAsStation = () => ({ url: w.t.url, token: w.t.tokens.docstation! });
const count = async (table: string) => Number((await w.t.db.store.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
const stored = async () => ({ documents: await count('documents'), blobs: await count('attachment_blobs'), chunks: await count('attachment_chunks') });
const taxItem = async (title: string) => ((await as(w.t, w.tok['tax.clerk']!).get('/api/v1/documents?box=inbox')).body.items as any[]).find((d) => d.title === title);
const offer = (name: string, mediaType: string, bytes: Buffer, as?: string) => ({ name, mediaType, ...w.station.offer(bytes, as) });

test('a package with attachments: fetched by digest, stored in chunks, downloadable by the addressee, the seal verified over them', async () => {
  const pdf = randomBytes(CHUNK_BYTES * 3 + 12345);
  const sheet = Buffer.from('序号,企业名称,统一社会信用代码\n1,江州某某进出口有限公司,91360100MA00000000\n', 'utf8');
  const attachments = [offer('核查企业名单.pdf', 'application/pdf', pdf), offer('名单.csv', 'text/csv', sheet)];
  const pkg = customsPackage(w, { title: '江州海关关于核查进出口企业名单的函', attachments });
  const xml = buildPackage(pkg);
  const before = w.station.fetched.length;
  const res = await w.station.deliver(xml, gatewayAsStation());
  expect(res).toMatchObject({ status: 200, answer: { kind: '回执', packageId: pkg.id, duplicate: false } });
  expect(w.station.fetched.slice(before)).toEqual(attachments.map((a) => a.sha256));

  const item = await taxItem('江州海关关于核查进出口企业名单的函');
  const doc = (await as(w.t, w.tok['tax.clerk']!).get(`/api/v1/documents/${item.id}`)).body;
  expect(doc.attachments.map((a: any) => [a.name, a.size])).toEqual([['核查企业名单.pdf', pdf.length], ['名单.csv', sheet.length]]);
  // the reader's seal check rebuilds the sealed bytes from the stored list: same order, same digests
  expect(doc.seal.sesSignature).toMatchObject({ status: 'verified', sealName: '中华人民共和国江州海关' });
  const blob = await w.t.db.store.query<{ chunks: number }>('SELECT chunks FROM attachment_blobs WHERE sha256 = $1', [attachments[0]!.sha256]);
  expect(blob.rows[0]!.chunks).toBe(4);
  for (const [a, bytes] of [[attachments[0]!, pdf], [attachments[1]!, sheet]] as const) {
    const got = await fetch(`${w.t.url}/api/v1/documents/${item.id}/attachments/${a.sm3}`, { headers: { authorization: `Bearer ${w.tok['tax.clerk']}` } });
    expect([got.status, got.headers.get('x-digest-sha256')]).toEqual([200, a.sha256]);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
  }
  // not a party: as if it did not exist
  const amr = await fetch(`${w.t.url}/api/v1/documents/${item.id}/attachments/${attachments[1]!.sha256}`, { headers: { authorization: `Bearer ${w.tok['amr.clerk']}` } });
  expect(amr.status).toBe(404);

  // the same package again: 重复, nothing fetched, nothing new
  const now = await stored();
  const fetchedBefore = w.station.fetched.length;
  expect(await w.station.deliver(xml, gatewayAsStation())).toMatchObject({ status: 200, answer: { kind: '回执', duplicate: true } });
  expect([await stored(), w.station.fetched.length]).toEqual([now, fetchedBefore]);
});

test('xmlsec1 verifies the station’s signature over the 附件列表; openssl the seal that covers it; one changed digest fails both', async () => {
  const attachments = [offer('说明.txt', 'text/plain', Buffer.from('附件说明：请于三日内反馈。', 'utf8'))];
  const pkg = customsPackage(w, { title: '江州海关关于反馈核查结果的函', attachments });
  w.tmp.write('station.cert.pem', w.stationKey.certPem);
  const signed = signPackage(buildPackage(pkg), w.stationKey.privateKeyPem, w.stationKey.certPem);
  const xmlsec = (file: string) => spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', 'station.cert.pem', '--enabled-key-data', 'rsa,x509', file], { cwd: w.tmp.dir, encoding: 'utf8' });
  const ok = xmlsec(w.tmp.write('in-att.xml', signed));
  expect([ok.status, `${ok.stdout}${ok.stderr}`]).toEqual([0, expect.stringContaining('OK')]);
  const forged = signed.replace(`<SHA256>${attachments[0]!.sha256}</SHA256>`, `<SHA256>${'0'.repeat(64)}</SHA256>`);
  expect(forged).not.toBe(signed);
  expect(xmlsec(w.tmp.write('in-att-forged.xml', forged)).status).not.toBe(0);
  // the seal's data hash is SM3 over the 原文, which lists the attachments by digest
  const content = Buffer.from(pkg.content!.data, 'base64');
  expect(JSON.parse(content.toString('utf8')).attachments).toEqual([expect.objectContaining({ name: '说明.txt', digests: [{ alg: 'sm3', value: attachments[0]!.sm3 }, { alg: 'sha256', value: attachments[0]!.sha256 }] })]);
  cutSesSignature(w.tmp.write('in-seal.der', Buffer.from(pkg.seal!.sesSignature, 'base64')), w.tmp.dir);
  expect(opensslVerifiesTbs(w.tmp.dir).out).toContain('Verified OK');
  const dataHash = spawnSync('openssl', ['dgst', '-sm3', '-hex'], { input: content, encoding: 'utf8' }).stdout.trim().split(' ').pop();
  // TBS_Sign (what openssl just verified) carries that hash as its dataHash BIT STRING
  expect(fs.readFileSync(path.join(w.tmp.dir, 'tbs.der')).includes(Buffer.from(dataHash!, 'hex'))).toBe(true);
  // the package as delivered is accepted
  expect((await w.station.deliver(buildPackage(pkg), gatewayAsStation())).status).toBe(200);
});

test('bytes that do not match the digests (or the 大小) refuse the package: 422, nothing stored', async () => {
  const before = await stored();
  // the station serves other bytes under the attachment's SHA-256
  const listed = offer('检查表.pdf', 'application/pdf', randomBytes(CHUNK_BYTES + 10));
  offer('检查表.pdf', 'application/pdf', randomBytes(CHUNK_BYTES + 10), listed.sha256);
  const wrong = await w.station.deliver(buildPackage(customsPackage(w, { title: '附件被掉包的函', attachments: [listed] })), gatewayAsStation());
  expect([wrong.status, JSON.parse(wrong.body).code]).toEqual([422, 'GW_ERR_STATION_PACKAGE_REFUSED']);
  expect(JSON.parse(wrong.body).detail).toMatch(/do not match its SHA256\/SM3/);
  // a good first attachment, a second one longer than its 大小: neither is kept
  const good = offer('a.txt', 'text/plain', Buffer.from('第一个附件'));
  const long = offer('b.txt', 'text/plain', Buffer.from('第二个附件'));
  const short = { ...long, size: long.size - 3 };
  const tooLong = await w.station.deliver(buildPackage(customsPackage(w, { title: '附件大小不符的函', attachments: [good, short] })), gatewayAsStation());
  expect([tooLong.status, JSON.parse(tooLong.body).detail]).toEqual([422, expect.stringMatching(/more than its 大小/)]);
  // the station does not hold it
  const missing = { name: 'c.txt', mediaType: 'text/plain', size: 3, sm3: 'a'.repeat(64), sha256: 'b'.repeat(64) };
  const gone = await w.station.deliver(buildPackage(customsPackage(w, { title: '附件不存在的函', attachments: [missing] })), gatewayAsStation());
  expect([gone.status, JSON.parse(gone.body).detail]).toEqual([422, expect.stringMatching(/holds no attachment/)]);
  expect(await stored()).toEqual(before);
});

test('a 附件列表 other than the one the seal covers is refused before any byte is fetched', async () => {
  const before = await stored();
  const a = offer('d.txt', 'text/plain', Buffer.from('盖章时的附件'));
  const b = offer('e.txt', 'text/plain', Buffer.from('盖章后换上的附件'));
  const pkg = customsPackage(w, { title: '附件列表被改的函', attachments: [a] });
  pkg.attachments = [b];
  const fetched = w.station.fetched.length;
  const res = await w.station.deliver(buildPackage(pkg), gatewayAsStation());
  expect([res.status, JSON.parse(res.body).detail]).toEqual([422, expect.stringMatching(/not the list of attachments the seal covers/)]);
  expect([await stored(), w.station.fetched.length]).toEqual([before, fetched]);
});

test('the station fails or is too slow serving the bytes: 502, nothing stored; delivered again later, it is accepted', async () => {
  const before = await stored();
  const big = offer('影像.pdf', 'application/pdf', randomBytes(CHUNK_BYTES * 2));
  const pkg = customsPackage(w, { title: '交换站繁忙时送达的函', attachments: [big] });
  const xml = buildPackage(pkg);
  w.station.behave({ attachmentsFail: true });
  const failing = await w.station.deliver(xml, gatewayAsStation());
  expect([failing.status, JSON.parse(failing.body).code]).toEqual([502, 'GW_ERR_AGENCY_UNAVAILABLE']);
  // the first 64 KiB, then nothing for longer than attachmentTimeoutMs (1.5 s)
  w.station.behave({ attachmentDelayMs: 4000 });
  const slow = await w.station.deliver(xml, gatewayAsStation());
  expect([slow.status, JSON.parse(slow.body).detail]).toEqual([502, expect.stringMatching(/timeout/)]);
  expect(await stored()).toEqual(before);
  w.station.behave({});
  expect(await w.station.deliver(xml, gatewayAsStation())).toMatchObject({ status: 200, answer: { kind: '回执', duplicate: false } });
  expect((await taxItem('交换站繁忙时送达的函')).id).toEqual(expect.any(String));
});

test('the station gives up waiting for the gateway’s 回执 (slow attachments) and delivers again: recognised, 重复, one 收文', async () => {
  const big = offer('卷宗.pdf', 'application/pdf', randomBytes(CHUNK_BYTES + 1));
  const pkg = customsPackage(w, { title: '回执丢失后重送的函', attachments: [big] });
  const xml = buildPackage(pkg);
  const before = await stored();
  // the bytes come slowly (0.8 s, within the gateway's 1.5 s), the station waits only 0.3 s for the answer
  w.station.behave({ attachmentDelayMs: 800 });
  expect(await w.station.deliver(xml, gatewayAsStation(), { timeoutMs: 300 })).toEqual({ status: 0, body: 'timeout' });
  // the gateway went on and stored it
  for (let i = 0; !(await taxItem('回执丢失后重送的函')); i++) {
    if (i > 600) throw new Error('the 收文 never arrived');
    await new Promise((r) => setImmediate(r));
  }
  w.station.behave({});
  const fetched = w.station.fetched.length;
  expect(await w.station.deliver(xml, gatewayAsStation())).toMatchObject({ status: 200, answer: { kind: '回执', packageId: pkg.id, duplicate: true } });
  expect(w.station.fetched.length).toBe(fetched);
  expect(await stored()).toEqual({ documents: before.documents + 1, blobs: before.blobs + 1, chunks: before.chunks + 2 });
});

test('the same 包标识 with other content is a conflict (409), nothing stored', async () => {
  const pkg = customsPackage(w, { title: '先送达的函' });
  expect((await w.station.deliver(buildPackage(pkg), gatewayAsStation())).status).toBe(200);
  const before = await stored();
  const other = { ...customsPackage(w, { title: '同一包标识的另一份函' }), id: pkg.id };
  const res = await w.station.deliver(buildPackage(other), gatewayAsStation());
  expect([res.status, JSON.parse(res.body).code]).toEqual([409, 'GW_ERR_DOCUMENT_DUPLICATE_CONFLICT']);
  expect(await stored()).toEqual(before);
});
