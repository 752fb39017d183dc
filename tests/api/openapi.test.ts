import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { catalogue } from '../../gateway/errors';
import { pushRequestSchema } from '../../gateway/exchange/push';
import { buildOpenApi } from '../../gateway/http/openapi';
import { verifyCheckpoint } from '../../gateway/log/checkpoint';
import { verifyConsistency, verifyInclusion } from '../../gateway/merkle/verify';
import { projectRoot } from '../../gateway/schemas/paths';

type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Routes that are parts of a documented page rather than API operations. */
// The web console's pages (gateway/http/console.ts): `/` and `/console` redirect to /console/.
const UNDOCUMENTED_ASSETS = ['GET /docs/init.js', 'GET /', 'GET /console', 'GET /^\\/console\\/(.*)$/'];
const PLACEHOLDERS: Record<string, string> = { id: '00000000-0000-7000-8000-000000000000', code: 'no-such-member', type: 'no-such-type' };

let t: TestGateway;
let doc: Json;
let ajv: Ajv2020;

beforeAll(async () => {
  t = await startTestGateway();
  doc = (await t.call('GET', '/api/v1/openapi.json')).body;
  ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true });
  addFormats(ajv);
  for (const f of ['uscc', 'cn-id-number', 'password']) ajv.addFormat(f, true);
  ajv.addSchema(doc, 'oas');
});
afterAll(async () => {
  await t?.close();
});

const operations = (): { route: string; method: string; op: Json }[] =>
  Object.entries(doc.paths as Json).flatMap(([route, item]) =>
    Object.entries(item as Json)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ route, method, op: op as Json })),
  );

function expectValid(component: string, body: unknown): void {
  const validate = ajv.getSchema(`oas#/components/schemas/${component}`);
  expect(validate).toBeDefined();
  const ok = validate!(body);
  expect({ component, errors: ok ? null : validate!.errors }).toEqual({ component, errors: null });
}

/** Top-level keys of `body` that the component does not document. */
function undocumented(component: string, body: Json): string[] {
  const props = doc.components.schemas[component].properties as Json;
  return Object.keys(body).filter((k) => !(k in props));
}

/** A problem answer whose code is the expected one and is documented for that GET operation and status. */
function expectDocumentedProblem(route: string, res: { status: number; body: any }, code: string): void {
  expect({ route, code: res.body?.code }).toEqual({ route, code });
  expect({ route, documented: doc.paths[route].get.responses[String(res.status)]?.['x-error-codes'] }).toEqual({ route, documented: expect.arrayContaining([code]) });
  expectValid('Problem', res.body);
}

function resolvePointer(root: Json, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in (node as Json))) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

