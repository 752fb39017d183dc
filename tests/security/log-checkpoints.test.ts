import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { verifyStoredLog, type LogAuditReport } from '../../gateway/log/audit-log';
import { verifyCheckpoint } from '../../gateway/log/checkpoint';
import { consistencyProofNodes, nodesToFetch } from '../../gateway/merkle/tree';
import { buildConfig } from '../../gateway/config';

// Defect class: the sequence of signed checkpoints could lose a row unnoticed, and the
// entries after the last checkpoint were checked against no signature without saying so.
// A real gateway writes the log and signs checkpoints; each case tampers with the stored
// rows, checks what `xgw verify log` (verifyStoredLog) reports, and undoes the change.
let t: TestGateway;
let sizes: number[];
let pushed = 0;

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.db.store.query<T>(sql, params).then((r) => r.rows);
const verify = (o: Parameters<typeof verifyStoredLog>[1] = {}) => verifyStoredLog(t.db.store, o);
const chainProblems = (r: LogAuditReport) => r.problems.filter((p) => p.check === 'chain');

async function push(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const payload = sampleCaseRecord() as unknown as Record<string, unknown>;
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: `cp-${++pushed}`, caseId: payload.caseNo, purpose: 'case-handling', payload },
    });
    expect(res.status).toBe(202);
  }
}

/** Deletes the checkpoint row at `size` for the duration of `fn`, then puts it back. */
async function withoutCheckpoint(size: number, fn: () => Promise<void>): Promise<void> {
  const [row] = await q('SELECT * FROM checkpoints WHERE size = $1', [size]);
  await q('DELETE FROM checkpoints WHERE size = $1', [size]);
  try {
    await fn();
  } finally {
    await q('INSERT INTO checkpoints (size, alg, root, at, body, sig_alg, signature, key_fingerprint) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)', [
      row!.size, row!.alg, row!.root, row!.at, row!.body, row!.sig_alg, row!.signature, row!.key_fingerprint,
    ]);
  }
}

beforeAll(async () => {
  t = await startTestGateway();
  for (let k = 0; k < 5; k++) {
    await push(3 + k);
    expect(await t.gw.deps.integrator.runOnce(true)).not.toBeNull();
  }
  sizes = (await q<{ size: number }>('SELECT size FROM checkpoints ORDER BY size')).map((r) => Number(r.size));
}, 90_000);
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  expect((await verify()).problems).toEqual([]); // every case undoes its tampering
});

test('each signed checkpoint is numbered and names the one before it; the API serves the signed bodies', async () => {
  const r = await t.call('GET', '/api/v1/log/checkpoints', { token: t.tokens.hall });
  expect(r.status).toBe(200);
  const cert = (await t.call('GET', '/api/v1/log/key', { token: t.tokens.hall })).body.certificate;
  const bodies = r.body.items.map((cp: { body: string; signature: never }) => verifyCheckpoint(cp, cert));
  expect(bodies.map((b: { v: number; seq: number; prev: number; size: number }) => [b.v, b.seq, b.prev, b.size])).toEqual(
    sizes.map((size, i) => [2, i + 1, i ? sizes[i - 1] : 0, size]),
  );
  const report = await verify();
  expect(report.checks.find((c) => c.name === 'chain')).toMatchObject({ checked: sizes.length, failed: 0, ok: true });
  expect(report.unsigned).toEqual({ entries: 0, afterSize: sizes.at(-1) });
});

test('a checkpoint row deleted in the database is a gap in the sequence, named by its number and size', async () => {
  const [, second, third] = sizes;
  await withoutCheckpoint(second!, async () => {
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(chainProblems(r)).toEqual([
      { check: 'chain', checkpoint: third, message: `checkpoint at size ${third} is #3 but follows #1 at size ${sizes[0]}: checkpoint #2 is missing (the last of them was at size ${second})` },
    ]);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['chain']);
    // resuming from a checkpoint before the gap sees it too
    expect(chainProblems(await verify({ fromCheckpoint: sizes[0] }))).toHaveLength(1);
  });
  // the very first one: the log must start at #1
  await withoutCheckpoint(sizes[0]!, async () => {
    expect(chainProblems(await verify())).toEqual([
      { check: 'chain', checkpoint: sizes[1], message: `checkpoint at size ${sizes[1]} is #2 but follows the start of the log: checkpoint #1 is missing (the last of them was at size ${sizes[0]})` },
    ]);
  });
});

