/**
 * Registry administration through the admin API, from an empty non-demo database:
 * the first member and admin, members, a system and its token, an agreement, a webhook;
 * a message pushed with the new token arrives on the webhook; refusals (non-admin, bad
 * USCC, duplicates, bad adapter config with the old binding kept); every change in the
 * signed log without secrets; a second gateway process on the same database sees each
 * change at once.
 */
import { buildConfig } from '../../gateway/config';
import { createGateway } from '../../gateway/gateway';
import { validUscc, sampleCaseRecord } from '../fixtures/case-record';
import { startEmptyGateway, type EmptyGateway } from '../support/admin';
import { discardLogs } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';

let e: EmptyGateway;
let hook: Receiver;
let admin = '';
const PASSWORD = 'first admin password';

beforeAll(async () => {
  // No version polling: a change must reach the other process by NOTIFY alone.
  e = await startEmptyGateway({ config: { registry: { pollIntervalMs: 600_000 } } });
  hook = await startReceiver();
});
afterAll(async () => {
  await e?.close();
  await hook?.close();
});

const member = (code: string, seed: number, extra: Record<string, unknown> = {}) => ({ code, name: `江州市${code}局`, kind: 'municipal', uscc: validUscc(seed), adapter: 'dept-rest', ...extra });

test('an empty registry: the local admin creates the first member and admin, who then logs in', async () => {
  expect((await e.call('GET', '/api/v1/members', { token: e.localAdmin })).body.items).toEqual([]);
  const m = await e.call('POST', '/api/v1/admin/members', { token: e.localAdmin, body: member('bigdata', 11111111) });
  expect(m.status).toBe(201);
  expect(m.body).toMatchObject({ code: 'bigdata', active: true, deliveryMode: 'pull', keyAlg: 'sm2', adapterConfig: {} });
  const u = await e.call('POST', '/api/v1/admin/users', { token: e.localAdmin, body: { login: 'root', name: '管理员', role: 'admin', department: 'bigdata', password: PASSWORD } });
  expect(u.status).toBe(201);
  expect(u.body).toEqual({ login: 'root', name: '管理员', role: 'admin', department: 'bigdata', active: true });
  const login = await e.call('POST', '/api/v1/auth/login', { body: { login: 'root', password: PASSWORD } });
  expect(login.status).toBe(200);
  admin = login.body.token;
});

test('members: created with a checked USCC, listed with cursors, duplicates refused', async () => {
  const bad = await e.call('POST', '/api/v1/admin/members', { token: admin, body: { ...member('hall', 1), uscc: validUscc(22222222).slice(0, 17) + '0' } });
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', errors: [{ pointer: '/uscc' }] });
  expect((await e.call('POST', '/api/v1/admin/members', { token: admin, body: member('hall', 22222222, { kind: 'hall', adapter: 'hall-rest' }) })).status).toBe(201);
  const dept = await e.call('POST', '/api/v1/admin/members', { token: admin, body: member('planning', 33333333) });
  expect(dept.status).toBe(201);
  const dup = await e.call('POST', '/api/v1/admin/members', { token: admin, body: member('planning', 44444444) });
  expect(dup.status).toBe(409);
  expect(dup.body.code).toBe('GW_ERR_REGISTRY_CONFLICT');
  const p1 = await e.call('GET', '/api/v1/admin/members?limit=2', { token: admin });
  expect(p1.body.items.map((m: { code: string }) => m.code)).toEqual(['bigdata', 'hall']);
  const p2 = await e.call('GET', `/api/v1/admin/members?limit=2&after=${p1.body.next}`, { token: admin });
  expect(p2.body).toMatchObject({ items: [{ code: 'planning' }], next: null });
  expect((await e.call('GET', '/api/v1/admin/members?after=nonsense', { token: admin })).body.code).toBe('GW_ERR_LIST_BAD_CURSOR');
  expect((await e.call('GET', '/api/v1/admin/members/nobody', { token: admin })).body.code).toBe('GW_ERR_REGISTRY_UNKNOWN_MEMBER');
});

test('non-admins are refused: a clerk', async () => {
  await e.call('POST', '/api/v1/admin/users', { token: admin, body: { login: 'clerk1', name: '窗口', role: 'clerk', department: 'hall', password: PASSWORD } });
  const clerk = (await e.call('POST', '/api/v1/auth/login', { body: { login: 'clerk1', password: PASSWORD } })).body.token;
  for (const [method, route] of [['GET', '/api/v1/admin/members'], ['POST', '/api/v1/admin/agreements'], ['GET', '/api/v1/admin/registry']] as const) {
    const r = await e.call(method, route, { token: clerk, body: method === 'POST' ? {} : undefined });
    expect({ route, status: r.status, code: r.body.code }).toEqual({ route, status: 403, code: 'GW_ERR_AUTH_FORBIDDEN' });
  }
});

