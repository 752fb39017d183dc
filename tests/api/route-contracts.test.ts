/**
 * Route contracts (gateway/http/validate.ts): validateBody / validateQuery / validateHeaders
 * check a request with the objects the OpenAPI document publishes, and refuse with 400
 * GW_ERR_REQUEST_INVALID, one JSON pointer per field: `/field` in the body, `/name` for a
 * query parameter, `/headers/<Name as published>` for a header; capped at MAX_FIELD_ERRORS
 * with `errorCount`. A small real Express app on a real port, then the gateway itself.
 */
import express, { type Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger } from '../../gateway/logger';
import { requestContext } from '../../gateway/http/context';
import { problemHandler } from '../../gateway/http/problem';
import { validateBody, validateHeaders, validateQuery, validHeaders, validQuery } from '../../gateway/http/validate';
import { query, type Op } from '../../gateway/http/openapi-helpers';
import { MAX_FIELD_ERRORS } from '../../gateway/errors';
import { compileDeclaredContracts } from '../../gateway/schemas/contract';
import { discardLogs, startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';

const listOp: Pick<Op, 'params'> = {
  params: [
    query('after', 'cursor', { type: 'string' }),
    query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
    query('status', 'status', { type: 'string', enum: ['queued', 'delivered'] }),
    query('start', 'first index', { type: 'integer', minimum: 0 }, true),
    query('from', 'time', { type: 'string', format: 'date-time' }),
  ],
};
const headerOp: Pick<Op, 'params'> = {
  params: [
    { name: 'X-Purpose', in: 'header', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } },
    { name: 'X-Case-Id', in: 'header', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9-]{6,64}$' } },
  ],
};
const bodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['result'],
  properties: { result: { type: 'string', enum: ['accepted', 'rejected'] }, reason: { type: 'string', maxLength: 20 }, many: { type: 'array' } },
  if: { required: ['result'], properties: { result: { const: 'rejected' } } },
  then: { required: ['reason'], properties: { reason: { type: 'string', minLength: 1 } } },
};

let server: Server;
let base = '';

function app(): Express {
  const a = express();
  a.use(requestContext(createLogger('silent', discardLogs())));
  a.use(express.json({ limit: '8mb' }));
  a.get('/list', validateQuery(listOp), (req, res) => void res.json(validQuery(req)));
  a.get('/closed', validateQuery(listOp, { closed: true }), (req, res) => void res.json(validQuery(req)));
  a.post('/call', validateHeaders(headerOp), (req, res) => void res.json(validHeaders(req)));
  a.post('/ack', validateBody(bodySchema, { detail: 'the acknowledgement is not valid' }), (req, res) => void res.json(req.body));
  a.get('/unchecked', (req, res) => void res.json(validQuery(req)));
  a.use(problemHandler());
  return a;
}

