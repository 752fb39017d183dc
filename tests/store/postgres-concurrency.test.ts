import { createTestDatabase } from '../support/db';
import { postgresServer } from '../support/pg-cluster';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/receiver';
import { sampleCaseRecord } from '../fixtures/case-record';
import { demoMembers } from '../../gateway/registry/demo';
import { migrate } from '../../gateway/store/migrate';
import { migrations } from '../../gateway/store/migrations';
import { openPostgres } from '../../gateway/store/postgres';
import { DeliveryWorker } from '../../gateway/delivery/worker';
import type { Store } from '../../gateway/store/db';

// Concurrency that only exists on PostgreSQL: several processes (each its own connection pool) on one
// database. PGlite is one connection owned by one process, where these tests would prove nothing, so
// this file always runs on PostgreSQL: DATABASE_URL on the PostgreSQL pass, otherwise a throwaway
// cluster of its own (initdb; a clear failure when PostgreSQL is not installed).
let server: Awaited<ReturnType<typeof postgresServer>>;
beforeAll(async () => {
  server = await postgresServer();
}, 120_000);
afterAll(() => server?.close());

test('several processes migrating one fresh database at once apply each version exactly once', async () => {
  const fresh = await createTestDatabase({ base: server.base });
  await fresh.store.close();
  const stores = Array.from({ length: 4 }, () => openPostgres(fresh.url!, { max: 1 }));
  try {
    const applied = await Promise.all(stores.map((s) => migrate(s)));
    expect(applied.flat().sort((a, b) => a - b)).toEqual(migrations.map((m) => m.version));
    const r = await stores[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(r.rows.map((x) => Number(x.version))).toEqual(migrations.map((m) => m.version));
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await fresh.drop();
  }
}, 60_000);

describe('the outbox shared by several processes', () => {
  let t: TestGateway;
  let rx: Receiver;
  const pools: Store[] = [];
  beforeAll(async () => {
    rx = await startReceiver();
    const members = demoMembers.map((m) => (m.code === 'housing' ? { ...m, deliveryMode: 'push' as const, webhookUrl: rx.url } : m));
    // One receiver: no per-receiver cap, so the three workers really share its jobs.
    t = await startTestGateway({ members, postgres: server.base, config: { delivery: { requestTimeoutMs: 5000, concurrency: 4, perReceiverConcurrency: 64 } } });
  }, 120_000);
  afterAll(async () => {
    for (const p of pools) await p.close();
    await t?.close();
    await rx?.close();
  });

  test('three workers on three connection pools claim at once and never deliver the same job twice', async () => {
    expect(t.gw.deps.store.kind).toBe('postgres');
    rx.reply = () => ({ delayMs: 20 }); // slow enough that the claims overlap
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const record = sampleCaseRecord();
      const res = await t.call('POST', '/api/v1/messages', {
        token: t.tokens.hall,
        body: { to: 'housing', type: 'case-record', messageId: `pgc-${i}`, caseId: record.caseNo, purpose: 'case-handling', payload: record },
      });
      expect(res.status).toBe(202);
      ids.add(res.body.id);
    }
    const d = t.gw.deps;
    const worker = (concurrency: number) => {
      const store = openPostgres(t.db.url!, { max: 3 });
      pools.push(store);
      return new DeliveryWorker(store, d.adapters, t.clock, { ...d.config.delivery, concurrency }, d.log, d.config.trust.logHashAlg, undefined, () => 0.5);
    };
    const [a, b, c] = [worker(4), worker(3), worker(2)];
    const counts = await Promise.all([a.runOnce(), b.runOnce(), c.runOnce(), b.runOnce()]);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(30);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1); // the work really was shared
    const perId = new Map<string, number>();
    for (const h of rx.hits) perId.set(h.body.id, (perId.get(h.body.id) ?? 0) + 1);
    expect(new Set(perId.keys())).toEqual(ids);
    expect([...perId.values()].filter((n) => n !== 1)).toEqual([]);
    const r = await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered' AND attempts = 1 AND message_id = ANY($1::uuid[])`, [[...ids]]);
    expect(r.rows[0]!.n).toBe(30);
    expect(await Promise.all([a.runOnce(), b.runOnce(), c.runOnce()])).toEqual([0, 0, 0]);
  }, 120_000);
});
