/**
 * The role × operation table (gateway/registry/permissions.ts), tested from the table:
 * every operation × every kind of actor × the real HTTP route. Allowed → anything but
 * 403 GW_ERR_AUTH_FORBIDDEN; not allowed → exactly that. A second test walks the
 * Express routers: every authenticated route names its operation with allow(op) and
 * is exercised here, so a new route cannot slip past the table.
 */
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { ACTORS, PERMISSIONS, type Actor, type Operation } from '../../gateway/registry/permissions';
import { outgoingLifecycle, receiptLifecycle, OUTGOING_STEPS, RECEIPT_STEPS } from '../../gateway/documents/lifecycle';

jest.setTimeout(180_000);

let t: TestGateway;
const token: Partial<Record<Actor, string>> = {};
let toHall = '';
let seq = 0;

beforeAll(async () => {
  t = await startTestGateway();
  token.system = t.tokens.hall;
  for (const role of ACTORS.filter((a) => a !== 'system')) {
    const r = await t.call('POST', '/api/v1/auth/login', { body: { login: `t.${role}`, password: TEST_PASSWORD } });
    expect(r.status).toBe(200);
    token[role] = r.body.token;
  }
  // a message to the hall (every test user's department), for ack and read
  const s = sampleCaseStatus();
  const r = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.housing,
    body: { to: 'hall', type: 'case-status', messageId: 'roles-to-hall', caseId: s.caseNo, purpose: 'status-feedback', payload: s },
  });
  expect(r.status).toBe(202);
  toHall = r.body.id;
});
afterAll(async () => {
  await t?.close();
});

interface Probe {
  method: string;
  path: () => string;
  /** Another member system than the hall for the `system` actor. */
  systemToken?: () => string;
  body?: () => unknown;
  headers?: Record<string, string>;
}

const NO_DOC = '00000000-0000-7000-8000-000000000000';

