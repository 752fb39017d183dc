/**
 * Renewal of the gateway's own log key and root CA through the admin API, with two gateway
 * processes on one database and PKI directory (the second learns every change by NOTIFY
 * alone): after each renewal new checkpoints are signed with the new log key in both, the
 * previous key stays listed in GET /log/keys, evidence bundles exported before still verify
 * offline (`xgw verify bundle`, pinned to the root the auditor had), bundles exported after
 * verify against the previous root through the cross certificate, and openssl verifies the
 * new chain. PGlite by default, PostgreSQL with DATABASE_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createGateway, type Gateway } from '../../gateway/gateway';
import { openPostgres } from '../../gateway/store/postgres';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import { verifyChain } from '../../certs/ca';
import { layout } from '../../certs/files';
import { certificateFingerprint } from '../../gateway/crypto/envelope';
import { discardLogs, startSecondGateway, startTestGateway, type TestGateway } from '../support/gateway';
import { callJson } from '../support/admin';
import { runXgw } from '../support/cli';
import { openssl, scratchDir, VFY_DISTID } from '../crypto/support';
import { demoCase, loginAs } from '../audit/scenario';

jest.setTimeout(180_000);

let t: TestGateway;
let other: { gw: Gateway; url: string; close(): Promise<void> };
let admin: string;
let auditor: string;
const tmp = scratchDir('renewal');

beforeAll(async () => {
  // No version polling: a change reaches the second process by NOTIFY alone.
  t = await startTestGateway({ config: { registry: { pollIntervalMs: 600_000 } } });
  other = await startSecondGateway(t);
  admin = await loginAs(t, 'admin');
  auditor = await loginAs(t, 'auditor');
});
afterAll(async () => {
  await other?.close();
  await t?.close();
  tmp.cleanup();
});

const evidence = async (caseNo: string): Promise<EvidenceBundle> => (await t.call('GET', `/api/v1/audit/evidence?caseId=${caseNo}`, { token: auditor })).body;
const failures = (b: EvidenceBundle, rootPems?: string[]) => verifyBundle(b, rootPems ? { rootPems } : {}).lines.filter((l) => !l.ok);
/** `xgw verify bundle <file> --root <pem>` as its own process, with neither database nor configuration. */
function verifyOffline(name: string, bundle: EvidenceBundle, rootPem: string): { status: number; stdout: string } {
  const offline = { DATABASE_URL: 'postgres://127.0.0.1:1/nowhere', XGW_DATA_DIR: path.join(tmp.dir, 'no-such-dir'), XGW_CONFIG: '' };
  const r = runXgw(['verify', 'bundle', tmp.write(`${name}.json`, JSON.stringify(bundle)), '--root', tmp.write(`${name}.root.pem`, rootPem)], offline);
  return { status: r.status, stdout: r.stdout };
}
const logKeys = async (base: string) => (await callJson(base, 'GET', '/api/v1/log/keys', { token: auditor })).body.items as { status: string; fingerprint: string; keyId: string }[];