let hallToken = '';
test('a system and its token (shown once, listed by hint), an agreement, a webhook: a push arrives on the webhook', async () => {
  expect((await e.call('POST', '/api/v1/admin/systems', { token: admin, body: { member: 'hall', code: 'window', name: '综合受理系统' } })).status).toBe(201);
  expect((await e.call('POST', '/api/v1/admin/systems', { token: admin, body: { member: 'hall', code: 'window', name: 'again' } })).body.code).toBe('GW_ERR_REGISTRY_CONFLICT');
  const issued = await e.call('POST', '/api/v1/admin/systems/hall/window/tokens', { token: admin, body: { label: 'prod' } });
  expect(issued.status).toBe(201);
  hallToken = issued.body.token;
  expect(hallToken).toMatch(/^xgs_/);
  const listed = await e.call('GET', '/api/v1/admin/tokens?member=hall', { token: admin });
  expect(listed.body.items).toEqual([{ id: issued.body.id, member: 'hall', system: 'window', hint: hallToken.slice(-4), label: 'prod', createdAt: expect.any(String), revokedAt: null }]);
  expect(JSON.stringify(listed.body)).not.toContain(hallToken);
  expect((await e.call('GET', '/api/v1/admin/tokens', { token: hallToken })).body.code).toBe('GW_ERR_AUTH_FORBIDDEN');

  const a = await e.call('POST', '/api/v1/admin/agreements', { token: admin, body: { sender: 'hall', receiver: 'planning', messageType: 'case-record', purposes: ['case-handling'], validFrom: null, validTo: null } });
  expect(a.status).toBe(201);
  expect((await e.call('POST', '/api/v1/admin/agreements', { token: admin, body: { sender: 'hall', receiver: 'planning', messageType: 'case-record', purposes: ['x'] } })).body.code).toBe('GW_ERR_REGISTRY_CONFLICT');
  expect((await e.call('POST', '/api/v1/admin/agreements', { token: admin, body: { sender: 'hall', receiver: 'nobody', messageType: 'case-record', purposes: ['x'] } })).body.code).toBe('GW_ERR_REGISTRY_UNKNOWN_MEMBER');
  expect((await e.call('GET', '/api/v1/admin/agreements/00000000-0000-7000-8000-000000000000', { token: admin })).body.code).toBe('GW_ERR_REGISTRY_NOT_FOUND');

  // push delivery without a webhook is the adapter's own refusal, as at start
  const noHook = await e.call('PATCH', '/api/v1/admin/members/planning', { token: admin, body: { deliveryMode: 'push' } });
  expect(noHook.status).toBe(400);
  expect(noHook.body).toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', detail: 'config error: adapters.planning: member planning: push delivery needs a webhook URL' });
  expect((await e.call('PUT', '/api/v1/admin/members/planning/webhook', { token: admin, body: { active: true } })).body).toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', errors: [{ pointer: '/url' }] });
  const w = await e.call('PUT', '/api/v1/admin/members/planning/webhook', { token: admin, body: { url: hook.url } });
  expect(w.status).toBe(200);
  expect(w.body).toEqual({ member: 'planning', url: hook.url, active: true }); // no shared secret: requests are signed with the gateway's key (RFC 9421)
  expect((await e.call('GET', '/api/v1/admin/members/planning/webhook', { token: admin })).body).toEqual({ member: 'planning', url: hook.url, active: true });
  expect((await e.call('PUT', '/api/v1/admin/members/planning/webhook', { token: admin, body: { rotateSecret: true } })).status).toBe(400);
  const column = await e.db.store.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'members' AND column_name = 'webhook_secret'`);
  expect(column.rows).toEqual([]); // migration 024: the unused secret is gone
  expect((await e.call('PATCH', '/api/v1/admin/members/planning', { token: admin, body: { deliveryMode: 'push' } })).status).toBe(200);

  const push = await e.call('POST', '/api/v1/messages', { token: hallToken, body: { to: 'planning', type: 'case-record', messageId: 'A-1', purpose: 'case-handling', payload: sampleCaseRecord() } });
  expect(push.status).toBe(202);
  await e.gw.deps.delivery.runOnce();
  expect(hook.hits).toHaveLength(1);
  expect(hook.hits[0]!.body).toMatchObject({ id: push.body.id, from: 'hall', type: 'case-record', messageId: 'A-1' });
});

test("an agreement's validity period is enforced at push; PATCH changes it", async () => {
  const id = (await e.call('GET', '/api/v1/admin/agreements?sender=hall&receiver=planning', { token: admin })).body.items[0].id;
  const push = (messageId: string) => e.call('POST', '/api/v1/messages', { token: hallToken, body: { to: 'planning', type: 'case-record', messageId, purpose: 'case-handling', payload: sampleCaseRecord() } });
  const bad = await e.call('PATCH', `/api/v1/admin/agreements/${id}`, { token: admin, body: { validFrom: '2026-03-10T00:00:00+08:00', validTo: '2026-03-01T00:00:00+08:00' } });
  expect(bad.body).toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', errors: [{ pointer: '/validTo' }] });
  // The test clock reads 2026-03-02T09:30+08:00.
  const later = await e.call('PATCH', `/api/v1/admin/agreements/${id}`, { token: admin, body: { validFrom: '2026-03-10T00:00:00+08:00' } });
  expect(later.body).toMatchObject({ validFrom: '2026-03-10T00:00:00.000+08:00', validTo: null, purposes: ['case-handling'] });
  const refused = await push('V-1');
  expect(refused.status).toBe(403);
  expect(refused.body).toMatchObject({ code: 'GW_ERR_EXCHANGE_NO_AGREEMENT', detail: expect.stringContaining('in force from 2026-03-10T00:00:00.000+08:00') });
  // The same instant written with another offset is no change.
  const same = await e.call('PATCH', `/api/v1/admin/agreements/${id}`, { token: admin, body: { validFrom: '2026-03-09T16:00:00Z' } });
  expect(same.headers.get('x-registry-version')).toBe(later.headers.get('x-registry-version'));
  await e.call('PATCH', `/api/v1/admin/agreements/${id}`, { token: admin, body: { validFrom: null, validTo: '2026-12-31T00:00:00+08:00' } });
  expect((await push('V-2')).status).toBe(202);
});

test('a bad adapter config is refused with the line a start prints, and the old binding stays', async () => {
  const before = e.gw.deps.adapters.configOf('planning');
  const r = await e.call('PATCH', '/api/v1/admin/members/planning', { token: admin, body: { adapterConfig: { requestTimeoutMs: 5 } } });
  expect(r.status).toBe(400);
  // The same gateway config, given to a start, stops it with the very same line.
  const atStart = await createGateway(buildConfig({ ...e.config, adapters: { planning: { requestTimeoutMs: 5 } } } as never), { store: e.db.store, logDestination: discardLogs(), startDelivery: false, startIntegrator: false }).then(
    (gw) => gw.close().then(() => 'started'),
    (err: Error) => err.message,
  );
  expect(r.body.detail).toBe(atStart);
  expect(atStart).toMatch(/^config error: adapters\.planning\.requestTimeoutMs: /);
  expect(e.gw.deps.adapters.configOf('planning')).toBe(before);
  expect((await e.call('GET', '/api/v1/admin/members/planning', { token: admin })).body.adapterConfig).toEqual({});
  const good = await e.call('PATCH', '/api/v1/admin/members/planning', { token: admin, body: { adapterConfig: { requestTimeoutMs: 500 } } });
  expect(good.status).toBe(200);
  expect(e.gw.deps.adapters.configOf('planning')).toEqual({ requestTimeoutMs: 500 });
  // Nothing differs: nothing is recorded.
  const version = Number(good.headers.get('x-registry-version'));
  const same = await e.call('PATCH', '/api/v1/admin/members/planning', { token: admin, body: { adapterConfig: { requestTimeoutMs: 500 }, name: good.body.name } });
  expect(Number(same.headers.get('x-registry-version'))).toBe(version);
});

test('every change is a registry.changed entry in the signed log: enums and keys, no secrets', async () => {
  const rows = (await e.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'registry.changed' ORDER BY idx`)).rows.map((r) => JSON.parse(r.entry));
  expect(rows.length).toBeGreaterThanOrEqual(10);
  expect(rows[0]).toMatchObject({ kind: 'registry.changed', object: 'member', action: 'created', key: 'bigdata', by: 'local/cli', version: 1 });
  expect(rows.map((r) => `${r.object}.${r.action}`)).toEqual(expect.arrayContaining(['user.created', 'system.created', 'token.issued', 'agreement.created', 'webhook.created', 'member.updated']));
  const text = JSON.stringify(rows);
  for (const secret of [hallToken, PASSWORD, '江州市']) expect(text).not.toContain(secret);
  expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
});

