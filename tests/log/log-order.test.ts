import { ManualClock } from '../../gateway/clock';
import { buildConfig } from '../../gateway/config';
import { createGateway } from '../../gateway/gateway';
import { openPostgres } from '../../gateway/store/postgres';
import { rootFromLeaves, verifyInclusion } from '../../gateway/merkle/verify';
import { leafHash } from '../../gateway/merkle/hash';
import { discardLogs, startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { verifyStoredLog } from '../../gateway/log/audit-log';

// An SM3 log, written by two gateway instances at once: one total order, one tree.
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ config: { trust: { logHashAlg: 'sm3' } } });
});
afterAll(async () => {
  await t?.close();
});

test('two gateway processes writing one SM3 log concurrently produce dense indices and one verifiable tree', async () => {
  // A second instance on the same database: its own connection pool on PostgreSQL; on PGlite (one process owns it) the same store.
  const store = t.db.url ? openPostgres(t.db.url, { max: 4 }) : t.db.store;
  const second = await createGateway(buildConfig({ ...t.gw.deps.config, port: 0 } as never), {
    clock: new ManualClock(),
    store,
    logDestination: discardLogs(),
    startDelivery: false,
    startIntegrator: false,
  });
  const url2 = await second.listen(0);
  try {
    const push = (base: string, i: number) =>
      fetch(`${base}/api/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${i % 2 ? t.tokens.hall : t.tokens.housing}` },
        body: JSON.stringify(
          i % 2
            ? { to: 'housing', type: 'case-record', messageId: `mp-${i}`, purpose: 'case-handling', payload: sampleCaseRecord() }
            : { to: 'hall', type: 'case-status', messageId: `mp-${i}`, purpose: 'status-feedback', payload: sampleCaseStatus() },
        ),
      }).then((r) => r.json() as Promise<{ log: { index: number; leafHash: string } }>);
    const receipts = await Promise.all(Array.from({ length: 60 }, (_, i) => push(i % 3 ? t.url : url2, i)));
    const indices = receipts.map((r) => r.log.index).sort((a, b) => a - b);
    expect(indices).toEqual([...Array(60).keys()]);

    const cp = await t.gw.deps.integrator.runOnce(true);
    const body = JSON.parse(cp!.body);
    expect(body).toMatchObject({ alg: 'sm3', size: 60 });
    const entries = await t.db.store.query<{ entry: string; leaf_hash: Buffer }>('SELECT entry, leaf_hash FROM log_entries ORDER BY idx');
    const leaves = entries.rows.map((e) => leafHash('sm3', e.entry));
    entries.rows.forEach((e, i) => expect(Buffer.from(e.leaf_hash).equals(leaves[i])).toBe(true));
    expect(rootFromLeaves('sm3', leaves).toString('hex')).toBe(body.root);

    const r = receipts[17];
    const proof = await t.call('GET', `/api/v1/log/proof/inclusion?index=${r.log.index}&size=60`, { token: t.tokens.hall });
    expect(proof.body.hashAlg).toBe('sm3');
    const hex = (xs: string[]) => xs.map((x) => Buffer.from(x, 'hex'));
    expect(verifyInclusion('sm3', r.log.index, 60, Buffer.from(r.log.leafHash, 'hex'), hex(proof.body.proof), Buffer.from(body.root, 'hex'))).toBe(true);
    expect((await verifyStoredLog(t.db.store, {})).ok).toBe(true);
  } finally {
    await second.close();
    if (store !== t.db.store) await store.close();
  }
});

test('a log hashed with SM3 cannot be reopened with SHA-256', async () => {
  await expect(
    createGateway(buildConfig({ ...t.gw.deps.config, port: 0, trust: { ...t.gw.deps.config.trust, logHashAlg: 'sha256' } } as never), {
      store: t.db.store,
      logDestination: discardLogs(),
      startDelivery: false,
      startIntegrator: false,
    }),
  ).rejects.toThrow('the exchange log is hashed with sm3; it cannot be continued with sha256');
});
