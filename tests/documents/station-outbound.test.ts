/**
 * 分发 through the exchange station, against the real mock station over HTTP: one signed
 * package per external addressee, queued in the outbox in the 分发 transaction and sent by
 * the delivery worker; xmlsec1 accepts the package's XML signature and openssl its seal; the
 * station's 回执 becomes the addressee's 签收 on the timeline, its 回退 a 退回 with the reason.
 * A failing station is retried (backoff) without a second delivery; past the attempt limit
 * the package is a dead letter that an admin replays; a lost answer is answered again as a
 * duplicate (重复), recognised, and settles the receipt once.
 */
import { spawnSync } from 'node:child_process';
import { parsePackage } from '../../adapters/docstation-xml/package';
import { verifySesSignature } from '../../gateway/documents/seal-verify';
import { until } from '../support/faulty-store';
import { TEST_PASSWORD } from '../support/gateway';
import { startStationWorld, type StationWorld } from '../support/station';
import { cutSesSignature, opensslVerifiesTbs } from './ses-openssl';

jest.setTimeout(180_000);

let w: StationWorld;
let admin: string;
beforeAll(async () => {
  w = await startStationWorld({ delivery: { maxAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 4000, requestTimeoutMs: 1000 } });
  admin = (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => w.station.behave({}));

const run = () => w.t.gw.deps.delivery.runOnce();
const queuedOf = async (id: string) => (await w.trace(id)).events.find((e: any) => e.step === 'distributed').detail.station as { addressee: string; packageId: string; message: string }[];
const message = async (id: string) => (await w.t.call('GET', `/api/v1/messages/${id}`, { token: w.t.tokens.housing })).body;
const stepsAt = (trace: any, code: string) => trace.events.filter((e: any) => e.receipt?.recipient === code).map((e: any) => e.step);

test('round trip: the package goes out signed and sealed, the station answers 回执, the addressee has signed for it', async () => {
  const id = await w.distribute({ main: ['tax'], copy: ['customs'] });
  const [queued] = await queuedOf(id);
  expect(queued).toMatchObject({ addressee: 'customs', packageId: expect.any(String) });
  expect(await run()).toBe(1);
  const got = w.station.accepted.get(queued!.packageId)!;
  expect(got.pkg.recipients).toEqual({ main: [], copy: ['customs'] });
  expect(got.pkg.metadata).toMatchObject({ 文种: '通知', 发文字号: expect.stringMatching(/^江住建〔\d{4}〕\d+号$/) });
  // xmlsec1 checks the enveloped signature with the gateway's package certificate
  const file = w.tmp.write('out.xml', got.xml);
  const xmlsec = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', 'gateway-package.cert.pem', '--enabled-key-data', 'rsa,x509', file], { cwd: w.tmp.dir, encoding: 'utf8' });
  expect([xmlsec.status, `${xmlsec.stdout}${xmlsec.stderr}`]).toEqual([0, expect.stringContaining('OK')]);
  w.tmp.write('tampered.xml', got.xml.replace('扬尘', '杨尘'));
  expect(spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', 'gateway-package.cert.pem', '--enabled-key-data', 'rsa,x509', 'tampered.xml'], { cwd: w.tmp.dir }).status).not.toBe(0);
  // the seal: openssl verifies the signature over TBS_Sign, ours the data hash over 原文
  const pkg = parsePackage(got.xml);
  cutSesSignature(w.tmp.write('seal.der', Buffer.from(pkg.seal!.sesSignature, 'base64')), w.tmp.dir);
  expect(opensslVerifiesTbs(w.tmp.dir).out).toContain('Verified OK');
  const logMaker = (fp: string) => w.t.gw.deps.trust.certificate(fp)?.role === 'log';
  expect(verifySesSignature(Buffer.from(pkg.seal!.sesSignature, 'base64'), Buffer.from(pkg.content!.data, 'base64'), { trustedMaker: logMaker }).status).toBe('verified');
  // the 回执 on the timeline: customs signed for it, through the station
  const trace = await w.trace(id);
  expect(stepsAt(trace, 'customs')).toEqual(['distributed', 'signed_for']);
  expect(trace.events.find((e: any) => e.step === 'signed_for')).toMatchObject({ name: '签收', actor: 'exchange-station', department: 'customs', detail: { via: 'station', packageId: queued!.packageId } });
  expect(trace.receipts.find((r: any) => r.recipient === 'customs').status).toBe('signed');
  expect(stepsAt(trace, 'tax')).toEqual(['distributed']);
  const m = await message(queued!.message);
  expect(m.status).toBe('delivered');
  expect(m.history.find((h: any) => h.event === 'delivered').answer).toMatchObject({ kind: '回执', duplicate: false });
});

test('the station fails, then recovers: retried with backoff, delivered once, signed for once', async () => {
  w.station.behave({ fail: true });
  const id = await w.distribute({ main: ['customs'] });
  const [queued] = await queuedOf(id);
  const before = w.station.received;
  expect(await run()).toBe(1);
  expect(await run()).toBe(0); // not due before its backoff
  expect(w.station.accepted.has(queued!.packageId)).toBe(false);
  w.station.behave({});
  w.t.clock.advance(5_000);
  expect(await run()).toBe(1);
  w.t.clock.advance(60_000);
  expect(await run()).toBe(0);
  expect(w.station.received - before).toBe(2);
  expect(w.station.answers.filter((a) => a.packageId === queued!.packageId)).toEqual([expect.objectContaining({ kind: '回执', duplicate: false })]);
  expect(stepsAt(await w.trace(id), 'customs')).toEqual(['distributed', 'signed_for']);
  expect((await message(queued!.message)).history.map((h: any) => h.event)).toEqual(['received', 'queued', 'delivery_failed', 'delivered']);
});

test('回退: the station returns a package for an addressee it does not know; the reason is on the timeline', async () => {
  const id = await w.distribute({ main: ['tax', 'seaport'] });
  expect(await run()).toBe(1);
  const trace = await w.trace(id);
  expect(stepsAt(trace, 'seaport')).toEqual(['distributed', 'returned']);
  expect(trace.events.find((e: any) => e.step === 'returned')).toMatchObject({ name: '退回', department: 'seaport', detail: { via: 'station', reason: '接收机关不存在: seaport' } });
  expect(trace.receipts.find((r: any) => r.recipient === 'seaport').status).toBe('returned');
});

test('past the attempt limit the package is a dead letter; the admin replays it and the 回执 comes back', async () => {
  w.station.behave({ fail: true });
  const id = await w.distribute({ main: ['customs'] });
  const [queued] = await queuedOf(id);
  for (let i = 0; i < 3; i++) {
    expect(await run()).toBe(1);
    w.t.clock.advance(5_000);
  }
  const dead = await w.t.call('GET', '/api/v1/admin/dead-letters?receiver=customs', { token: admin });
  expect(dead.body.items).toEqual([expect.objectContaining({ id: queued!.message, messageId: queued!.packageId, to: 'customs', type: 'official-document', attempts: 3 })]);
  // the dead letter is on the document's timeline, as the sender's event about customs' receipt, with the message's log entry
  const lettered = (await w.trace(id)).events.at(-1);
  expect(stepsAt(await w.trace(id), 'customs')).toEqual(['distributed', 'dead_lettered']);
  expect(lettered).toMatchObject({ step: 'dead_lettered', department: 'housing', receipt: { recipient: 'customs' }, detail: { via: 'station', packageId: queued!.packageId, message: queued!.message, sentTo: 'customs', attempts: 3 }, signature: { status: 'none' } });
  const entry = await w.t.db.store.query<{ kind: string; message_id: string }>('SELECT kind, message_id FROM log_entries WHERE idx = $1', [lettered.logIndex]);
  expect(entry.rows[0]).toEqual({ kind: 'message.dead_lettered', message_id: queued!.message });
  // the sender sees where its package stands
  const view = (await w.t.call('GET', `/api/v1/documents/${id}`, { token: w.t.tokens.housing })).body;
  expect(view.receipts[0]).toMatchObject({ recipient: 'customs', status: 'delivered', station: { packageId: queued!.packageId, message: queued!.message, delivery: 'dead_lettered' } });
  w.station.behave({});
  expect((await w.t.call('POST', `/api/v1/admin/dead-letters/${queued!.message}/replay`, { token: admin })).body).toEqual({ replayed: 1, ids: [queued!.message] });
  expect(await run()).toBe(1);
  expect(stepsAt(await w.trace(id), 'customs')).toEqual(['distributed', 'dead_lettered', 'replayed', 'signed_for']);
});

test('a lost answer: the resend is answered 重复, recognised, and the receipt is signed for once', async () => {
  const id = await w.distribute({ main: ['customs'] });
  const [queued] = await queuedOf(id);
  w.station.behave({ delayMs: 3_000 }); // longer than the outbox's 1 s request timeout
  expect(await run()).toBe(1);
  const answered = () => w.station.answers.some((a) => a.packageId === queued!.packageId);
  await until(answered, 'the station to take the package (only its answer is lost)');
  w.station.behave({});
  w.t.clock.advance(5_000);
  expect(await run()).toBe(1);
  const m = await message(queued!.message);
  expect(m.history.find((h: any) => h.event === 'delivery_failed').error).toMatch(/timeout/);
  expect(m.history.find((h: any) => h.event === 'delivered').answer).toMatchObject({ kind: '回执', duplicate: true });
  const trace = await w.trace(id);
  expect(stepsAt(trace, 'customs')).toEqual(['distributed', 'signed_for']);
  expect(trace.events.find((e: any) => e.step === 'signed_for').detail).toMatchObject({ duplicate: true });
});
