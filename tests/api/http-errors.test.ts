import { catalogue } from '../../gateway/errors';
import { startTestGateway, type TestGateway } from '../support/gateway';

const codes = Object.keys(catalogue);

describe('problem types resolve to pages of the gateway; wrong methods get 405', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a problem names /errors/<code>, and that page explains the code in HTML and JSON', async () => {
    const r = await t.call('GET', '/no/such/endpoint');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'GW_ERR_HTTP_NOT_FOUND', type: '/errors/GW_ERR_HTTP_NOT_FOUND' });
    const page = await fetch(new URL(r.body.type, t.url));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('GW_ERR_HTTP_NOT_FOUND');
    expect(html).toContain(catalogue.GW_ERR_HTTP_NOT_FOUND.title);
    const asJson = await t.call('GET', '/errors/GW_ERR_AUTH_FORBIDDEN', { headers: { accept: 'application/json' } });
    expect(asJson.body).toEqual({ code: 'GW_ERR_AUTH_FORBIDDEN', status: 403, title: catalogue.GW_ERR_AUTH_FORBIDDEN.title, type: '/errors/GW_ERR_AUTH_FORBIDDEN' });
    const list = await t.call('GET', '/errors', { headers: { accept: 'application/json' } });
    expect(list.body.items.map((i: { code: string }) => i.code)).toEqual(codes);
  });

  test('an unknown code is a 400 problem, and markup in the path is not echoed as HTML', async () => {
    const r = await t.call('GET', '/errors/%3Cscript%3E');
    expect(r.status).toBe(400);
    expect(r.text).not.toContain('<script>');
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  test('a known path with a method it does not take is 405 with Allow; an unknown path stays 404', async () => {
    const r = await t.call('DELETE', '/api/v1/messages', { token: t.tokens.hall });
    expect(r.status).toBe(405);
    expect(r.body.code).toBe('GW_ERR_HTTP_METHOD_NOT_ALLOWED');
    expect(r.headers.get('allow')).toContain('POST');
    const byId = await t.call('PUT', '/api/v1/messages/0195f0c2-6d1e-7c3a-9f00-2b1d4e5a6c7d', { token: t.tokens.hall });
    expect(byId.status).toBe(405);
    expect(byId.headers.get('allow')!.split(', ')).toEqual(expect.arrayContaining(['GET']));
    const unknown = await t.call('DELETE', '/api/v1/nothing-here', { token: t.tokens.hall });
    expect(unknown.status).toBe(404);
  });
});