describe('the OpenAPI document', () => {
  test('is served publicly as JSON, OpenAPI 3.1.0, versioned like the package', async () => {
    const res = await t.call('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('xgw exchange gateway API');
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8'));
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info.description).toMatch(/[\u4e00-\u9fff]/);
    expect((await t.call('GET', '/api/v1/openapi.json')).text).toBe(res.text); // built once, answered verbatim
  });

  test('message-type schemas are the registry schemas verbatim (minus $schema/$id)', () => {
    const registry = t.gw.deps.schemas;
    expect(registry.types()).toContain('case-record');
    for (const type of registry.types()) {
      const { $schema, $id, ...content } = registry.schemaOf(type) as Json;
      expect($schema).toBeDefined();
      expect(doc.components.schemas[type]).toEqual(content);
    }
    const push = doc.components.schemas.PushRequest;
    expect(push.properties.payload.oneOf).toEqual(registry.types().map((x) => ({ $ref: `#/components/schemas/${x}` })));
    const { payload: _p, ...envelope } = pushRequestSchema.properties;
    expect(push.properties).toMatchObject(envelope);
    expect(push.required).toEqual(pushRequestSchema.required);
  });

  test('the Problem code enum is the whole error catalogue', () => {
    const problem = doc.components.schemas.Problem;
    expect(problem.properties.code.enum).toEqual(Object.keys(catalogue));
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'requestId']));
    expect(problem.properties.errors.items).toEqual({ $ref: '#/components/schemas/FieldError' });
    for (const c of Object.keys(catalogue)) expect(problem.description).toContain(c);
  });

  test('every $ref resolves inside the document', () => {
    const refs: string[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) if (k === '$ref' && typeof v === 'string') refs.push(v);
        else walk(v);
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((r) => resolvePointer(doc, r) === undefined)).toEqual([]);
  });

  test('required components and bearer security; every error response is problem+json with its codes', () => {
    for (const name of ['Problem', 'Receipt', 'Message', 'InboxPage', 'Member', 'LoginRequest', 'LoginResponse', 'LogKey', 'Checkpoint', 'LogEntries', 'InclusionProof', 'ConsistencyProof']) {
      expect(doc.components.schemas[name]).toBeDefined();
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'xgw_session' });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
    for (const { route, method, op } of operations()) {
      const isPublic = !route.startsWith('/api/v1/') || ['/api/v1/auth/login', '/api/v1/openapi.json'].includes(route);
      expect({ route, method, security: op.security }).toEqual({ route, method, security: isPublic ? [] : undefined });
      for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) continue;
        expect(r.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
        for (const c of r['x-error-codes']) {
          expect(catalogue[c as keyof typeof catalogue].status).toBe(Number(status));
          expect(r.description).toContain(c);
        }
      }
    }
  });

  test('servers follow publicUrl', () => {
    const d = buildOpenApi({ schemas: t.gw.deps.schemas, publicUrl: 'https://xgw.example.gov.cn' }) as Json;
    expect(d.servers).toEqual([expect.objectContaining({ url: 'https://xgw.example.gov.cn' })]);
    expect(doc.servers[0].url).toBe('/');
  });
});