/** One real request per route, keyed by the route as Express knows it (method + path pattern). */
const routes: Record<string, { op: Operation; probe: Probe }> = {
  'POST /auth/logout': { op: 'session.use', probe: { method: 'POST', path: () => '/auth/logout' } },
  'GET /auth/me': { op: 'session.use', probe: { method: 'GET', path: () => '/auth/me' } },
  'GET /members': { op: 'registry.read', probe: { method: 'GET', path: () => '/members' } },
  'GET /members/:code/services': { op: 'registry.read', probe: { method: 'GET', path: () => '/members/housing/services' } },
  'GET /schemas': { op: 'registry.read', probe: { method: 'GET', path: () => '/schemas' } },
  'GET /schemas/:type': { op: 'registry.read', probe: { method: 'GET', path: () => '/schemas/case-record' } },
  'GET /log/key': { op: 'log.read', probe: { method: 'GET', path: () => '/log/key' } },
  'GET /log/checkpoint': { op: 'log.read', probe: { method: 'GET', path: () => '/log/checkpoint' } },
  'GET /log/checkpoints': { op: 'log.read', probe: { method: 'GET', path: () => '/log/checkpoints' } },
  'GET /log/entries': { op: 'log.read', probe: { method: 'GET', path: () => '/log/entries?start=0' } },
  'GET /log/proof/inclusion': { op: 'log.read', probe: { method: 'GET', path: () => '/log/proof/inclusion?index=0&size=1' } },
  'GET /log/proof/consistency': { op: 'log.read', probe: { method: 'GET', path: () => '/log/proof/consistency?from=1&to=1' } },
  'POST /messages': {
    op: 'exchange.push',
    probe: {
      method: 'POST',
      path: () => '/messages',
      body: () => {
        const p = sampleCaseRecord();
        return { to: 'housing', type: 'case-record', messageId: `roles-${++seq}`, caseId: p.caseNo, purpose: 'case-handling', payload: p };
      },
    },
  },
  'GET /inbox': { op: 'exchange.pull', probe: { method: 'GET', path: () => '/inbox' } },
  'POST /messages/:id/ack': { op: 'exchange.ack', probe: { method: 'POST', path: () => `/messages/${toHall}/ack`, body: () => ({ result: 'rejected', reason: '材料不全' }) } },
  'GET /messages': { op: 'exchange.read', probe: { method: 'GET', path: () => '/messages?box=in&member=hall' } },
  'GET /messages/:id': { op: 'exchange.read', probe: { method: 'GET', path: () => `/messages/${toHall}` } },
  'POST /services/:member/:service': {
    op: 'services.call',
    probe: { method: 'POST', path: () => '/services/amr/query-enterprise', body: () => ({ uscc: '91350100273896412W' }), headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-ZJ-20260302-000001' } },
  },
  'GET /audit/trace': { op: 'audit.read', probe: { method: 'GET', path: () => '/audit/trace?member=hall' } },
  'GET /audit/evidence': { op: 'audit.read', probe: { method: 'GET', path: () => '/audit/evidence?caseId=no-such-case' } },
  'GET /audit/verify': { op: 'audit.read', probe: { method: 'GET', path: () => '/audit/verify?caseId=no-such-case' } },
  'GET /admin/audit-access': { op: 'auditAccess.read', probe: { method: 'GET', path: () => '/admin/audit-access' } },
  'GET /admin/dead-letters': { op: 'deadLetters.read', probe: { method: 'GET', path: () => '/admin/dead-letters' } },
  'POST /admin/dead-letters/:id/replay': { op: 'deadLetters.replay', probe: { method: 'POST', path: () => '/admin/dead-letters/00000000-0000-7000-8000-000000000000/replay' } },
  'POST /admin/dead-letters/replay': { op: 'deadLetters.replay', probe: { method: 'POST', path: () => '/admin/dead-letters/replay', body: () => ({ receiver: 'housing' }) } },
  'GET /admin/delivery': { op: 'delivery.read', probe: { method: 'GET', path: () => '/admin/delivery' } },
  'GET /admin/adapters': { op: 'adapters.read', probe: { method: 'GET', path: () => '/admin/adapters' } },
  // aimed at a member without a webhook (404): nothing is sent
  'POST /admin/members/:code/webhook/test': { op: 'webhooks.test', probe: { method: 'POST', path: () => '/admin/members/no-such-member/webhook/test' } },
  // The station's own system; a package that is not XML is refused by its contract (not 403).
  'POST /station/packages': {
    op: 'station.deliver',
    probe: { method: 'POST', path: () => '/station/packages', systemToken: () => t.tokens.docstation!, body: () => 'not a package', headers: { 'content-type': 'application/xml' } },
  },
  'POST /documents/import': { op: 'documents.import', probe: { method: 'POST', path: () => '/documents/import', body: () => '江府办〔2024〕18号', headers: { 'content-type': 'text/plain; charset=utf-8' } } },
  // Registry administration: reads for real; writes aimed at nothing (404) or refused by their contract (400), so the demo registry stays as it is.
  ...adminProbes(),
  'POST /documents': { op: 'documents.draft', probe: { method: 'POST', path: () => '/documents', body: () => ({ document: { title: '关于测试的通知', body: '正文' }, addressees: { main: ['housing'] } }) } },
  'GET /documents': { op: 'documents.read', probe: { method: 'GET', path: () => '/documents?box=inbox' } },
  'GET /documents/:id': { op: 'documents.read', probe: { method: 'GET', path: () => `/documents/${NO_DOC}` } },
  'GET /documents/:id/trace': { op: 'documents.read', probe: { method: 'GET', path: () => `/documents/${NO_DOC}/trace` } },
  'GET /documents/:id/evidence': { op: 'documents.read', probe: { method: 'GET', path: () => `/documents/${NO_DOC}/evidence` } },
  'POST /documents/:id/attachments': { op: 'documents.draft', probe: { method: 'POST', path: () => `/documents/${NO_DOC}/attachments?name=a.txt`, body: () => 'bytes', headers: { 'content-type': 'text/plain' } } },
  'GET /cases': { op: 'cases.read', probe: { method: 'GET', path: () => '/cases' } },
  'GET /cases/:caseNo': { op: 'cases.read', probe: { method: 'GET', path: () => '/cases/NO-SUCH-CASE' } },
  'GET /supervision/cards': { op: 'supervision.read', probe: { method: 'GET', path: () => '/supervision/cards' } },
  'GET /stats/cases': { op: 'stats.read', probe: { method: 'GET', path: () => '/stats/cases?groupBy=matter' } },
  'GET /stats/overdue': { op: 'stats.read', probe: { method: 'GET', path: () => '/stats/overdue' } },
  'GET /stats/warnings': { op: 'stats.read', probe: { method: 'GET', path: () => '/stats/warnings' } },
  'GET /log/keys': { op: 'log.read', probe: { method: 'GET', path: () => '/log/keys' } },
  'GET /delivery/status': { op: 'delivery.own', probe: { method: 'GET', path: () => '/delivery/status' } },
  'GET /documents/:id/attachments/:digest': { op: 'documents.read', probe: { method: 'GET', path: () => `/documents/${NO_DOC}/attachments/${'0'.repeat(64)}` } },
  // every 发文 and 收文 step, with the operation its lifecycle row names
  ...Object.fromEntries(
    [...Object.entries(OUTGOING_STEPS).map(([s, e]) => [s, outgoingLifecycle.step(e).op] as const), ...Object.entries(RECEIPT_STEPS).map(([s, e]) => [s, receiptLifecycle.step(e).op] as const)].map(([step, op]) => [
      `POST /documents/:id/${step}`,
      { op, probe: { method: 'POST', path: () => `/documents/${NO_DOC}/${step}`, body: () => ({}) } },
    ]),
  ),
};

function adminProbes(): Record<string, { op: Operation; probe: Probe }> {
  const NIL = '00000000-0000-7000-8000-000000000000';
  const entries: [string, string][] = [
    ['GET /admin/members', '/admin/members'],
    ['POST /admin/members', '/admin/members'],
    ['GET /admin/members/:code', '/admin/members/no-such-member'],
    ['PATCH /admin/members/:code', '/admin/members/no-such-member'],
    ['DELETE /admin/members/:code', '/admin/members/no-such-member'],
    ['GET /admin/webhooks', '/admin/webhooks'],
    ['GET /admin/members/:code/webhook', '/admin/members/no-such-member/webhook'],
    ['PUT /admin/members/:code/webhook', '/admin/members/no-such-member/webhook'],
    ['DELETE /admin/members/:code/webhook', '/admin/members/no-such-member/webhook'],
    ['GET /admin/systems', '/admin/systems'],
    ['POST /admin/systems', '/admin/systems'],
    ['GET /admin/systems/:member/:system', '/admin/systems/no-such-member/x'],
    ['PATCH /admin/systems/:member/:system', '/admin/systems/no-such-member/x'],
    ['DELETE /admin/systems/:member/:system', '/admin/systems/no-such-member/x'],
    ['POST /admin/systems/:member/:system/tokens', '/admin/systems/no-such-member/x/tokens'],
    ['GET /admin/tokens', '/admin/tokens'],
    ['DELETE /admin/tokens/:id', `/admin/tokens/${NIL}`],
    ['GET /admin/agreements', '/admin/agreements'],
    ['POST /admin/agreements', '/admin/agreements'],
    ['GET /admin/agreements/:id', `/admin/agreements/${NIL}`],
    ['PATCH /admin/agreements/:id', `/admin/agreements/${NIL}`],
    ['DELETE /admin/agreements/:id', `/admin/agreements/${NIL}`],
    ['GET /admin/users', '/admin/users'],
    ['POST /admin/users', '/admin/users'],
    ['GET /admin/users/:login', '/admin/users/nobody'],
    ['PATCH /admin/users/:login', '/admin/users/nobody'],
    ['DELETE /admin/users/:login', '/admin/users/nobody'],
    ['GET /admin/registry', '/admin/registry'],
    ['POST /admin/registry/apply', '/admin/registry/apply?dryRun=true'],
    ['GET /admin/certificates', '/admin/certificates'],
    ['POST /admin/members/:code/certificates/rotate', '/admin/members/no-such-member/certificates/rotate'],
    ['POST /admin/members/:code/certificates/revoke', '/admin/members/no-such-member/certificates/revoke'],
    ['POST /admin/certificates/:fingerprint/revoke', `/admin/certificates/${'0'.repeat(64)}/revoke`],
    ['POST /admin/certificates/crl', '/admin/certificates/crl'],
    ['POST /admin/certificates/log/renew', '/admin/certificates/log/renew'],
    ['POST /admin/certificates/root/renew', '/admin/certificates/root/renew'],
    ['GET /admin/members/:code/delivery', '/admin/members/no-such-member/delivery'],
    ['POST /admin/members/:code/delivery/pause', '/admin/members/no-such-member/delivery/pause'],
    ['POST /admin/members/:code/delivery/resume', '/admin/members/no-such-member/delivery/resume'],
  ];
  const writes = new Set(['POST', 'PATCH', 'PUT']);
  return Object.fromEntries(
    entries.map(([route, path]) => {
      const method = route.split(' ')[0]!;
      const body = route.startsWith('PATCH') ? { name: 'x' } : {};
      return [route, { op: 'registry.admin' as const, probe: { method, path: () => path, ...(writes.has(method) ? { body: () => (route.includes('/tokens') || route.includes('/webhook') ? {} : body) } : {}) } }];
    }),
  );
}
/** Public: the one route before authentication. */
const PUBLIC = ['POST /auth/login'];

const cases = Object.entries(routes).flatMap(([route, { op }]) => ACTORS.map((actor) => [route, op, actor] as const));

describe('role × operation table, enforced on every route', () => {
  test.each(cases)('%s (%s) as %s', async (route, op, actor) => {
    const { probe } = routes[route];
    // logout would end the session the later cases use: log in afresh for it
    const bearer = route === 'POST /auth/logout' && actor !== 'system'
      ? (await t.call('POST', '/api/v1/auth/login', { body: { login: `t.${actor}`, password: TEST_PASSWORD } })).body.token
      : actor === 'system' && probe.systemToken ? probe.systemToken() : token[actor]!;
    const r = await t.call(probe.method, `/api/v1${probe.path()}`, { token: bearer, body: probe.body?.(), headers: probe.headers });
    const allowed = (PERMISSIONS[op].who as readonly Actor[]).includes(actor);
    if (allowed) {
      expect({ actor, route, status: r.status, code: r.body?.code }).not.toMatchObject({ status: 403 });
      expect(r.status).toBeLessThan(500 + (op === 'services.call' ? 100 : 0)); // the agency is unreachable: 502/503 is its answer
    } else {
      expect({ actor, route, status: r.status, code: r.body?.code }).toEqual({ actor, route, status: 403, code: 'GW_ERR_AUTH_FORBIDDEN' });
    }
  });

  test('the allowed answers are the real ones (the probes reach the handlers)', async () => {
    const push = await t.call('POST', '/api/v1/messages', { token: token.clerk, body: routes['POST /messages'].probe.body!() });
    expect(push.status).toBe(202);
    const read = await t.call('GET', `/api/v1/messages/${toHall}`, { token: token.auditor });
    expect([read.status, read.body.status]).toEqual([200, 'rejected']);
    expect((await t.call('GET', '/api/v1/admin/dead-letters', { token: token.admin })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/audit/trace?member=hall', { token: token.supervisor })).status).toBe(200);
  });

  test('every /api/v1 route names an operation of the table, and every route is probed above', () => {
    const found: Record<string, string | null> = {};
    type Layer = { rawPath?: unknown; route?: { path: string; methods: Record<string, boolean>; stack: { handle: { operation?: string } }[] }; handle: { stack?: Layer[] } };
    const walk = (stack: Layer[]) => {
      for (const l of stack) {
        if (l.route) {
          const op = l.route.stack.map((s) => s.handle.operation).find(Boolean) ?? null;
          for (const m of Object.keys(l.route.methods)) found[`${m.toUpperCase()} ${l.route.path}`] = op;
        } else if (l.handle.stack) walk(l.handle.stack);
      }
    };
    const app = t.gw.app as unknown as { router: { stack: Layer[] } };
    const api = app.router.stack.find((l) => l.rawPath === '/api/v1');
    expect(api).toBeDefined();
    walk(api!.handle.stack!);
    const expected = { ...Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, v.op])), ...Object.fromEntries(PUBLIC.map((k) => [k, null])) };
    expect(found).toEqual(expected);
    // every operation of the table is used by some route
    expect(new Set(Object.values(found).filter(Boolean))).toEqual(new Set(Object.keys(PERMISSIONS)));
  });
});
