import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { buildDist, cliEnvironment, RunningGateways, runXgw, startXgw, stopXgw } from '../support/cli';
import { startPgCluster, type PgCluster } from '../support/pg-cluster';
import { demoTokens, ExchangeLoad, pushCaseRecord, waitForReadyz, type Acknowledged } from '../support/exchange-load';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// Losing the database connection must never end the gateway process. PostgreSQL only (PGlite has
// no connection to lose), so this file always runs against a throwaway cluster of its own — on the
// PGlite pass and on the PostgreSQL pass alike — which it may stop and restart; the shared server
// is never touched. The gateway is the real `xgw start` in a child process, under real client load.
let cluster: PgCluster;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let databaseUrl: string;
let cleanup: () => Promise<void>;
const gateways = new RunningGateways();

beforeAll(async () => {
  buildDist();
  cluster = await startPgCluster();
  const cli = await cliEnvironment('dbloss', { postgres: cluster.url() });
  ({ env, dataDir, cleanup } = cli);
  databaseUrl = cli.databaseUrl!;
  // Checkpoints every 300 ms, so the test sees the integrator resume after an outage.
  const config = path.join(dataDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ trust: { checkpointIntervalMs: 300 }, delivery: { pollIntervalMs: 200 } }));
  env = { ...env, XGW_CONFIG: config, XGW_DEMO: '1' };
}, 180_000);
afterEach(() => gateways.stopAll());
afterAll(async () => {
  await cleanup?.();
  await cluster?.destroy();
});

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Stops the load at once if the gateway process exits; returns how it ended ('still running' while it runs). */
function watchExit(gw: { child: import('node:child_process').ChildProcess; output: () => string }, load: ExchangeLoad): () => string {
  let how = 'still running';
  gw.child.once('exit', (code, signal) => {
    how = `exited (code ${code}, signal ${signal}); its last output:\n${gw.output().slice(-1500)}`;
    load.abort(`the gateway process ${how}`);
  });
  return () => how;
}

/** Every refusal the clients saw was a clean, retryable 503 — never a 500, never a dropped connection. */
function expectOnlyRetryableRefusals(load: ExchangeLoad) {
  const wrong = load.refusals.filter((r) => !(r.status === 503 && r.code === 'GW_ERR_STORE_UNAVAILABLE' && r.retryAfter !== null && Number(r.retryAfter) > 0));
  expect(wrong).toEqual([]);
}