test('a second gateway process on the same database sees each change at once: a new member, its token, a revocation', async () => {
  const other = await e.second();
  try {
    const m = await e.call('POST', '/api/v1/admin/members', { token: admin, body: member('housing', 55555555) });
    await e.call('POST', '/api/v1/admin/systems', { token: admin, body: { member: 'housing', code: 'default', name: '住建系统' } });
    const t = await e.call('POST', '/api/v1/admin/systems/housing/default/tokens', { token: admin, body: {} });
    const a = await e.call('POST', '/api/v1/admin/agreements', { token: admin, body: { sender: 'housing', receiver: 'hall', messageType: 'case-record', purposes: ['parallel-approval'] } });
    expect([m.status, t.status, a.status]).toEqual([201, 201, 201]);
    await other.gw.deps.registry.reached(Number(a.headers.get('x-registry-version')));
    expect(other.gw.deps.directory.member('housing')?.name).toBe('江州市housing局');
    const push = await fetch(`${other.url}/api/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'hall', type: 'case-record', messageId: 'H-1', purpose: 'parallel-approval', payload: sampleCaseRecord() }),
    });
    expect(push.status).toBe(202);
    const revoked = await e.call('DELETE', `/api/v1/admin/tokens/${t.body.id}`, { token: admin });
    expect(revoked.status).toBe(204);
    await other.gw.deps.registry.reached(Number(revoked.headers.get('x-registry-version')));
    const after = await fetch(`${other.url}/api/v1/inbox`, { headers: { authorization: `Bearer ${t.body.token}` } });
    expect(after.status).toBe(401);
    // A deactivated member takes part in no exchange, in either process.
    const off = await e.call('DELETE', '/api/v1/admin/members/housing', { token: admin });
    expect(off.body).toMatchObject({ code: 'housing', active: false });
    await other.gw.deps.registry.reached(Number(off.headers.get('x-registry-version')));
    expect(other.gw.deps.directory.member('housing')).toBeUndefined();
  } finally {
    await other.close();
  }
});

test('export → apply on a second database reproduces the registry; a dry run keeps nothing; applying twice changes nothing', async () => {
  const doc = (await e.call('GET', '/api/v1/admin/registry', { token: admin })).body;
  expect(doc.notExported).toContain('never exported');
  expect(JSON.stringify(doc)).not.toMatch(/xgs_|first admin password/);
  const other = await startEmptyGateway();
  try {
    const dry = await other.call('POST', '/api/v1/admin/registry/apply?dryRun=true', { token: other.localAdmin, body: doc });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.changes).toEqual(expect.arrayContaining([{ object: 'member', action: 'created', key: 'planning' }, { object: 'webhook', action: 'created', key: 'planning', fields: ['url', 'active'] }]));
    expect(dry.body.issued).toEqual([]);
    expect((await other.call('GET', '/api/v1/admin/members', { token: other.localAdmin })).body.items).toEqual([]);
    const applied = await other.call('POST', '/api/v1/admin/registry/apply', { token: other.localAdmin, body: doc });
    expect(applied.body.changes.length).toBe(dry.body.changes.length);
    expect(applied.body.issued.map((i: { object: string; key: string }) => `${i.object}:${i.key}`).sort()).toEqual(['user:clerk1', 'user:root']);
    expect((await other.call('GET', '/api/v1/admin/registry', { token: other.localAdmin })).body).toEqual(doc);
    const again = await other.call('POST', '/api/v1/admin/registry/apply', { token: other.localAdmin, body: doc });
    expect(again.body).toEqual({ dryRun: false, changes: [], issued: [] });
    // The reproduced registry works: the deactivated member is inactive, the push member has its webhook.
    expect(other.gw.deps.directory.member('housing')).toBeUndefined();
    expect(other.gw.deps.directory.member('planning')).toMatchObject({ deliveryMode: 'push', webhookUrl: hook.url });
    const dup = await other.call('POST', '/api/v1/admin/registry/apply', { token: other.localAdmin, body: { ...doc, users: [...doc.users, doc.users[0]] } });
    expect(dup.body).toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', detail: 'the document names user "clerk1" twice' });
  } finally {
    await other.close();
  }
});
