/**
 * Certificates that expire soon are warned about (/readyz, the expiry gauge, the log) and
 * one rotation ends the warning; the PKI directory belongs to one registry (database);
 * demo credentials are never overwritten without a word. PGlite or PostgreSQL (DATABASE_URL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createGateway } from '../../gateway/gateway';
import { migrate } from '../../gateway/store/migrate';
import { openPostgres } from '../../gateway/store/postgres';
import { seedDemo } from '../../gateway/registry/demo';
import { ManualClock } from '../../gateway/clock';
import type { Store } from '../../gateway/store/db';
import { discardLogs, startTestGateway, type TestGateway } from '../support/gateway';
import { createTestDatabase } from '../support/db';
import { loginAs } from '../audit/scenario';
import { sampleCaseRecord } from '../fixtures/case-record';

const DAY = 86_400_000;
let t: TestGateway;
const dirs: string[] = [];
const tmp = (label: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), label));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const certWarnings = async () => ((await t.call('GET', '/readyz')).body.warnings ?? []).filter((w: string) => w.includes('certificate'));
const gauge = async (member: string) => Number(new RegExp(`^xgw_certificate_expiry_seconds\\{member="${member}"\\} (-?\\d+)$`, 'm').exec((await t.call('GET', '/metrics')).text)?.[1]);
const notAfter = (member: string) => new Date(new X509Certificate(t.gw.deps.trust.signerFor(member)!.certPem!).validTo);

describe('expiry', () => {
  test('30 days ahead: /readyz warns with the command, the gauge counts down, the log warns; a rotation ends it', async () => {
    expect(await certWarnings()).toEqual([]);
    const housingEnds = notAfter('housing');
    expect(await gauge('housing')).toBe(Math.floor((housingEnds.getTime() - t.clock.now().getTime()) / 1000));
    expect(await gauge('_log')).toBeGreaterThan(0);

    t.clock.advance(housingEnds.getTime() - t.clock.now().getTime() - 20 * DAY);
    const warnings = await certWarnings();
    expect(warnings).toContainEqual(expect.stringMatching(/^the signing certificate of housing \(serial [0-9a-f]+\) expires at .* \(in 20 days\); rotate it: xgw certs rotate --member housing$/));
    expect(await gauge('housing')).toBe(20 * 86_400);

    const rotated = await t.call('POST', '/api/v1/admin/members/housing/certificates/rotate', { token: await loginAs(t, 'admin') });
    expect(rotated.status).toBe(201);
    expect(rotated.body.daysToExpiry).toBeGreaterThan(800);
    expect((await certWarnings()).filter((w: string) => w.includes('of housing'))).toEqual([]);
    expect(await gauge('housing')).toBeGreaterThan(800 * 86_400);
    // The reload after the change logs what still expires soon (the other departments).
    expect(t.logs.filter((l) => l.level === 40 && String(l.msg).startsWith('the signing certificate of hall'))).not.toEqual([]);
    t.logs.length = 0;
  });

  test('expired certificates are named on /readyz and do not stop a revocation from taking effect', async () => {
    t.clock.advance(notAfter('hall').getTime() - t.clock.now().getTime() + DAY);
    expect(await certWarnings()).toContainEqual(expect.stringMatching(/^the signing certificate of hall \(serial [0-9a-f]+\) expired at /));
    const revoked = await t.call('POST', '/api/v1/admin/members/hall/certificates/revoke', { token: await loginAs(t, 'admin') });
    expect(revoked.status).toBe(200);
    t.clock.advance(1000);
    const push = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { to: 'housing', type: 'case-record', messageId: 'after-expiry', purpose: 'case-handling', payload: sampleCaseRecord() } });
    expect([push.status, push.body.code]).toEqual([422, 'GW_ERR_TRUST_CERTIFICATE_INVALID']);
    t.logs.length = 0;
  });
});

describe('the PKI directory belongs to one registry', () => {
  // The new database has no members for the test's adapter config; this one needs it.
  const start = (store: Store, pkiDir: string, adapters = t.gw.deps.config.adapters) =>
    createGateway({ ...t.gw.deps.config, adapters, trust: { ...t.gw.deps.config.trust, pkiDir } }, { clock: new ManualClock(), store, logDestination: discardLogs(), processMetrics: false, startDelivery: false, startIntegrator: false });

  test("another database does not adopt this registry's PKI directory", async () => {
    const db = await createTestDatabase();
    try {
      await expect(start(db.store, t.gw.deps.trust.pki.dir, {})).rejects.toThrow(
        new RegExp(`^the PKI directory ${t.gw.deps.trust.pki.dir} belongs to registry [0-9a-f-]{36}, not to this new database: give each registry its own trust.pkiDir`),
      );
    } finally {
      await db.drop();
    }
  });

  test('this database refuses a PKI directory with another root', async () => {
    const store = t.db.url ? openPostgres(t.db.url, { max: 2 }) : t.db.store;
    try {
      await expect(start(store, tmp('xgw-other-pki-'))).rejects.toThrow(/^this database's registry [0-9a-f-]{36} was created with another root CA \(key [0-9a-f]{16}…\), but trust.pkiDir .* holds root key [0-9a-f]{16}…: point trust.pkiDir at this registry's PKI directory/);
    } finally {
      if (store !== t.db.store) await store.close();
    }
  });
});

test('XGW_DEMO=1 keeps a demo-credentials.json that does not fit the database and says so', async () => {
  const db = await createTestDatabase();
  const dataDir = tmp('xgw-demo-creds-');
  const file = path.join(dataDir, 'demo-credentials.json');
  const foreign = JSON.stringify({ members: { hall: { token: 'xgs_from_another_database' } }, users: {} });
  fs.writeFileSync(file, foreign);
  try {
    await migrate(db.store);
    const first = await seedDemo(db.store, new ManualClock(), dataDir);
    expect(first.replaced).toMatch(/demo-credentials\.replaced-.*\.json$/);
    expect(fs.readFileSync(first.replaced!, 'utf8')).toBe(foreign);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).members.hall.token).toBe(first.members.hall!.token);
    const again = await seedDemo(db.store, new ManualClock(), dataDir);
    expect([again.replaced, again.members.hall!.token]).toEqual([undefined, first.members.hall!.token]);
  } finally {
    await db.drop();
  }
});