/** Every acknowledged message is stored exactly once, under the id and log index its receipt named; the log is dense. */
async function expectExactlyOnce(acked: Map<string, Acknowledged>) {
  const rows = await sql<{ message_id: string; id: string; idx: number[] }>(
    `SELECT m.message_id, m.id::text AS id,
            ARRAY(SELECT l.idx::int FROM log_entries l WHERE l.message_id = m.id AND l.kind = 'message.received' ORDER BY l.idx) AS idx
     FROM messages m WHERE m.message_id = ANY($1::text[])`,
    [[...acked.keys()]],
  );
  expect(rows).toHaveLength(acked.size);
  for (const r of rows) {
    const a = acked.get(r.message_id)!;
    expect({ messageId: r.message_id, id: r.id, idx: r.idx }).toEqual({ messageId: a.messageId, id: a.id, idx: [a.logIndex] });
  }
  const [log] = await sql<{ n: number; top: number }>('SELECT count(*)::int AS n, coalesce(max(idx), -1)::int AS top FROM log_entries');
  expect(log.n).toBe(log.top + 1);
  const [dupes] = await sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT message_id FROM log_entries WHERE kind = 'message.received' GROUP BY message_id HAVING count(*) > 1) d`,
  );
  expect(dupes.n).toBe(0);
}

/** The log integrator resumed: a signed checkpoint covers every entry (bounded wait). */
async function expectCheckpointCoversLog() {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [r] = await sql<{ n: number; size: number }>('SELECT (SELECT count(*)::int FROM log_entries) AS n, (SELECT coalesce(max(size), 0)::int FROM checkpoints) AS size');
    if (r.size === r.n) return;
    if (Date.now() > deadline) throw new Error(`no checkpoint covers the log: ${r.size} of ${r.n} entries after 60 s`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

test('backends terminated under load: the process lives on, refusals are 503 + Retry-After, nothing lost or duplicated', async () => {
  const gw = gateways.track(await startXgw(env));
  const load = new ExchangeLoad(gw.url, demoTokens(dataDir), 'term');
  const exited = watchExit(gw, load);
  load.start(6);
  let terminated = 0;
  try {
    for (let round = 0; round < 20; round++) {
      await load.progress(4);
      const [r] = await sql<{ n: number }>(
        'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [new URL(databaseUrl).pathname.slice(1)],
      );
      terminated += r.n;
    }
    await load.progress(12); // and it recovers by itself
  } catch (err) {
    expect(exited()).toBe('still running'); // the usual cause: the process died
    throw err;
  } finally {
    await load.stop();
  }
  expect(exited()).toBe('still running');
  expect(terminated).toBeGreaterThan(0);
  expect(load.acknowledged.size).toBeGreaterThanOrEqual(80);
  expectOnlyRetryableRefusals(load);
  await waitForReadyz(gw.url, 200, 10_000);
  await expectExactlyOnce(load.acknowledged);
  await expectCheckpointCoversLog();
  expect(await stopXgw(gw.child)).toBe(0);
}, 300_000);

test('the database stopped and restarted under load: /readyz red, then green within 10 s; nothing lost, nothing duplicated; workers resume', async () => {
  const gw = gateways.track(await startXgw(env));
  const tokens = demoTokens(dataDir);
  const load = new ExchangeLoad(gw.url, tokens, 'restart');
  const exited = watchExit(gw, load);
  load.start(4);
  let greenAfterMs = -1;
  let down = false;
  try {
    await load.progress(10);
    await cluster.stop('fast'); // terminates every backend (57P01), then refuses connections
    down = true;
    await waitForReadyz(gw.url, 503, 30_000);
    await load.refused(4); // clients are refused meanwhile, with 503s
    await cluster.start();
    down = false;
    greenAfterMs = await waitForReadyz(gw.url, 200, 10_000);
    await load.progress(12);
  } catch (err) {
    expect(exited()).toBe('still running'); // the usual cause: the process died
    throw err;
  } finally {
    if (down) await cluster.start();
    await load.stop();
  }
  expect(exited()).toBe('still running');
  expect(greenAfterMs).toBeGreaterThanOrEqual(0);
  expect(greenAfterMs).toBeLessThan(10_000);
  expect(load.refusals.length).toBeGreaterThanOrEqual(4);
  expectOnlyRetryableRefusals(load);
  await expectExactlyOnce(load.acknowledged);

  // The outbox worker survived the outage: a push delivery to 税务 (SOAP mock) after it is delivered.
  const hall = { authorization: `Bearer ${tokens.hall}`, 'content-type': 'application/json' };
  const example = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/examples/case-record.example.json'), 'utf8'));
  const toTax = await fetch(`${gw.url}/api/v1/messages`, {
    method: 'POST',
    headers: hall,
    body: JSON.stringify({ to: 'tax', type: 'case-record', messageId: 'after-outage-tax', caseId: example.caseNo, purpose: 'case-handling', payload: example }),
  });
  expect(toTax.status).toBe(202);
  const taxId = ((await toTax.json()) as { id: string }).id;
  let status = '';
  for (const deadline = Date.now() + 60_000; status !== 'delivered' && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 250));
    status = ((await (await fetch(`${gw.url}/api/v1/messages/${taxId}`, { headers: hall })).json()) as { status: string }).status;
  }
  expect(status).toBe('delivered');
  await expectCheckpointCoversLog();

  // A retry of an acknowledged push after the outage answers the same receipt.
  const [sample] = [...load.acknowledged.values()];
  const again = await pushCaseRecord(gw.url, tokens.hall, sample!.messageId);
  expect(again.status).toBe(200);
  expect({ id: again.body.id, logIndex: again.body.log.index }).toEqual({ id: sample!.id, logIndex: sample!.logIndex });

  expect(await stopXgw(gw.child)).toBe(0);
  const verified = runXgw(['verify', 'log'], env);
  expect(verified.stderr).toBe('');
  expect(verified.status).toBe(0);
}, 300_000);