test('renew the log key, then the root: new checkpoints use the new key in every process, every bundle verifies, openssl verifies the new chain', async () => {
  const dir = t.gw.deps.trust.pki.dir;
  const firstRoot = t.gw.deps.trust.pki.rootCertPem;
  const firstLog = t.gw.deps.trust.logCertificate;
  const before = await demoCase(t, 'FZ-ZJ-20260302-710001');
  const oldBundle = await evidence(before.caseNo);
  expect(oldBundle.log.checkpoint.signature.certificate).toBe(firstLog);

  // The log key, renewed through the second process: the first (which signs the checkpoints) switches on the notification.
  t.clock.advance(60_000);
  const renewed = await callJson(other.url, 'POST', '/api/v1/admin/certificates/log/renew', { token: admin });
  expect(renewed.status).toBe(201);
  expect(renewed.body).toMatchObject({ member: null, role: 'log', algorithm: 'sm2', status: 'active' });
  const secondLog = renewed.body.fingerprint as string;
  expect(secondLog).not.toBe(firstLog);
  await t.gw.deps.registry.reached(Number(renewed.headers.get('x-registry-version')));
  expect([t.gw.deps.trust.logCertificate, other.gw.deps.trust.logCertificate]).toEqual([secondLog, secondLog]);
  for (const base of [t.url, other.url]) {
    expect((await logKeys(base)).map((k) => [k.fingerprint, k.status])).toEqual([[secondLog, 'current'], [firstLog, 'previous']]);
    expect((await callJson(base, 'GET', '/api/v1/log/key', { token: auditor })).body.fingerprint).toBe(secondLog);
  }
  const afterLog = await demoCase(t, 'FZ-ZJ-20260302-710002');
  const logBundle = await evidence(afterLog.caseNo);
  expect(logBundle.log.checkpoint.signature.certificate).toBe(secondLog);
  expect(failures(logBundle, [firstRoot])).toEqual([]);
  expect(failures(oldBundle, [firstRoot])).toEqual([]);

  // The root: a new root, its cross certificate from the first, a new log key under the new root.
  t.clock.advance(60_000);
  const root = await t.call('POST', '/api/v1/admin/certificates/root/renew', { token: admin });
  expect(root.status).toBe(201);
  expect(root.body.root).toMatchObject({ role: 'root', member: null, status: 'active', subject: 'xgw Gateway Root CA G2' });
  expect(root.body.cross).toMatchObject({ role: 'intermediate', member: null, subject: 'xgw Gateway Root CA G2' });
  expect(root.body.log).toMatchObject({ role: 'log', status: 'active' });
  const thirdLog = root.body.log.fingerprint as string;
  await other.gw.deps.registry.reached(Number(root.headers.get('x-registry-version')));
  const secondRoot = t.gw.deps.trust.pki.rootCertPem;
  expect(certificateFingerprint(secondRoot)).toBe(root.body.root.fingerprint);
  expect(other.gw.deps.trust.pki.rootCertPem).toBe(secondRoot);
  expect(other.gw.deps.trust.ownRoots()).toEqual([secondRoot, firstRoot]);
  expect((await logKeys(other.url)).map((k) => [k.fingerprint, k.status])).toEqual([[thirdLog, 'current'], [secondLog, 'previous'], [firstLog, 'previous']]);
  const roots = (await t.call('GET', '/api/v1/admin/certificates?role=root', { token: admin })).body.items as { fingerprint: string; status: string }[];
  expect(roots.map((c) => [c.fingerprint, c.status]).sort()).toEqual([[certificateFingerprint(firstRoot), 'superseded'], [root.body.root.fingerprint, 'active']].sort());

  // housing still signs with its certificate from the first root (a trust anchor still), until rotated under the new one.
  const afterRoot = await demoCase(t, 'FZ-ZJ-20260302-710003');
  const rootBundle = await evidence(afterRoot.caseNo);
  expect(rootBundle.log.checkpoint.signature.certificate).toBe(thirdLog);
  expect(rootBundle.trustAnchors.sort()).toEqual([firstRoot, secondRoot].sort());
  expect(rootBundle.certificates[root.body.cross.fingerprint]).toBeDefined();
  expect(failures(rootBundle)).toEqual([]);
  expect(failures(rootBundle, [secondRoot]).map((l) => l.subject)).not.toContain('checkpoint');
  expect(failures(rootBundle, [firstRoot])).toEqual([]); // the auditor who pinned the first root: through the cross certificate
  expect(failures(oldBundle, [firstRoot])).toEqual([]);
  expect(failures(logBundle)).toEqual([]);
  // The console's check (GET /audit/verify) pins the gateway's roots, the current and the previous one.
  for (const c of [before, afterLog, afterRoot]) {
    const checked = await callJson(other.url, 'GET', `/api/v1/audit/verify?caseId=${c.caseNo}`, { token: auditor });
    expect({ caseNo: c.caseNo, ok: checked.body.ok, anchor: checked.body.anchor }).toEqual({ caseNo: c.caseNo, ok: true, anchor: 'pinned' });
  }
  const rotated = await t.call('POST', '/api/v1/admin/members/housing/certificates/rotate', { token: admin });
  expect(rotated.status).toBe(201);
  expect(verifyChain(t.gw.deps.trust.certificatePem(rotated.body.fingerprint)!, [], [secondRoot], t.clock.now()).ok).toBe(true);
  expect(verifyChain(t.gw.deps.trust.certificatePem(rotated.body.fingerprint)!, [], [firstRoot], t.clock.now()).ok).toBe(false);

  // Offline, as their own processes: the bundle exported before both renewals and those after, pinned to the first root.
  for (const [name, b] of [['before', oldBundle], ['after-log', logBundle], ['after-root', rootBundle]] as const) {
    const r = verifyOffline(name, b, firstRoot);
    expect({ name, status: r.status, failed: r.stdout.split('\n').filter((l) => l.includes('✗')) }).toEqual({ name, status: 0, failed: [] });
    expect(r.stdout).toContain('trust anchor: PINNED');
  }

  // openssl: the new log certificate chains to the new root, and to the first root through the cross certificate.
  // OpenSSL 3.0 applies -vfyopt distid:… to the depth-0 signature only (tests/crypto/chain.test.ts), so the
  // path through the cross certificate is checked link by link: first root → cross, cross (the new root's key) → log.
  const at = ['-attime', String(Math.floor(t.clock.now().getTime() / 1000))];
  const files = {
    first: tmp.write('first-root.pem', firstRoot),
    second: tmp.write('second-root.pem', fs.readFileSync(layout.root(dir).cert, 'utf8')),
    cross: tmp.write('cross.pem', t.gw.deps.trust.certificatePem(root.body.cross.fingerprint)!),
    log: tmp.write('log.pem', fs.readFileSync(layout.log(dir).cert, 'utf8')),
  };
  expect(openssl(['verify', ...VFY_DISTID, ...at, '-CAfile', files.second, files.log], tmp.dir).out).toContain(': OK');
  expect(openssl(['verify', ...VFY_DISTID, ...at, '-CAfile', files.first, files.cross], tmp.dir).out).toContain(': OK');
  expect(openssl(['verify', ...VFY_DISTID, ...at, '-partial_chain', '-CAfile', files.cross, files.log], tmp.dir).out).toContain(': OK');
  expect(openssl(['verify', ...VFY_DISTID, ...at, '-CAfile', files.first, files.log], tmp.dir).code).not.toBe(0);

  // A gateway started afterwards on the same database and PKI directory accepts the renewed root as this registry's.
  const store = t.db.url ? openPostgres(t.db.url, { max: 2 }) : t.db.store;
  const third = await createGateway(t.gw.deps.config, { clock: t.clock, store, logDestination: discardLogs(), processMetrics: false, startDelivery: false, startIntegrator: false, startRetention: false });
  expect(third.deps.trust.logCertificate).toBe(thirdLog);
  await third.close();
  if (store !== t.db.store) await store.close();
});

