/**
 * `xgw retention run` (a real process on the configured database): with only
 * XGW_RETENTION_CALL_DAYS set it prunes service-call bodies older than that, says how many
 * and which log entry records them; `xgw verify log` passes afterwards; with nothing set it
 * says retention is off and touches nothing.
 */
import { openStore } from '../../gateway/store/open';
import { migrate } from '../../gateway/store/migrate';
import { ManualClock } from '../../gateway/clock';
import { newId } from '../../gateway/ids';
import { ensureLogHead } from '../../gateway/log/store';
import { seedTestRegistry } from '../support/gateway';
import { runXgw, useCliEnvironment } from '../support/cli';

jest.setTimeout(180_000);
const DAY = 86_400_000;

const cli = useCliEnvironment('retention');
const open = () => openStore({ databaseUrl: cli.env.DATABASE_URL || undefined, dataDir: cli.dataDir });

test('prunes service-call bodies older than XGW_RETENTION_CALL_DAYS with a signed entry; off when nothing is set; the log verifies', async () => {
  const store = await open();
  await migrate(store);
  await seedTestRegistry(store, new ManualClock());
  await ensureLogHead(store, 'sha256'); // as a gateway's first start does
  const call = (daysAgo: number) => {
    const id = newId();
    return store
      .query(
        `INSERT INTO service_calls (id, caller, caller_system, provider, service, purpose, case_id, request, response, outcome, native_request, native_response, started_at, duration_ms)
         VALUES ($1, 'hall', 'default', 'amr', 'query-enterprise', 'case-handling', 'JZ-RET-CLI-1', '{"uscc":"91350100273896412W"}', '{"status":"active"}', 'ok', '<q/>', '<a/>', $2, 12)`,
        [id, new Date(Date.now() - daysAgo * DAY)],
      )
      .then(() => id);
  };
  const old = await call(40);
  const young = await call(5);
  await store.close();

  const off = runXgw(['retention', 'run'], cli.env);
  expect([off.status, off.stdout]).toEqual([0, expect.stringMatching(/^retention is off/)]);

  const env = { ...cli.env, XGW_RETENTION_CALL_DAYS: '30', XGW_RETENTION_MODE: 'drop' };
  const r = runXgw(['retention', 'run'], env);
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toMatch(/^1 service call older than 30 day\(s\): bodies dropped\nlog entries \d+\n$/);

  const after = await open();
  const rows = (await after.query<{ id: string; request: unknown; retention: { mode: string } | null }>('SELECT id, request, retention FROM service_calls')).rows;
  expect(new Map(rows.map((x) => [x.id, x.retention?.mode ?? null]))).toEqual(new Map([[old, 'drop'], [young, null]]));
  const entries = (await after.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'retention.pruned'`)).rows.map((e) => JSON.parse(e.entry));
  expect(entries).toEqual([expect.objectContaining({ records: 'service-calls', mode: 'drop', count: 1 })]);
  await after.close();

  const verify = runXgw(['verify', 'log', '--no-progress'], cli.env);
  expect([verify.status, verify.stdout]).toEqual([0, expect.stringContaining('OK: the exchange log verifies')]);
});
