/**
 * http/lean-route.ts decides from the headers alone whether it serves a request in front of
 * Express or leaves it, untouched, to the app: only the plain push form is taken. A real
 * node:http server with the route in front and an "app" that answers who served it.
 */
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request, Response } from 'express';
import { leanRoute } from '../../gateway/http/lean-route';
import type { Authenticator } from '../../gateway/http/auth';

let server: http.Server;
let url: string;
const served: Array<{ by: string; body?: unknown }> = [];
beforeAll(async () => {
  const front = leanRoute('POST', '/api/v1/messages', {
    before: [(req, _res, next) => ((req.ctx = { bindLog: () => {} } as never), next())],
    bodyLimit: 1000,
    json: (_req, _res, next) => next(new Error('the strict parser was asked')),
    auth: { resolve: async () => ({ kind: 'system', member: 'hall', system: 'default' }) } as unknown as Authenticator,
    limit: (_req, _res, next) => next(),
    route: [(_req, _res, next) => next()],
    label: '/api/v1/messages',
    handler: async (req: Request, res: Response) => {
      served.push({ by: 'lean', body: req.body });
      res.end('lean');
    },
    problem: (err: unknown, _req: Request, res: Response) => {
      res.statusCode = 400;
      res.end(String((err as Error).message));
    },
  });
  server = http.createServer((req: IncomingMessage, res) => {
    if (front(req, res)) return;
    req.resume();
    req.on('end', () => {
      served.push({ by: 'app' });
      res.end('app');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function send(path: string, headers: Record<string, string>, body: string, method = 'POST'): Promise<string> {
  const r = await fetch(url + path, { method, headers, body: method === 'GET' ? undefined : body });
  return r.text();
}
const JSON_AUTH = { 'content-type': 'application/json', authorization: 'Bearer x' };

test('the plain push is served in front of Express, its body parsed as JSON', async () => {
  expect(await send('/api/v1/messages', JSON_AUTH, '{"a":[1,"二"]}')).toBe('lean');
  expect(served.at(-1)).toEqual({ by: 'lean', body: { a: [1, '二'] } });
  expect(await send('/api/v1/messages', { ...JSON_AUTH, 'content-type': 'application/json; charset=utf-8' }, '\uFEFF [] ')).toBe('lean');
  expect(served.at(-1)).toEqual({ by: 'lean', body: [] });
});

test.each([
  ['another path spelling', '/api/v1/messages/', JSON_AUTH],
  ['a query string', '/api/v1/messages?x=1', JSON_AUTH],
  ['no Authorization (cookie or anonymous)', '/api/v1/messages', { 'content-type': 'application/json' }],
  ['another content type', '/api/v1/messages', { ...JSON_AUTH, 'content-type': 'text/plain' }],
  ['another charset', '/api/v1/messages', { ...JSON_AUTH, 'content-type': 'application/json; charset=gbk' }],
  ['a Content-Encoding', '/api/v1/messages', { ...JSON_AUTH, 'content-encoding': 'identity' }],
  ['a body over the limit', '/api/v1/messages', JSON_AUTH, `{"x":"${'y'.repeat(1000)}"}`],
])('%s goes to the app untouched', async (_what, path, headers, body = '{}') => {
  expect(await send(path, headers as Record<string, string>, body)).toBe('app');
});

test('another method goes to the app', async () => {
  expect(await send('/api/v1/messages', JSON_AUTH, '', 'GET')).toBe('app');
});

test('a body that is not strict JSON is handed to the API parser for its refusal', async () => {
  expect(await send('/api/v1/messages', JSON_AUTH, '"text"')).toBe('the strict parser was asked');
  expect(await send('/api/v1/messages', JSON_AUTH, '{"a":')).toBe('the strict parser was asked');
});

test("a route with parameters takes its plain form only, and hands the handler Express's req.params", async () => {
  const seen: Array<Record<string, string>> = [];
  const front = leanRoute('POST', /^\/api\/v1\/services\/(?<member>[a-z][a-z0-9-]{0,63})\/(?<service>[a-z][a-z0-9-]{0,63})$/, {
    before: [(req, _res, next) => ((req.ctx = { bindLog: () => {} } as never), next())],
    bodyLimit: 1000,
    json: (_req, _res, next) => next(new Error('the strict parser was asked')),
    auth: { resolve: async () => ({ kind: 'system', member: 'hall', system: 'default' }) } as unknown as Authenticator,
    limit: (_req, _res, next) => next(),
    route: [],
    label: '/api/v1/services/:member/:service',
    handler: async (req: Request, res: Response) => {
      seen.push({ ...(req.params as Record<string, string>) });
      res.end('lean');
    },
    problem: (err: unknown, _req: Request, res: Response) => res.end(String(err)),
  });
  const s = http.createServer((req, res) => {
    if (front(req, res)) return;
    req.resume();
    req.on('end', () => res.end('app'));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const post = async (path: string) => (await fetch(base + path, { method: 'POST', headers: JSON_AUTH, body: '{}' })).text();
  try {
    expect(await post('/api/v1/services/amr/query-enterprise')).toBe('lean');
    expect(seen).toEqual([{ member: 'amr', service: 'query-enterprise' }]);
    expect(await post('/api/v1/services/amr/query%2Denterprise')).toBe('app'); // Express decodes it
    expect(await post('/api/v1/services/amr/query-enterprise?x=1')).toBe('app');
    expect(await post('/api/v1/services/amr')).toBe('app');
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});