describe('the document matches the app', () => {
  test('each documented operation exists, is secured as documented and answers documented error codes', async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(21);
    for (const { route, method, op } of ops) {
      const url = route.replace(/\{(\w+)\}/g, (_m, name: string) => PLACEHOLDERS[name] ?? 'x');
      const documented = (status: number): string[] => op.responses[String(status)]?.['x-error-codes'] ?? [];
      const anon = await t.call(method.toUpperCase(), url);
      const authed = await t.call(method.toUpperCase(), url, { token: t.tokens.hall });
      const where = `${method.toUpperCase()} ${route}`;
      const badParam = route.includes('{') ? [await t.call(method.toUpperCase(), route.replace(/\{\w+\}/g, '%E0%A4%A'), { token: t.tokens.hall })] : [];
      for (const res of [anon, authed, ...badParam]) {
        expect({ where, status: res.status, code: res.body?.code }).not.toEqual({ where, status: 404, code: 'GW_ERR_HTTP_NOT_FOUND' });
        if (res.headers.get('content-type')?.startsWith('application/problem+json')) {
          expect({ where, code: res.body.code, documented: documented(res.status).includes(res.body.code) }).toEqual({ where, code: res.body.code, documented: true });
          expectValid('Problem', res.body);
        } else {
          expect({ where, status: res.status, documented: String(res.status) in op.responses }).toEqual({ where, status: res.status, documented: true });
        }
      }
      if (op.security === undefined) expect({ where, code: anon.body?.code }).toEqual({ where, code: 'GW_ERR_AUTH_MISSING_TOKEN' });
      else expect({ where, status: anon.status }).not.toEqual({ where, status: 401 });
    }
  });

  test("every route of the app's router is documented", () => {
    const found: string[] = [];
    const walk = (stack: Json[], prefix: string): void => {
      for (const layer of stack) {
        if (layer.route) {
          const p = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
          for (const m of Object.keys(layer.route.methods)) if (m !== '_all' && m !== 'head') found.push(`${m.toUpperCase()} ${p}`);
        } else if (Array.isArray(layer.handle?.stack)) {
          const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
          walk(layer.handle.stack, prefix + mount);
        }
      }
    };
    walk((t.gw.app as unknown as { router: { stack: Json[] } }).router.stack, '');
    expect(found).toEqual(expect.arrayContaining(['GET /healthz', 'POST /api/v1/messages', 'GET /api/v1/members/{code}/services']));
    const documented = new Set(operations().map((o) => `${o.method.toUpperCase()} ${o.route}`));
    // The agencies' SOAP endpoints are described by their WSDL (GET ?wsdl, advertised in /members/{code}/services), not here.
    const soap = found.filter((r) => /^(GET|POST) \/soap\/[a-z][a-z0-9-]*\/$/.test(r));
    expect(soap).toEqual(['GET /soap/amr/', 'POST /soap/amr/', 'GET /soap/tax/', 'POST /soap/tax/']);
    expect(found.filter((r) => !documented.has(r) && !UNDOCUMENTED_ASSETS.includes(r) && !soap.includes(r))).toEqual([]);
  });

  test('real responses match the documented schemas', async () => {
    const record = sampleCaseRecord();
    const pushed = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: 'oas-1', caseId: record.caseNo, purpose: 'case-handling', payload: record },
    });
    expect(pushed.status).toBe(202);
    expectValid('PushRequest', { to: 'housing', type: 'case-record', messageId: 'oas-1', purpose: 'case-handling', payload: record });
    expectValid('Receipt', pushed.body);
    expect(undocumented('Receipt', pushed.body)).toEqual([]);

    const inbox = await t.call('GET', '/api/v1/inbox?limit=10', { token: t.tokens.housing });
    expectValid('InboxPage', inbox.body);
    expect(undocumented('MessageSummary', inbox.body.items[0])).toEqual([]);

    const acked = await t.call('POST', `/api/v1/messages/${pushed.body.id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason: '材料不全' } });
    expect(acked.status).toBe(200);
    expectValid('AckRequest', { result: 'rejected', reason: '材料不全' });
    expectValid('Message', acked.body);
    const seen = await t.call('GET', `/api/v1/messages/${pushed.body.id}`, { token: t.tokens.hall });
    expectValid('Message', seen.body);
    expect(undocumented('Message', seen.body)).toEqual([]);

    const login = await t.call('POST', '/api/v1/auth/login', { body: { login: 't.clerk', password: TEST_PASSWORD } });
    expect(login.status).toBe(200);
    expectValid('LoginRequest', { login: 't.clerk', password: TEST_PASSWORD });
    expectValid('LoginResponse', login.body);
    expectValid('Principal', (await t.call('GET', '/api/v1/auth/me', { token: login.body.token })).body);
    expectValid('Principal', (await t.call('GET', '/api/v1/auth/me', { token: t.tokens.hall })).body);

    const members = await t.call('GET', '/api/v1/members', { token: t.tokens.hall });
    expectValid('MemberList', members.body);
    expect(undocumented('Member', members.body.items[0])).toEqual([]);
    expectValid('MemberServices', (await t.call('GET', '/api/v1/members/housing/services', { token: t.tokens.hall })).body);
    expectValid('SchemaList', (await t.call('GET', '/api/v1/schemas', { token: t.tokens.hall })).body);
    expectValid('Health', (await t.call('GET', '/healthz')).body);
    expectValid('Ready', (await t.call('GET', '/readyz')).body);

    const invalid = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing' } });
    expect(invalid.status).toBe(400);
    expectValid('Problem', invalid.body);
  });

  test('the log endpoints answer what is documented, and what the descriptions say verifies', async () => {
    const get = (url: string) => t.call('GET', url, { token: t.tokens.tax });
    const record = sampleCaseRecord();
    const push = (messageId: string) =>
      t.call('POST', '/api/v1/messages', {
        token: t.tokens.hall,
        body: { to: 'housing', type: 'case-record', messageId, caseId: record.caseNo, purpose: 'case-handling', payload: record },
      });
    const pushed = await push('oas-log-1');
    expect(pushed.status).toBe(202);
    expectValid('Receipt', pushed.body);
    const receipt = pushed.body.log as { index: number; leafHash: string };

    // the integrator is not running in tests: integrate and sign by hand
    expect(await t.gw.deps.integrator.runOnce(true)).not.toBeNull();
    const first = (await get('/api/v1/log/checkpoint')).body;
    expect((await push('oas-log-2')).status).toBe(202);
    expect(await t.gw.deps.integrator.runOnce(true)).not.toBeNull();

    const key = await get('/api/v1/log/key');
    expect(key.status).toBe(200);
    expectValid('LogKey', key.body);
    expect(undocumented('LogKey', key.body)).toEqual([]);

    const latest = await get('/api/v1/log/checkpoint');
    expect(latest.status).toBe(200);
    expectValid('Checkpoint', latest.body);
    expect(undocumented('Checkpoint', latest.body)).toEqual([]);
    const cp = latest.body;
    // body: the exact signed canonical JSON, valid as CheckpointBody, verifiable with the /log/key certificate
    const signed = JSON.parse(cp.body);
    expectValid('CheckpointBody', signed);
    expect(signed).toMatchObject({ size: cp.size, alg: cp.alg, root: cp.root, at: cp.at });
    expect(cp.signature.certificate).toBe(key.body.fingerprint);
    expect(verifyCheckpoint(cp, key.body.certificate)).toEqual(signed);
    expect(cp.size).toBeGreaterThan(first.size);
    expect((await get(`/api/v1/log/checkpoint?size=${first.size}`)).body).toEqual(first);

    const list = await get('/api/v1/log/checkpoints');
    expect(list.status).toBe(200);
    expectValid('CheckpointPage', list.body);
    expect(list.body).toEqual({ items: [first, cp], next: null });
    expect(undocumented('Checkpoint', list.body.items[0])).toEqual([]);
    // the list conventions: ?limit= pages, `next` is an opaque cursor for ?after=
    const page1 = await get('/api/v1/log/checkpoints?limit=1');
    expect(page1.body).toEqual({ items: [first], next: expect.any(String) });
    expect(page1.body.next).not.toBe(String(first.size));
    expect((await get(`/api/v1/log/checkpoints?limit=1&after=${page1.body.next}`)).body).toEqual({ items: [cp], next: null });

    // entries: leaf = H(0x00 ‖ entry text) (an auditor reads every entry; a member, its own)
    const auditor = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.auditor', password: TEST_PASSWORD } })).body.token;
    const entries = await t.call('GET', `/api/v1/log/entries?start=0&end=${cp.size}`, { token: auditor });
    expect(entries.status).toBe(200);
    expectValid('LogEntries', entries.body);
    expect(undocumented('LogEntries', entries.body)).toEqual([]);
    expect(entries.body.items).toHaveLength(cp.size);
    for (const e of entries.body.items) {
      expectValid('LogEntryContent', JSON.parse(e.entry));
      expect(createHash(entries.body.hashAlg).update(Buffer.from([0])).update(e.entry, 'utf8').digest('hex')).toBe(e.leafHash);
    }
    expect(entries.body.items[receipt.index].leafHash).toBe(receipt.leafHash);
    expect(JSON.parse(entries.body.items[receipt.index].entry).kind).toBe('message.received');

    // RFC 9162 inclusion of the receipt's entry in the first signed tree, by index and by leaf hash
    const incl = await get(`/api/v1/log/proof/inclusion?index=${receipt.index}&size=${first.size}`);
    expect(incl.status).toBe(200);
    expectValid('InclusionProof', incl.body);
    expect(undocumented('InclusionProof', incl.body)).toEqual([]);
    expect(incl.body).toMatchObject({ index: receipt.index, size: first.size, leafHash: receipt.leafHash });
    const hex = (h: string) => Buffer.from(h, 'hex');
    expect(verifyInclusion(incl.body.hashAlg, receipt.index, first.size, hex(receipt.leafHash), incl.body.proof.map(hex), hex(first.root))).toBe(true);
    const byHash = await get(`/api/v1/log/proof/inclusion?leafHash=${receipt.leafHash.toUpperCase()}&size=${first.size}`);
    expect(byHash.body).toEqual(incl.body);

    // RFC 9162 consistency between the two signed trees
    const cons = await get(`/api/v1/log/proof/consistency?from=${first.size}&to=${cp.size}`);
    expect(cons.status).toBe(200);
    expectValid('ConsistencyProof', cons.body);
    expect(undocumented('ConsistencyProof', cons.body)).toEqual([]);
    expect(verifyConsistency(cons.body.hashAlg, first.size, cp.size, cons.body.proof.map(hex), hex(first.root), hex(cp.root))).toBe(true);

    // the documented errors
    const none = '0'.repeat(64);
    const cases: [string, string, string][] = [
      ['/api/v1/log/checkpoint', '?size=999999', 'GW_ERR_LOG_NOT_FOUND'],
      ['/api/v1/log/checkpoint', '?size=-1', 'GW_ERR_REQUEST_INVALID'],
      ['/api/v1/log/checkpoints', '?after=x', 'GW_ERR_LIST_BAD_CURSOR'],
      ['/api/v1/log/checkpoints', '?limit=501', 'GW_ERR_REQUEST_INVALID'],
      ['/api/v1/log/entries', '', 'GW_ERR_REQUEST_INVALID'],
      ['/api/v1/log/entries', '?start=5&end=2', 'GW_ERR_LOG_BAD_RANGE'],
      ['/api/v1/log/entries', '?start=0&end=1001', 'GW_ERR_LOG_BAD_RANGE'],
      ['/api/v1/log/proof/inclusion', '', 'GW_ERR_REQUEST_INVALID'],
      ['/api/v1/log/proof/inclusion', `?index=${cp.size}`, 'GW_ERR_LOG_BAD_RANGE'],
      ['/api/v1/log/proof/inclusion', `?index=0&size=${cp.size + 1}`, 'GW_ERR_LOG_BAD_RANGE'],
      ['/api/v1/log/proof/inclusion', `?leafHash=${none}`, 'GW_ERR_LOG_NOT_FOUND'],
      ['/api/v1/log/proof/consistency', '', 'GW_ERR_REQUEST_INVALID'],
      ['/api/v1/log/proof/consistency', '?from=0', 'GW_ERR_REQUEST_INVALID'],
      ['/api/v1/log/proof/consistency', `?from=${cp.size}&to=${first.size}`, 'GW_ERR_LOG_BAD_RANGE'],
    ];
    for (const [route, qs, code] of cases) expectDocumentedProblem(route, await get(route + qs), code);
  });
});

describe('/docs', () => {
  test('serves the Swagger UI page with a self-only CSP and no inline script', async () => {
    const res = await t.call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('<title>xgw API 文档</title>');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/https?:/);
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const m of res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(m[1]).toMatch(/src="\/docs\//);
      expect(m[2].trim()).toBe('');
    }
  });

  test('its scripts and styles load locally; the initialiser points at the document', async () => {
    const page = (await t.call('GET', '/docs')).text;
    const urls = [...page.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css', '/docs/init.js']));
    for (const u of urls) {
      const res = await t.call('GET', u);
      expect({ u, status: res.status }).toEqual({ u, status: 200 });
      if (u.endsWith('.js')) expect(res.headers.get('content-type')).toMatch(/javascript/);
      if (u.endsWith('.css')) expect(res.headers.get('content-type')).toMatch(/^text\/css/);
    }
    const init = await t.call('GET', '/docs/init.js');
    expect(init.text).toContain('/api/v1/openapi.json');
    expect(init.text).toContain('SwaggerUIBundle');
  });

  test('only the needed swagger-ui files are served', async () => {
    for (const u of ['/docs/assets/index.html', '/docs/assets/swagger-initializer.js', '/docs/assets/package.json', '/docs/assets/../package.json']) {
      const res = await t.call('GET', u);
      expect({ u, status: res.status }).toEqual({ u, status: 404 });
    }
  });
});

describe('request examples', () => {
  test('the push examples in the document are real messages the gateway accepts', async () => {
    const examples = (doc as any).paths['/api/v1/messages'].post.requestBody.content['application/json'].examples as Record<string, { value: Json }>;
    expect(Object.keys(examples)).toEqual(['case-record', 'case-status']);
    const senders: Record<string, string> = { 'case-record': 'hall', 'case-status': 'housing' };
    for (const [name, { value }] of Object.entries(examples)) {
      expectValid('PushRequest', value);
      const r = await t.call('POST', '/api/v1/messages', { token: t.tokens[senders[name]!], body: value });
      expect({ name, status: r.status, body: r.body }).toMatchObject({ name, status: 202 });
    }
  });
});
