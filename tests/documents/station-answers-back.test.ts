/**
 * A 收文 that came in through the exchange station: its 签收 回执 and its 退回 回退 go back
 * to the external sender through the station — signed (xmlsec1 accepts them), queued in
 * the outbox in the step's transaction and sent by the delivery worker to the real mock
 * station, which records them. A failing station: retried, then a dead letter that shows on
 * the document's timeline, the admin's replay too, then delivered. A 收文 from inside the
 * gateway sends nothing through the station.
 */
import { spawnSync } from 'node:child_process';
import { buildPackage } from '../../adapters/docstation-xml/package';
import { as } from '../support/documents';
import { TEST_PASSWORD } from '../support/gateway';
import { customsPackage, startStationWorld, type StationWorld } from '../support/station';

jest.setTimeout(180_000);

let w: StationWorld;
let admin: string;
beforeAll(async () => {
  w = await startStationWorld({ delivery: { maxAttempts: 2, backoffBaseMs: 1000, backoffMaxMs: 4000, requestTimeoutMs: 1000 } });
  admin = (await w.t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => w.station.behave({}));

const run = () => w.t.gw.deps.delivery.runOnce();
const gatewayAsStation = () => ({ url: w.t.url, token: w.t.tokens.docstation! });
const clerk = (dept: string) => as(w.t, w.tok[`${dept}.clerk`]!);
const messageCount = async () => Number((await w.t.db.store.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]!.n);

/** Delivers a 函 of customs to tax (主送) and amr (抄送); the 收文's id and the 回执 the gateway answered. */
async function inbound(title: string) {
  const pkg = customsPackage(w, { title });
  pkg.recipients = { main: ['tax'], copy: ['amr'] };
  const res = await w.station.deliver(buildPackage(pkg), gatewayAsStation());
  if (res.status !== 200) throw new Error(`deliver: ${res.status} ${res.body}`);
  const items = (await clerk('tax').get('/api/v1/documents?box=inbox')).body.items as any[];
  return { id: items.find((d) => d.title === title).id as string, pkg, received: res.answer! };
}

test('签收 and 退回 go back to the sender through the station as signed 回执 / 回退; the station records them', async () => {
  const { id, pkg, received } = await inbound('江州海关关于联合开展口岸安全检查的函');
  expect((await clerk('tax').post(`/api/v1/documents/${id}/sign-for`)).status).toBe(200);
  const signedFor = (await clerk('tax').get(`/api/v1/documents/${id}/trace`)).body.events.find((e: any) => e.step === 'signed_for');
  const queued = signedFor.detail.station;
  expect(queued).toMatchObject({ answerId: expect.any(String), message: expect.any(String), to: 'customs' });
  expect(await run()).toBe(1);
  const got = w.station.departmentAnswers.get(queued.answerId)!;
  // names the package the station delivered, by 包标识 and by the SHA-256 of the bytes the gateway received
  expect(got.answer).toMatchObject({ kind: '回执', packageId: pkg.id, packageSha256: received.packageSha256, from: { code: 'tax' }, to: 'customs' });
  expect(w.station.answers.at(-1)).toMatchObject({ kind: '回执', packageId: queued.answerId, duplicate: false });
  // xmlsec1 checks the enveloped signature with the gateway's package certificate; one changed byte fails
  const xmlsec = (file: string) => spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', 'gateway-package.cert.pem', '--enabled-key-data', 'rsa,x509', file], { cwd: w.tmp.dir, encoding: 'utf8' });
  const ok = xmlsec(w.tmp.write('answer.xml', got.xml));
  expect([ok.status, `${ok.stdout}${ok.stderr}`]).toEqual([0, expect.stringContaining('OK')]);
  expect(xmlsec(w.tmp.write('answer-changed.xml', got.xml.replace('<重复>否</重复>', '<重复>是</重复>'))).status).not.toBe(0);
  // the tax clerk sees where its 回执 stands; the outbox message went out once and is delivered
  const view = (await clerk('tax').get(`/api/v1/documents/${id}`)).body;
  expect(view.receipts[0]).toMatchObject({ recipient: 'tax', status: 'signed', station: { packageId: queued.answerId, message: queued.message, delivery: 'delivered' } });
  const m = (await w.t.call('GET', `/api/v1/messages/${queued.message}`, { token: w.t.tokens.tax })).body;
  expect(m).toMatchObject({ messageId: queued.answerId, from: 'tax', to: 'customs', status: 'delivered' });
  // a message type of its own: document-answer (schemas/document-answer.schema.json), not a 公文
  expect(m).toMatchObject({ type: 'document-answer', purpose: 'document-receipt', payload: { kind: 'receipt', document: id, packageId: pkg.id, answerId: queued.answerId } });
  expect(w.t.gw.deps.schemas.validate('document-answer', m.payload)).toEqual({ ok: true });

  // the 抄送 department returns it with a reason: a 回退 with that reason
  expect((await clerk('amr').post(`/api/v1/documents/${id}/return`, { reason: '非本单位职责范围，请转海关监管部门' })).status).toBe(200);
  expect(await run()).toBe(1);
  const returned = [...w.station.departmentAnswers.values()].find((a) => a.answer.from.code === 'amr')!;
  expect(returned.answer).toMatchObject({ kind: '回退', packageId: pkg.id, reason: '非本单位职责范围，请转海关监管部门', to: 'customs' });
  expect(await run()).toBe(0);
});

test('the station fails: the 回执 is retried, dead-lettered (on the timeline), replayed (on the timeline) and delivered', async () => {
  const { id } = await inbound('江州海关关于核对报关单证的函');
  w.station.behave({ fail: true });
  expect((await clerk('tax').post(`/api/v1/documents/${id}/sign-for`)).status).toBe(200);
  const { answerId, message } = (await clerk('tax').get(`/api/v1/documents/${id}/trace`)).body.events.find((e: any) => e.step === 'signed_for').detail.station;
  for (let i = 0; i < 2; i++) {
    expect(await run()).toBe(1);
    w.t.clock.advance(5_000);
  }
  expect(w.station.departmentAnswers.has(answerId)).toBe(false);
  const dead = (await w.t.call('GET', '/api/v1/admin/dead-letters?receiver=customs', { token: admin })).body.items;
  expect(dead).toEqual([expect.objectContaining({ id: message, messageId: answerId, from: 'tax', attempts: 2 })]);
  const trace = async () => (await clerk('tax').get(`/api/v1/documents/${id}/trace`)).body;
  const lettered = (await trace()).events.at(-1);
  expect(lettered).toMatchObject({ step: 'dead_lettered', name: '死信（交换站未送达）', department: 'tax', receipt: { recipient: 'tax' }, detail: { via: 'station', packageId: answerId, message, sentTo: 'customs', answer: true, attempts: 2 }, signature: { status: 'none' }, logIndex: expect.any(Number) });
  // the log index is the message's own dead_lettered entry
  const entry = await w.t.db.store.query<{ kind: string; message_id: string }>('SELECT kind, message_id FROM log_entries WHERE idx = $1', [lettered.logIndex]);
  expect(entry.rows[0]).toEqual({ kind: 'message.dead_lettered', message_id: message });
  expect((await clerk('tax').get(`/api/v1/documents/${id}`)).body.receipts[0].station).toMatchObject({ delivery: 'dead_lettered' });

  w.station.behave({});
  expect((await w.t.call('POST', `/api/v1/admin/dead-letters/${message}/replay`, { token: admin })).body).toEqual({ replayed: 1, ids: [message] });
  expect(await run()).toBe(1);
  expect(w.station.departmentAnswers.get(answerId)?.answer).toMatchObject({ kind: '回执', from: { code: 'tax' } });
  const steps = (await trace()).events.map((e: any) => e.step);
  expect(steps).toEqual(['distributed', 'distributed', 'signed_for', 'dead_lettered', 'replayed']); // 分发: one row per addressee (tax, amr)
  expect((await trace()).events.at(-1)).toMatchObject({ name: '重发', actor: expect.stringContaining('t.admin'), logIndex: expect.any(Number) });
});

test('an answer queued by an earlier version (type official-document) is still sent and shown on the document', async () => {
  const { id } = await inbound('江州海关关于旧版回执的函');
  expect((await clerk('tax').post(`/api/v1/documents/${id}/sign-for`)).status).toBe(200);
  const { answerId, message } = (await clerk('tax').get(`/api/v1/documents/${id}/trace`)).body.events.find((e: any) => e.step === 'signed_for').detail.station;
  // the row as the gateway wrote answers before: a message of type official-document, purpose document-receipt
  await w.t.db.store.query(`UPDATE messages SET type = 'official-document', envelope = jsonb_set(envelope::jsonb, '{header,type}', '"official-document"')::json WHERE id = $1`, [message]);
  expect(await run()).toBe(1);
  expect(w.station.departmentAnswers.get(answerId)?.answer).toMatchObject({ kind: '回执', from: { code: 'tax' } });
  const m = (await w.t.call('GET', `/api/v1/messages/${message}`, { token: w.t.tokens.tax })).body;
  expect(m).toMatchObject({ type: 'official-document', purpose: 'document-receipt', status: 'delivered' });
  // its payload is a valid document-answer too: the new type names what these messages always carried
  expect(w.t.gw.deps.schemas.validate('document-answer', m.payload)).toEqual({ ok: true });
  expect((await clerk('tax').get(`/api/v1/documents/${id}`)).body.receipts[0].station).toMatchObject({ packageId: answerId, message, delivery: 'delivered' });
});

test('a 收文 from inside the gateway sends nothing through the station', async () => {
  const id = await w.distribute({ main: ['tax'] });
  const before = await messageCount();
  expect((await clerk('tax').post(`/api/v1/documents/${id}/sign-for`)).status).toBe(200);
  expect(await messageCount()).toBe(before);
  const signedFor = (await clerk('tax').get(`/api/v1/documents/${id}/trace`)).body.events.find((e: any) => e.step === 'signed_for');
  expect(signedFor.detail.station).toBeUndefined();
});
