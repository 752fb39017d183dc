/**
 * POST /api/v1/documents/import over real HTTP: who may import (clerk, signer, admin),
 * the parsed document and report, classified documents refused with nothing stored (here
 * and at the exchange), body limits and encodings, every refusal as problem+json.
 */
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { projectRoot } from '../../gateway/schemas/paths';
import { importDocument } from '../../gateway/documents/importer';
import { IMPORT_LIMIT_BYTES } from '../../gateway/documents/routes';

jest.setTimeout(180_000);

const samplesDir = path.join(projectRoot(), '..', 'shared', 'samples');
const sample = (name: string) => fs.readFileSync(path.join(samplesDir, name), 'utf8');
const IMPORT = '/api/v1/documents/import';
const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

let t: TestGateway;
const token: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ['clerk', 'signer', 'auditor', 'supervisor', 'admin']) {
    const r = await t.call('POST', '/api/v1/auth/login', { body: { login: `t.${role}`, password: TEST_PASSWORD } });
    expect(r.status).toBe(200);
    token[role] = r.body.token;
  }
});
afterAll(async () => {
  await t?.close();
});

/** Raw bytes with a content type, as a client would send them. */
async function post(body: string | Buffer, headers: Record<string, string>, bearer = token.clerk) {
  const res = await fetch(t.url + IMPORT, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
}

const stored = async () =>
  (await t.db.store.query<{ m: number; l: number }>('SELECT (SELECT count(*)::int FROM messages) AS m, (SELECT count(*)::int FROM log_entries) AS l')).rows[0];

describe('who may import', () => {
  test.each(['clerk', 'signer', 'admin'])('%s: 200 with the document, the report and the normalized forms', async (role) => {
    const text = sample('notice-brackets-runtogether.txt');
    const r = await post(text, TEXT, token[role]);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.body).toEqual(JSON.parse(JSON.stringify(importDocument(text))));
    expect(r.body.normalized.documentNumber).toBe('江数据〔2025〕3号');
    expect(r.body.report.found).toContain('printingDate');
  });

  test.each(['auditor', 'supervisor', 'system'])('%s: 403 GW_ERR_AUTH_FORBIDDEN', async (who) => {
    const r = await post(sample('letter-simplified.txt'), TEXT, who === 'system' ? t.tokens.hall : token[who]);
    expect([r.status, r.type, r.body.code]).toEqual([403, 'application/problem+json; charset=utf-8', 'GW_ERR_AUTH_FORBIDDEN']);
  });

  test('no token: 401; a wrong method: 405 with Allow', async () => {
    const anon = await fetch(t.url + IMPORT, { method: 'POST', headers: TEXT, body: 'x' });
    expect([anon.status, ((await anon.json()) as { code: string }).code]).toEqual([401, 'GW_ERR_AUTH_MISSING_TOKEN']);
    const get = await t.call('GET', IMPORT, { token: token.clerk });
    expect([get.status, get.headers.get('allow'), get.body.code]).toEqual([405, 'POST', 'GW_ERR_HTTP_METHOD_NOT_ALLOWED']);
  });
});

/** The last log entry's kind and text. */
const lastEntry = async () => (await t.db.store.query<{ kind: string; entry: string }>('SELECT kind, entry FROM log_entries ORDER BY idx DESC LIMIT 1')).rows[0];

