import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { buildConfig, type GatewayConfig } from '../../gateway/config';
import { createGateway, type Gateway } from '../../gateway/gateway';
import { ManualClock } from '../../gateway/clock';
import type { Store } from '../../gateway/store/db';
import { migrate } from '../../gateway/store/migrate';
import { upsertMember, type Member } from '../../gateway/registry/members';
import { upsertAgreement, type Agreement } from '../../gateway/registry/agreements';
import { createSystemToken, ensureSystem } from '../../gateway/registry/systems';
import { upsertUser, type Role } from '../../gateway/registry/users';
import { demoMembers, demoAgreements, unreachableDemoAgencies } from '../../gateway/registry/demo';
import { createTestDatabase, type TestDatabase } from './db';
import { seedPkiDir, testTemplate } from './template';

export interface TestGateway {
  gw: Gateway;
  url: string;
  db: TestDatabase;
  clock: ManualClock;
  /** Bearer token per member code (system "default"). */
  tokens: Record<string, string>;
  /** Captured log lines (JSON objects). */
  logs: Record<string, unknown>[];
  /** fetch against the gateway with JSON handling. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  /** Restart the gateway process-equivalent on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The demo members' codes exactly (their settings may differ): the template's registry fits after an upsert. */
const sameDemoMembers = (members?: Member[]) =>
  !members || (members.length === demoMembers.length && demoMembers.every((d) => members.some((m) => m.code === d.code)));
/** Every demo agreement (the same objects) plus any others. */
const extendsDemoAgreements = (agreements?: Agreement[]) => !agreements || demoAgreements.every((d) => agreements.includes(d));

/** A log destination that keeps test output quiet (for extra gateways a test starts itself). */
export const discardLogs = () => new Writable({ write: (_chunk, _enc, cb) => cb() });

export const TEST_PASSWORD = 'correct horse battery';

/** The unreachable agency config of the members that are SOAP agencies here. */
const agencyConfigFor = (members: Member[]) =>
  Object.fromEntries(Object.entries(unreachableDemoAgencies).filter(([code]) => members.some((m) => m.code === code && m.adapter.endsWith('-soap'))));

/** Registry data the tests rely on: the demo members/agreements (pull mode) plus users. */
export async function seedTestRegistry(store: Store, clock: ManualClock, members: Member[] = demoMembers, agreements: Agreement[] = demoAgreements) {
  await migrate(store);
  const tokens: Record<string, string> = {};
  for (const m of members) {
    await upsertMember(store, m);
    await ensureSystem(store, m.code, 'default', `${m.name} system`);
    tokens[m.code] = (await createSystemToken(store, clock, m.code, 'default', 'test')).token;
  }
  for (const a of agreements) await upsertAgreement(store, a);
  const roles: Role[] = ['clerk', 'signer', 'auditor', 'supervisor', 'admin'];
  for (const role of roles) await upsertUser(store, { login: `t.${role}`, name: role, role, department: 'hall', password: TEST_PASSWORD });
  return tokens;
}

export async function startTestGateway(
  opts: {
    config?: Record<string, unknown>;
    members?: Member[];
    agreements?: Agreement[];
    dir?: string;
    random?: () => number;
    /** Fault injection: the gateway gets this wrapper of the real store (the test's own queries use the real one). */
    wrapStore?: (store: Store) => Store;
    /** Another PostgreSQL server for the test database (e.g. a throwaway cluster, tests/support/pg-cluster.ts). */
    postgres?: string;
    /** The gateway's clock (e.g. shared with mock agencies that check token times against it). */
    clock?: ManualClock;
  } = {},
): Promise<TestGateway> {
  // The default registry starts from the run's seeded template (tests/support/global-setup.ts).
  const template = testTemplate();
  // Also when the members are the demo members with other settings (e.g. push delivery for the
  // agencies) and the agreements extend the demo's: those rows are upserted over the copy, which
  // ends in the same registry as seeding it afresh.
  // A PGlite directory too, when it is new (one already holding a database is seeded over, as before).
  const newDir = !opts.dir || !fs.existsSync(path.join(opts.dir, 'PG_VERSION'));
  const seeded = template && newDir && !opts.postgres && sameDemoMembers(opts.members) && extendsDemoAgreements(opts.agreements) ? template : null;
  const db = await createTestDatabase({ dir: opts.dir, base: opts.postgres, template: seeded });
  const clock = opts.clock ?? new ManualClock();
  let tokens: Record<string, string>;
  if (seeded) {
    tokens = { ...seeded.tokens };
    for (const m of opts.members ?? []) await upsertMember(db.store, m);
    for (const a of opts.agreements ?? []) if (!demoAgreements.includes(a)) await upsertAgreement(db.store, a);
  } else tokens = await seedTestRegistry(db.store, clock, opts.members, opts.agreements);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-pki-'));
  const trustOverrides = opts.config?.trust as { pkiDir?: string; logKeyAlg?: string } | undefined;
  if (template && !trustOverrides?.pkiDir) seedPkiDir(template, pkiDir, opts.members ?? demoMembers, trustOverrides?.logKeyAlg);
  // A config the gateway refuses at start (what some tests check): the test's database goes with it.
  const refused = async (err: unknown): Promise<never> => {
    await db.drop().catch(() => undefined);
    throw err;
  };
  let config: Readonly<GatewayConfig>;
  try {
    config = buildConfig({
      demo: false,
      logLevel: 'info',
      host: '127.0.0.1',
      port: 0,
      ...opts.config,
      trust: { pkiDir, ...(opts.config?.trust as object | undefined) },
      // 电子监察 runs when a test asks (runOnce(), or this config): a schedule would add notices to inboxes other tests count.
      supervision: { enabled: false, ...(opts.config?.supervision as object | undefined) },
      // The vertical agencies' adapters need an endpoint; tests that talk to them start mock agencies and override it.
      adapters: { ...agencyConfigFor(opts.members ?? demoMembers), ...(opts.config?.adapters as object | undefined) },
    });
  } catch (err) {
    return refused(err);
  }
  const make = (store: Store) =>
    createGateway(config, { clock, store: opts.wrapStore ? opts.wrapStore(store) : store, logDestination: sink, processMetrics: false, startDelivery: false, startIntegrator: false, random: opts.random ?? (() => 0.5) });
  let gw = await make(db.store).catch(refused);
  let url = await gw.listen(0);
  const t: TestGateway = {
    get gw() {
      return gw;
    },
    get url() {
      return url;
    },
    db,
    clock,
    tokens,
    logs,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async restart() {
      await gw.close();
      const store = await db.reopen();
      gw = await make(store);
      url = await gw.listen(0);
    },
    async close() {
      await gw.close();
      await db.drop();
      fs.rmSync(pkiDir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * A second gateway process's twin in this one: its own pool on the test's database (PGlite: the same store),
 * no delivery worker, no integrator; a change reaches it by NOTIFY (or version polling) only.
 */
export async function startSecondGateway(t: TestGateway): Promise<{ gw: Gateway; url: string; close(): Promise<void> }> {
  const { openPostgres } = await import('../../gateway/store/postgres');
  const store = t.db.url ? openPostgres(t.db.url, { max: 4 }) : t.db.store;
  const gw = await createGateway(t.gw.deps.config, { clock: t.clock, store, logDestination: discardLogs(), processMetrics: false, startDelivery: false, startIntegrator: false });
  const url = await gw.listen(0);
  return { gw, url, close: async () => (await gw.close(), store !== t.db.store ? await store.close() : undefined) };
}