test('renewals are registry changes in the signed log; a PKI without its root key refuses with the catalogue error', async () => {
  const entries = await t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'registry.changed' ORDER BY idx`);
  const changes = entries.rows.map((r) => JSON.parse(r.entry) as { object: string; action: string; key: string }).filter((b) => b.object === 'certificate' && !b.key.startsWith('housing/'));
  expect(changes.map((b) => `${b.action} ${b.key.split('/')[0]}`)).toEqual([
    'issued log',
    'superseded log',
    'issued root',
    'superseded root',
    'issued intermediate',
    'issued log',
    'superseded log',
  ]);
  const key = layout.root(t.gw.deps.trust.pki.dir).key;
  fs.renameSync(key, `${key}.away`);
  try {
    for (const route of ['log', 'root']) {
      const refused = await t.call('POST', `/api/v1/admin/certificates/${route}/renew`, { token: admin });
      expect([refused.status, refused.body.code]).toEqual([409, 'GW_ERR_TRUST_CANNOT_ISSUE']);
      expect(refused.body.detail).toContain('no root CA key');
    }
  } finally {
    fs.renameSync(`${key}.away`, key);
  }
  expect((await t.call('POST', '/api/v1/admin/certificates/log/renew', { token: t.tokens.hall })).status).toBe(403);
});