describe('classified documents are refused wherever they enter: nothing is stored but the refusal in the log', () => {
  test.each(['机密★5年', '秘密★1年', '絕密★長期', '密级：机密'])('import of a document marked %s: 422 GW_ERR_DOCUMENT_CLASSIFIED', async (mark) => {
    const before = await stored();
    const r = await post(`${mark}\n${sample('notice-simplified.txt')}`, TEXT);
    expect([r.status, r.type]).toEqual([422, 'application/problem+json; charset=utf-8']);
    expect(r.body).toMatchObject({ status: 422, code: 'GW_ERR_DOCUMENT_CLASSIFIED', type: '/errors/GW_ERR_DOCUMENT_CLASSIFIED', requestId: expect.any(String) });
    expect(r.body.detail).toContain('classified');
    expect(r.body).not.toHaveProperty('document');
    expect(await stored()).toEqual({ ...before, l: before.l + 1 });
    const entry = await lastEntry();
    expect([entry?.kind, JSON.parse(entry!.entry)]).toEqual(['document.refused', expect.objectContaining({ where: 'import', reason: 'classified', department: 'hall' })]);
    expect(entry!.entry).not.toContain('江');
  });

  test('a pushed official-document marked 機密: 422 before anything else, nothing stored', async () => {
    const payload = { ...importDocument(sample('notice-simplified.txt')).document, secrecy: { text: '機密★1年', level: '内部' } };
    const before = await stored();
    const push = (p: unknown, messageId: string) =>
      t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'official-document', messageId, purpose: 'document-exchange', payload: p } });
    const r = await push(payload, 'doc-classified-1');
    expect([r.status, r.body.code]).toEqual([422, 'GW_ERR_DOCUMENT_CLASSIFIED']);
    expect(await stored()).toEqual({ ...before, l: before.l + 1 });
    expect(JSON.parse((await lastEntry())!.entry)).toMatchObject({ kind: 'document.refused', where: 'push', actor: 'hall/default' });
    // the same document unmarked goes on to the ordinary checks (no agreement carries documents yet)
    const { secrecy: _s, ...unmarked } = payload;
    expect((await push(unmarked, 'doc-unmarked-1')).body.code).toBe('GW_ERR_EXCHANGE_NO_AGREEMENT');
  });
});

describe('body limits and encodings', () => {
  test(`over ${IMPORT_LIMIT_BYTES} bytes: 413 GW_ERR_HTTP_BODY_TOO_LARGE`, async () => {
    const r = await post('江'.repeat(IMPORT_LIMIT_BYTES / 3 + 1), TEXT);
    expect([r.status, r.type, r.body.code]).toEqual([413, 'application/problem+json; charset=utf-8', 'GW_ERR_HTTP_BODY_TOO_LARGE']);
  });

  test('at the limit: parsed', async () => {
    const r = await post('关'.repeat(IMPORT_LIMIT_BYTES / 3 - 1), TEXT);
    expect(r.status).toBe(200);
  });

  test('not text/plain, or a charset we do not decode: 415', async () => {
    const json = await post(JSON.stringify({ text: sample('letter-simplified.txt') }), { 'content-type': 'application/json' });
    expect([json.status, json.body.code]).toEqual([415, 'GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE']);
    const latin1 = await post('abc', { 'content-type': 'text/plain; charset=latin1' });
    expect([latin1.status, latin1.body.code]).toEqual([415, 'GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE']);
  });

  test('bytes that are not valid in the declared charset: 400 GW_ERR_DOCUMENT_ENCODING', async () => {
    const gbk = iconv.encode(sample('letter-simplified.txt'), 'gbk');
    const r = await post(gbk, TEXT);
    expect([r.status, r.type, r.body.code]).toEqual([400, 'application/problem+json; charset=utf-8', 'GW_ERR_DOCUMENT_ENCODING']);
  });

  test('GBK when declared; no charset means UTF-8', async () => {
    const gbk = await post(iconv.encode(sample('letter-simplified.txt'), 'gbk'), { 'content-type': 'text/plain; charset=GBK' });
    expect([gbk.status, gbk.body.document.documentNumber.text]).toEqual([200, '江市监函〔2024〕7号']);
    const plain = await post(sample('letter-simplified.txt'), { 'content-type': 'text/plain' });
    expect(plain.body.document.title).toBe('江州市市场监督管理局关于商请共享企业登记信息的函');
  });

  test('U+0000 in the text: 422 GW_ERR_REQUEST_UNSTORABLE', async () => {
    const r = await post(`${sample('letter-simplified.txt')}\u0000`, TEXT);
    expect([r.status, r.body.code]).toEqual([422, 'GW_ERR_REQUEST_UNSTORABLE']);
  });
});

test('the OpenAPI document describes the route with a text/plain body', async () => {
  const doc = (await t.call('GET', '/api/v1/openapi.json')).body;
  const op = doc.paths[IMPORT].post;
  expect(Object.keys(op.requestBody.content)).toEqual(['text/plain']);
  expect(op.responses['422']['x-error-codes']).toContain('GW_ERR_DOCUMENT_CLASSIFIED');
  expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DocumentImport' });
});
