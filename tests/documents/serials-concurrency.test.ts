/**
 * 登记 from two gateway processes on one PostgreSQL database at once: every document
 * gets a 发文字号, the serials are 1…n with no gap and no duplicate. PostgreSQL only
 * (two PGlite gateways cannot share a data directory): DATABASE_URL on the PostgreSQL
 * pass, else a throwaway cluster of its own. The PGlite pass checks the serial sequence
 * itself in lists-and-serials.test.ts.
 */
import { ManualClock } from '../../gateway/clock';
import { buildConfig } from '../../gateway/config';
import { createGateway, type Gateway } from '../../gateway/gateway';
import { openPostgres } from '../../gateway/store/postgres';
import type { Store } from '../../gateway/store/db';
import { postgresServer } from '../support/pg-cluster';
import { discardLogs, startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';

jest.setTimeout(240_000);

let server: Awaited<ReturnType<typeof postgresServer>>;
let t: TestGateway;
let second: Gateway;
let secondUrl: string;
let store: Store;
let tok: Record<string, string>;
beforeAll(async () => {
  server = await postgresServer();
  t = await startTestGateway({ postgres: server.base });
  tok = await documentPeople(t);
  store = openPostgres(t.db.url!, { max: 4 });
  second = await createGateway(buildConfig({ ...t.gw.deps.config, port: 0 } as never), { clock: new ManualClock(), store, logDestination: discardLogs(), startDelivery: false, startIntegrator: false });
  secondUrl = await second.listen(0);
});
afterAll(async () => {
  await second?.close();
  await store?.close();
  await t?.close();
  await server?.close();
});

test('concurrent 登记 on two gateways: serials 1…n, dense and unique; each in its own transaction with its step', async () => {
  const n = 24;
  const clerk = as(t, tok['housing.clerk']);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = await clerk.post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } });
    await clerk.post(`/api/v1/documents/${d.body.id}/review`);
    await as(t, tok['housing.signer']).post(`/api/v1/documents/${d.body.id}/sign-off`);
    ids.push(d.body.id);
  }
  const register = (base: string, id: string) =>
    fetch(`${base}/api/v1/documents/${id}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok['housing.clerk']}` },
      body: JSON.stringify({ agencyCode: '江住建' }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { documentNumber: string; document: { documentNumber: { serial: number } } } }));
  const answers = await Promise.all(ids.map((id, i) => register(i % 2 ? t.url : secondUrl, id)));
  expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
  const serials = answers.map((a) => a.body.document.documentNumber.serial).sort((a, b) => a - b);
  expect(serials).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  const rows = await t.db.store.query<{ n: number; distinct: number; max: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT doc_serial)::int AS distinct, max(doc_serial) AS max FROM documents WHERE agency_code = '江住建' AND doc_year = 2026`,
  );
  expect(rows.rows[0]).toEqual({ n, distinct: n, max: n });
  const next = await t.db.store.query<{ next: number }>(`SELECT next FROM document_serials WHERE agency_code = '江住建' AND year = 2026`);
  expect(next.rows[0]!.next).toBe(n + 1);
  // every 登记 has its event and its log entry, at distinct log indices
  const events = await t.db.store.query<{ n: number; idx: number }>(`SELECT count(*)::int AS n, count(DISTINCT log_idx)::int AS idx FROM document_events WHERE step = 'registered'`);
  expect(events.rows[0]).toEqual({ n, idx: n });
});
