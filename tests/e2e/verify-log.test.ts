import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDist, runXgw } from '../support/cli';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import type { Store } from '../../gateway/store/db';
import { progress } from '../../gateway/cli/progress';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// The real `xgw verify log` / `xgw verify consistency` in a child process, against the
// database a test gateway wrote: a PGlite data directory by default, the PostgreSQL
// test database with DATABASE_URL.
let dataDir: string;
let t: TestGateway;
let env: NodeJS.ProcessEnv;
let sizes: number[];
const pglite = !process.env.DATABASE_URL;

/** Runs SQL on the gateway's database (PGlite: one process at a time, so open, run, close). */
async function withDb<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  if (!pglite) return fn(t.db.store);
  const store = await t.db.reopen();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  buildDist();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-e2e-verify-'));
  t = await startTestGateway(pglite ? { dir: path.join(dataDir, 'pgdata') } : {});
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const payload = sampleCaseRecord() as unknown as Record<string, unknown>;
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: `e2e-verify-${i}`, caseId: payload.caseNo, purpose: 'case-handling', payload },
    });
    expect(res.status).toBe(202);
    ids.push(res.body.id);
    if (i % 4 === 3) await t.gw.deps.integrator.runOnce(true);
  }
  await t.call('GET', '/api/v1/inbox?limit=100', { token: t.tokens.housing });
  for (const id of ids.slice(0, 5)) await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
  await t.gw.deps.integrator.runOnce(true);
  sizes = (await t.db.store.query<{ size: number }>('SELECT size FROM checkpoints ORDER BY size')).rows.map((r) => Number(r.size));
  await t.gw.close();
  if (pglite) await t.db.store.close(); // the CLI opens the directory itself
  env = { XGW_DATA_DIR: dataDir, XGW_CONFIG: '', XGW_LOG_LEVEL: 'warn', DATABASE_URL: t.db.url ?? '' };
}, 180_000);

afterAll(async () => {
  if (pglite) await t.db.reopen(); // t.close() closes the store it holds
  await t.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a clean log verifies: exit 0, every check ok; --json and --from-checkpoint agree', () => {
  expect(sizes.length).toBeGreaterThanOrEqual(4);
  const r = runXgw(['verify', 'log'], env);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^ {2}ok {4}entries +\d+ checked/m);
  expect(r.stdout).toMatch(new RegExp(`^ {2}ok {4}checkpoints +${sizes.length} checked`, 'm'));
  expect(r.stdout).toContain(`OK: the exchange log verifies (${sizes.at(-1)} entries, ${sizes.length} checkpoints)`);

  const json = runXgw(['verify', 'log', '--json', '--nodes', 'sample'], env);
  expect(json.status).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, entries: sizes.at(-1), problems: [] });

  const resumed = runXgw(['verify', 'log', '--from-checkpoint', String(sizes[1])], env);
  expect(resumed.status).toBe(0);
  expect(resumed.stdout).toContain(`checked from index ${sizes[1]}`);
});