test('consecutive checkpoints are checked with the consistency proof built from log_nodes, also with --nodes none', async () => {
  const [from, to] = [sizes[2]!, sizes[3]!];
  const node = nodesToFetch(consistencyProofNodes(from, to)).find((n) => n.level > 0)!;
  const [{ hash }] = await q<{ hash: Uint8Array }>('SELECT hash FROM log_nodes WHERE level = $1 AND idx = $2', [node.level, node.index]);
  await q(`UPDATE log_nodes SET hash = decode(repeat('cd', 32), 'hex') WHERE level = $1 AND idx = $2`, [node.level, node.index]);
  try {
    // without comparing stored nodes, only the proofs an outside auditor would be served reveal the damage
    const r = await verify({ nodes: 'none' });
    expect(r.ok).toBe(false);
    expect(chainProblems(r)).toContainEqual({
      check: 'chain',
      checkpoint: to,
      message: `checkpoint at size ${to}: the consistency proof from size ${from} to ${to} built from log_nodes does not verify against the signed roots`,
    });
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['chain']);
  } finally {
    await q('UPDATE log_nodes SET hash = $3 WHERE level = $1 AND idx = $2', [node.level, node.index, hash]);
  }
});

test('the unsigned tail: entries after the last verified checkpoint are counted; deleting the last checkpoint grows it', async () => {
  await push(2); // integrated below, but no checkpoint is due (1000 entries / 5 s on a clock that does not move)
  expect(await t.gw.deps.integrator.runOnce()).toBeNull();
  const total = Number((await q<{ n: number }>('SELECT count(*)::int AS n FROM log_entries'))[0]!.n);
  const last = sizes.at(-1)!;
  expect(total).toBeGreaterThan(last);
  const r = await verify();
  expect(r.ok).toBe(true);
  expect(r.unsigned).toEqual({ entries: total - last, afterSize: last });
  await withoutCheckpoint(last, async () => {
    expect((await verify()).unsigned).toEqual({ entries: total - sizes.at(-2)!, afterSize: sizes.at(-2) });
  });
  // while entries arrive, a checkpoint is due once the interval has passed
  t.clock.advance(t.gw.deps.config.trust.checkpointIntervalMs);
  const cp = await t.gw.deps.integrator.runOnce();
  expect(cp).not.toBeNull();
  expect(JSON.parse(cp!.body)).toMatchObject({ seq: sizes.length + 1, prev: last, size: total });
  expect((await verify()).unsigned).toEqual({ entries: 0, afterSize: total });
  sizes.push(total);
});

test('a checkpoint is signed at shutdown: a clean stop leaves no unsigned tail', async () => {
  await push(2);
  await t.gw.deps.integrator.runOnce();
  expect((await verify()).unsigned.entries).toBeGreaterThan(0);
  await t.gw.deps.integrator.stop(); // what gateway close() does after draining the writer
  const r = await verify();
  expect(r.unsigned).toEqual({ entries: 0, afterSize: r.logSize });
  expect(r.checks.find((c) => c.name === 'chain')).toMatchObject({ checked: sizes.length + 1, ok: true });
});

test('the checkpoint interval is bounded: at most 60 s while entries arrive, 5 s by default', () => {
  expect(buildConfig({}).trust.checkpointIntervalMs).toBe(5000);
  expect(() => buildConfig({ trust: { checkpointIntervalMs: 3_600_000 } })).toThrow(/checkpointIntervalMs/);
});