beforeAll(async () => {
  server = app().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

async function call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
}
const pointers = (r: { body: { errors?: { pointer: string }[] } }) => r.body.errors?.map((e) => e.pointer);

describe('validateQuery', () => {
  test('typed as published, defaults filled in, unknown parameters passed through', async () => {
    const r = await call('GET', '/list?start=0&status=queued&x=1');
    expect([r.status, r.body]).toEqual([200, { start: 0, status: 'queued', limit: 50, x: '1' }]);
    expect((await call('GET', '/list?start=7&limit=500&from=2026-03-02T09:30:00%2B08:00')).body).toEqual({ start: 7, limit: 500, from: '2026-03-02T09:30:00+08:00' });
  });

  test.each([
    ['start=0&limit=0', ['/limit']],
    ['start=0&limit=501', ['/limit']],
    ['start=0&limit=abc', ['/limit']],
    ['start=0&limit=1.5', ['/limit']],
    ['start=0&limit=99999999999999999999', ['/limit']],
    ['start=0&limit=%2B5', ['/limit']],
    ['start=0&status=lost', ['/status']],
    ['start=0&status=queued&status=delivered', ['/status']],
    ['start=-1', ['/start']],
    ['', ['/start']],
    ['start=0&from=yesterday', ['/from']],
    ['start=0&from=2026-03-02', ['/from']],
    ['start=0&from=2026-03-02%2009:30:00%2B08:00', ['/from']],
    ['limit=0&status=lost', ['/limit', '/status', '/start']],
  ])('?%s → 400 GW_ERR_REQUEST_INVALID at %j', async (qs, expected) => {
    const r = await call('GET', `/list?${qs}`);
    expect([r.status, r.type, r.body.code]).toEqual([400, 'application/problem+json; charset=utf-8', 'GW_ERR_REQUEST_INVALID']);
    expect(new Set(pointers(r))).toEqual(new Set(expected));
    expect(r.body.errorCount).toBe(r.body.errors.length);
  });

  test('closed: a parameter the operation does not publish is refused, by name', async () => {
    const r = await call('GET', '/closed?start=0&reciever=housing');
    expect([r.status, r.body.errors]).toEqual([400, [{ pointer: '/reciever', message: 'unknown property' }]]);
  });

  test('a handler reading an unvalidated query is a programming error (500), never unchecked input', async () => {
    expect((await call('GET', '/unchecked?a=1')).body.code).toBe('GW_ERR_INTERNAL');
  });
});

describe('validateHeaders', () => {
  test('missing headers are named by their published names, in order', async () => {
    const r = await call('POST', '/call');
    expect([r.status, r.body.code, pointers(r)]).toEqual([400, 'GW_ERR_REQUEST_INVALID', ['/headers/X-Purpose', '/headers/X-Case-Id']]);
  });

  test('a value outside the published pattern is refused; header names are case-insensitive', async () => {
    const bad = await call('POST', '/call', { headers: { 'x-purpose': 'case handling', 'x-case-id': 'JZ-2026-0001' } });
    expect([bad.status, pointers(bad)]).toEqual([400, ['/headers/X-Purpose']]);
    const short = await call('POST', '/call', { headers: { 'X-PURPOSE': 'case-handling', 'x-case-id': 'JZ1' } });
    expect([short.status, pointers(short)]).toEqual([400, ['/headers/X-Case-Id']]);
    const ok = await call('POST', '/call', { headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-2026-0001' } });
    expect([ok.status, ok.body]).toEqual([200, { 'X-Purpose': 'case-handling', 'X-Case-Id': 'JZ-2026-0001' }]);
  });
});

describe('validateBody', () => {
  test('an absent body names each required member; wrong values are named by their pointers', async () => {
    const none = await call('POST', '/ack');
    expect([none.status, none.body.code, none.body.detail, pointers(none)]).toEqual([400, 'GW_ERR_REQUEST_INVALID', 'the acknowledgement is not valid', ['/result']]);
    const wrong = await call('POST', '/ack', { body: { result: 'maybe', reason: 'x'.repeat(21), extra: 1 } });
    expect(new Set(pointers(wrong))).toEqual(new Set(['/result', '/reason', '/extra']));
    expect(wrong.body.errors).toContainEqual({ pointer: '/extra', message: 'unknown property' });
  });

  test('a failed if/then names the field the branch requires, not the `if`', async () => {
    const r = await call('POST', '/ack', { body: { result: 'rejected' } });
    expect([r.status, r.body.errors]).toEqual([400, [{ pointer: '/reason', message: "must have required property 'reason'" }]]);
    expect((await call('POST', '/ack', { body: { result: 'rejected', reason: '材料不全' } })).status).toBe(200);
  });

  test(`errors are capped at ${MAX_FIELD_ERRORS} with errorCount; a large instance lists only its first error`, async () => {
    const body: Record<string, unknown> = { result: 'accepted' };
    for (let i = 0; i < 150; i++) body[`x${i}`] = i;
    const r = await call('POST', '/ack', { body });
    expect([r.status, r.body.errors.length, r.body.errorCount]).toEqual([400, MAX_FIELD_ERRORS, 150]);
    const large = await call('POST', '/ack', { body: { result: 'accepted', many: new Array(20_000).fill(0), a: 1, b: 2 } });
    expect([large.status, large.body.errors.length, large.body.detail]).toEqual([400, 1, expect.stringContaining('only the first error')]);
  });
});

describe('the gateway validates with what it publishes', () => {
  let t: TestGateway;
  const doc: { paths: Record<string, Record<string, { tags: string[]; parameters?: { name: string; in: string; schema: Record<string, unknown> }[] }>> } = { paths: {} };
  beforeAll(async () => {
    t = await startTestGateway();
    Object.assign(doc, (await t.call('GET', '/api/v1/openapi.json')).body);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('every published bound of an integer query parameter is enforced, with the parameter as pointer', async () => {
    const login = async (role: string) => (await t.call('POST', '/api/v1/auth/login', { body: { login: `t.${role}`, password: TEST_PASSWORD } })).body.token as string;
    const tokens: Record<string, string> = { audit: await login('auditor'), admin: await login('admin'), supervision: await login('supervisor'), stats: await login('supervisor') };
    const checked: string[] = [];
    for (const [route, item] of Object.entries(doc.paths)) {
      const get = item.get;
      for (const p of get?.parameters ?? []) {
        if (p.in !== 'query' || p.schema.type !== 'integer') continue;
        const beyond = [typeof p.schema.maximum === 'number' ? p.schema.maximum + 1 : null, typeof p.schema.minimum === 'number' ? p.schema.minimum - 1 : null];
        for (const v of beyond.filter((x) => x !== null)) {
          const r = await t.call('GET', `${route}?${p.name}=${v}`, { token: tokens[route.startsWith('/api/v1/admin/') ? 'admin' : get!.tags[0]!] ?? t.tokens.hall });
          expect({ route, param: p.name, v, status: r.status, code: r.body.code, pointed: pointers(r)?.includes(`/${p.name}`) }).toEqual({
            route, param: p.name, v, status: 400, code: 'GW_ERR_REQUEST_INVALID', pointed: true,
          });
          checked.push(`${route}?${p.name}=${v}`);
        }
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['/api/v1/inbox?limit=501', '/api/v1/log/checkpoints?limit=501', '/api/v1/audit/trace?limit=1001', '/api/v1/admin/dead-letters?limit=0', '/api/v1/stats/overdue?limit=501']));
  });

  test('every contract schema the gateway declares compiles (each is compiled on first use, so a schema Ajv refuses fails here, not in a request)', () => {
    expect(compileDeclaredContracts()).toBeGreaterThan(40);
  });

  test('ack, login, dead-letter filters and service headers are refused by their published schemas', async () => {
    const ack = await t.call('POST', '/api/v1/messages/00000000-0000-7000-8000-000000000000/ack', { token: t.tokens.housing, body: { result: 'rejected', reason: '' } });
    expect([ack.status, pointers(ack)]).toEqual([400, ['/reason']]);
    const login = await t.call('POST', '/api/v1/auth/login', { body: { login: 'x'.repeat(65), password: 7 } });
    expect([login.status, pointers(login)]).toEqual([400, ['/login', '/password']]);
    const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token;
    const replay = await t.call('POST', '/api/v1/admin/dead-letters/replay', { token: admin, body: { receiver: 'Housing!', limit: 1001 } });
    expect([replay.status, new Set(pointers(replay))]).toEqual([400, new Set(['/receiver', '/limit'])]);
    const list = await t.call('GET', '/api/v1/admin/dead-letters?to=2026-03-02T09:30:00', { token: admin });
    expect([list.status, pointers(list)]).toEqual([400, ['/to']]);
    const call = await t.call('POST', '/api/v1/services/amr/query-enterprise', { token: t.tokens.hall, body: { uscc: '91350100273896412W' }, headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ 1' } });
    expect([call.status, pointers(call)]).toEqual([400, ['/headers/X-Case-Id']]);
  });
});