test('verify consistency between two saved checkpoints; an unknown size is a clear error', () => {
  const r = runXgw(['verify', 'consistency', '--from', String(sizes[0]), '--to', String(sizes.at(-1))], env);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^OK: checkpoint ${sizes[0]} → ${sizes.at(-1)} \\(sha256\\): both signatures verify`));
  const missing = runXgw(['verify', 'consistency', '--from', String(sizes[0]! + 1), '--to', String(sizes.at(-1))], env);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain(`there is no checkpoint at size ${sizes[0]! + 1}`);
  expect(runXgw(['verify', 'consistency', '--from', '0', '--to', '3'], env).status).toBe(1);
});

test('a tampered entry: exit 1 with the bad index; a swapped signature: exit 1 naming the checkpoint', async () => {
  const k = sizes[1]! + 2;
  const original = await withDb(async (s) => {
    const [row] = (await s.query<{ entry: string }>('SELECT entry FROM log_entries WHERE idx = $1', [k])).rows;
    await s.query(`UPDATE log_entries SET entry = replace(entry, '"v":1', '"v":7') WHERE idx = $1`, [k]);
    return row!.entry;
  });
  try {
    const r = runXgw(['verify', 'log'], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}FAIL {2}entries +\d+ checked, 1 failed/m);
    expect(r.stdout).toContain(`FAILED: first bad index ${k} — entry ${k}: stored text does not hash to its leaf hash`);
    expect(JSON.parse(runXgw(['verify', 'log', '--json'], env).stdout).firstBad).toMatchObject({ index: k });
  } finally {
    await withDb((s) => s.query('UPDATE log_entries SET entry = $2 WHERE idx = $1', [k, original]));
  }

  const c = sizes[2]!;
  const signature = await withDb(async (s) => {
    const [row] = (await s.query<{ signature: string }>('SELECT signature FROM checkpoints WHERE size = $1', [c])).rows;
    await s.query('UPDATE checkpoints SET signature = (SELECT signature FROM checkpoints WHERE size = $2) WHERE size = $1', [c, sizes[0]]);
    return row!.signature;
  });
  try {
    const r = runXgw(['verify', 'log'], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`FAILED: checkpoint at size ${c} — checkpoint at size ${c}: signature does not verify`);
    const cons = runXgw(['verify', 'consistency', '--from', String(sizes[1]), '--to', String(c)], env);
    expect(cons.status).toBe(1);
    expect(cons.stdout).toContain(`checkpoint at size ${c}: signature does not verify`);
  } finally {
    await withDb((s) => s.query('UPDATE checkpoints SET signature = $2 WHERE size = $1', [c, signature]));
  }
  expect(runXgw(['verify', 'log'], env).status).toBe(0);
}, 180_000);

/** Deletes the checkpoint row at `size` while `fn` runs the CLI, then puts it back. */
async function withoutCheckpoint(size: number, fn: () => void): Promise<void> {
  const row = await withDb(async (s) => {
    const [r] = (await s.query('SELECT * FROM checkpoints WHERE size = $1', [size])).rows;
    await s.query('DELETE FROM checkpoints WHERE size = $1', [size]);
    return r as Record<string, unknown>;
  });
  try {
    fn();
  } finally {
    const columns = ['size', 'alg', 'root', 'at', 'body', 'sig_alg', 'signature', 'key_fingerprint'];
    await withDb((s) => s.query(`INSERT INTO checkpoints (${columns.join(', ')}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, columns.map((c) => row[c])));
  }
}

test('a deleted checkpoint row: exit 1 naming the gap in the checkpoint sequence; the unsigned tail is reported', async () => {
  expect(runXgw(['verify', 'log'], env).stdout).toContain('unsigned tail: none, every entry is covered by a verified checkpoint signature');
  const [c, last] = [sizes[1]!, sizes.at(-1)!];
  await withoutCheckpoint(c, () => {
    const r = runXgw(['verify', 'log'], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^ {2}FAIL {2}chain +${sizes.length - 1} checked, 1 failed`, 'm'));
    expect(r.stdout).toContain(`FAILED: checkpoint at size ${sizes[2]} — checkpoint at size ${sizes[2]} is #3 but follows #1 at size ${sizes[0]}: checkpoint #2 is missing`);
  });
  // the last checkpoint gone: nothing in the database shows it, but the entries it signed are now an unsigned tail
  await withoutCheckpoint(last, () => {
    const r = runXgw(['verify', 'log'], env);
    expect(r.stdout).toContain(`unsigned tail: ${last - sizes.at(-2)!} entries after the last verified checkpoint (size ${sizes.at(-2)}), checked against no signature`);
    expect(JSON.parse(runXgw(['verify', 'log', '--json'], env).stdout).unsigned).toEqual({ entries: last - sizes.at(-2)!, afterSize: sizes.at(-2) });
  });
  expect(runXgw(['verify', 'log'], env).status).toBe(0);
}, 180_000);

test('progress: a redrawn bar on a terminal, plain periodic lines otherwise', () => {
  const sink = (tty: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY: tty, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream };
  };
  const tty = sink(true);
  const bar = progress('verify log', { stream: tty.stream });
  bar.update(50, 200);
  bar.finish();
  expect(tty.out.at(-1)).toMatch(/^\r\x1b\[2Kverify log \[#{7}\.{21}\] {2}25% 50\/200 entries, [\d,]+\/s\n$/);

  const plain = sink(false);
  const lines = progress('verify log', { stream: plain.stream, intervalMs: 0 });
  for (const done of [0, 100, 200]) lines.update(done, 200);
  lines.finish();
  expect(plain.out.every((l) => !l.includes('\r') && l.endsWith('\n'))).toBe(true);
  expect(plain.out.map((l) => l.split(' (')[0])).toEqual(['verify log: 50%', 'verify log: 100%']);
});
