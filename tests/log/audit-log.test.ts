import { sign as nodeSign } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord } from '../fixtures/case-record';
import { leafHash } from '../../gateway/merkle/hash';
import { TreeBuilder, rootFromLeaves } from '../../gateway/merkle/verify';
import { AuditTree } from '../../gateway/log/audit-tree';
import { verifyStoredLog, type LogAuditReport, type VerifyLogOptions } from '../../gateway/log/audit-log';
import { checkStoredConsistency } from '../../gateway/log/audit-checkpoints';
import { consistencyProofNodes, nodesToFetch } from '../../gateway/merkle/tree';

// A real gateway writes the log (pushes, deliveries on pull, acks) and signs several
// checkpoints; each case then tampers with the stored rows, checks what the auditor
// reports — the exact index or checkpoint — and undoes the change.
let t: TestGateway;
let sizes: number[]; // checkpoint sizes, ascending
let entries: number;

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.db.store.query<T>(sql, params).then((r) => r.rows);
const verify = (o: VerifyLogOptions = {}) => verifyStoredLog(t.db.store, o);
/**
 * Both page sizes — one page for the whole log, and pages of 8 or 7 rows so every boundary
 * case is crossed (7: no page starts on a subtree boundary) — hashed on this thread and on
 * the worker thread: the same report each time.
 */
const bothPageSizes = async (o: VerifyLogOptions = {}): Promise<LogAuditReport> => {
  const big = await verify(o);
  for (const other of [{ pageSize: 8 }, { hashThread: true }, { pageSize: 7, hashThread: true }, { pageSize: 8, hashThread: true }]) {
    expect({ ...(await verify({ ...o, ...other })), seconds: 0 }).toEqual({ ...big, seconds: 0 });
  }
  return big;
};
/** The first checkpoint covering entry i, and the one before it (0 if none). */
const covering = (i: number) => {
  const k = sizes.findIndex((s) => s > i);
  return { size: sizes[k]!, before: k > 0 ? sizes[k - 1]! : 0 };
};

async function entryRow(idx: number) {
  return (await q<{ entry: string; leaf_hash: Uint8Array }>('SELECT entry, leaf_hash FROM log_entries WHERE idx = $1', [idx]))[0]!;
}

beforeAll(async () => {
  t = await startTestGateway();
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const payload = sampleCaseRecord() as unknown as Record<string, unknown>;
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: `audit-${i}`, caseId: payload.caseNo, purpose: 'case-handling', payload },
    });
    expect(res.status).toBe(202);
    ids.push(res.body.id);
    if (i % 10 === 9) expect(await t.gw.deps.integrator.runOnce(true)).not.toBeNull();
  }
  expect((await t.call('GET', '/api/v1/inbox?limit=100', { token: t.tokens.housing })).status).toBe(200);
  expect(await t.gw.deps.integrator.runOnce(true)).not.toBeNull();
  for (const id of ids.slice(0, 12)) {
    expect((await t.call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } })).status).toBe(200);
  }
  await t.call('GET', '/api/v1/inbox?limit=100', { token: t.tokens.housing });
  expect(await t.gw.deps.integrator.runOnce(true)).not.toBeNull();
  sizes = (await q<{ size: number }>('SELECT size FROM checkpoints ORDER BY size')).map((r) => Number(r.size));
  entries = Number((await q<{ n: number }>('SELECT count(*)::int AS n FROM log_entries'))[0]!.n);
}, 60_000);
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  // every case undoes its tampering: the log verifies again
  expect((await verify()).problems).toEqual([]);
});

test('AuditTree: same roots as TreeBuilder and the RFC definition, resumes from a frontier, reports the nodes it completes', () => {
  const leaves = Array.from({ length: 70 }, (_, i) => leafHash('sm3', `entry ${i}`));
  const a = new AuditTree('sm3');
  const b = new TreeBuilder('sm3');
  const nodes: string[] = [];
  for (let n = 0; n < leaves.length; n++) {
    expect(a.root()).toEqual(b.root());
    expect(a.root()).toEqual(rootFromLeaves('sm3', leaves.slice(0, n)));
    a.push(leaves[n]!, (level, index) => nodes.push(`${level}/${index}`));
    b.push(leaves[n]!);
    const resumed = new AuditTree('sm3', a.frontier());
    expect(resumed.root()).toEqual(a.root());
  }
  expect(nodes.slice(0, 7)).toEqual(['0/0', '0/1', '1/0', '0/2', '0/3', '1/1', '2/0']);
  expect(nodes).toHaveLength(2 * 70 - 3); // every complete perfect subtree: 2n − popcount(n)
});

test('the log the gateway wrote verifies: every entry, checkpoint, stored node and the head', async () => {
  expect(sizes.length).toBeGreaterThanOrEqual(5);
  expect(sizes.at(-1)).toBe(entries);
  const progress: Array<[number, number]> = [];
  const r = await bothPageSizes({ onProgress: (done, total) => void progress.push([done, total]) });
  expect(r).toMatchObject({ ok: true, alg: 'sha256', from: 0, entries, logSize: entries, integratedSize: entries, firstBad: null, problemCount: 0 });
  const byName = Object.fromEntries(r.checks.map((c) => [c.name, c]));
  expect(byName.checkpoints).toMatchObject({ checked: sizes.length, failed: 0, ok: true });
  expect(byName.nodes.checked).toBe(2 * entries - (entries.toString(2).split('1').length - 1)); // every stored node
  expect(byName.head).toMatchObject({ checked: 1, ok: true });
  expect(progress[0]).toEqual([0, entries]);
  expect(progress.at(-1)).toEqual([entries, entries]);

  const logCertPem = t.gw.deps.trust.logSigner.certPem!;
  expect((await verify({ logCertPem, nodes: 'none' })).ok).toBe(true);
  // a certificate that is not the log's: every checkpoint is reported
  const other = await verify({ logCertPem: t.gw.deps.trust.signerFor('hall')!.certPem! });
  expect(other.checks.find((c) => c.name === 'checkpoints')).toMatchObject({ failed: sizes.length });
  expect(other.firstBad!.message).toMatch(new RegExp(`^checkpoint at size ${sizes[0]}: signed with certificate [0-9a-f]{16}…, which is not a known log certificate$`));

  // resuming at a checkpoint: its right edge from log_nodes folds to its signed root
  const resumed = await bothPageSizes({ fromCheckpoint: sizes[2] });
  expect(resumed).toMatchObject({ ok: true, from: sizes[2], entries: entries - sizes[2]! });
  await expect(verify({ fromCheckpoint: sizes[0]! + 1 })).rejects.toThrow(`there is no checkpoint at size ${sizes[0]! + 1}`);

  for (let i = 0; i + 1 < sizes.length; i++) {
    expect(await checkStoredConsistency(t.db.store, sizes[i]!, sizes[i + 1]!)).toMatchObject({ ok: true, problems: [] });
  }
});

test('an entry whose text was altered: reported at its index, and at the first checkpoint covering it', async () => {
  const k = sizes[1]! + 3;
  const { entry } = await entryRow(k);
  await q(`UPDATE log_entries SET entry = replace(entry, '"v":1', '"v":2') WHERE idx = $1`, [k]);
  try {
    const r = await bothPageSizes();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toEqual({ check: 'entries', index: k, message: `entry ${k}: stored text does not hash to its leaf hash` });
    const { size, before } = covering(k);
    expect(r.problems.filter((p) => p.check === 'checkpoints')).toEqual([
      { check: 'checkpoints', checkpoint: size, range: [before, size - 1], message: `checkpoint at size ${size}: root differs from the recomputed tree (first divergence: leaf ≤ ${size - 1}, after the last matching checkpoint at size ${before})` },
    ]);
    expect(r.checks.find((c) => c.name === 'checkpoints')!.failed).toBe(sizes.filter((s) => s > k).length);
  } finally {
    await q(`UPDATE log_entries SET entry = $2 WHERE idx = $1`, [k, entry]);
  }
});

test('an entry altered together with its leaf hash: the first checkpoint covering it fails; the stored leaf node pins the index', async () => {
  const k = sizes[2]! + 1;
  const { entry, leaf_hash } = await entryRow(k);
  const forged = entry.replace('"v":1', '"v":2');
  await q(`UPDATE log_entries SET entry = $2, leaf_hash = $3 WHERE idx = $1`, [k, forged, leafHash('sha256', forged)]);
  try {
    const { size, before } = covering(k);
    const divergence = { check: 'checkpoints', checkpoint: size, range: [before, size - 1], message: `checkpoint at size ${size}: root differs from the recomputed tree (first divergence: leaf ≤ ${size - 1}, after the last matching checkpoint at size ${before})` };
    const withoutNodes = await bothPageSizes({ nodes: 'none' });
    expect(withoutNodes.firstBad).toEqual(divergence);
    expect(withoutNodes.checks.find((c) => c.name === 'entries')!.ok).toBe(true); // text and leaf hash agree
    const withNodes = await bothPageSizes();
    expect(withNodes.firstBad).toEqual({ check: 'nodes', index: k, message: `entry ${k}: its leaf hash differs from the integrated tree (log_nodes level 0) — the entry was changed or moved after integration` });
    expect(withNodes.problems).toContainEqual(divergence);
    expect(withNodes.problems).toHaveLength(2); // the nodes above it are counted, not listed
  } finally {
    await q(`UPDATE log_entries SET entry = $2, leaf_hash = $3 WHERE idx = $1`, [k, entry, leaf_hash]);
  }
});

test('a deleted entry is a gap at its index; deleting the tail is caught by the checkpoints', async () => {
  const k = sizes[0]! + 2;
  const rows = await q('SELECT * FROM log_entries WHERE idx >= $1 ORDER BY idx', [k]);
  const restore = async (from: number) => {
    for (const row of rows.filter((x) => Number(x.idx) >= from)) {
      await q('INSERT INTO log_entries (idx, kind, message_id, case_id, entry, leaf_hash, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (idx) DO NOTHING', [
        row.idx, row.kind, row.message_id, row.case_id, row.entry, row.leaf_hash, row.created_at,
      ]);
    }
  };
  await q('DELETE FROM log_entries WHERE idx = $1', [k]);
  try {
    const r = await bothPageSizes();
    expect(r.firstBad).toEqual({ check: 'entries', index: k, message: `entry ${k} is missing (next index is ${k + 1})` });
    expect(r.entries).toBe(entries - 1);
  } finally {
    await restore(k);
  }
  const tail = sizes.at(-2)! - 2;
  await q('DELETE FROM log_entries WHERE idx >= $1', [tail]);
  try {
    const r = await bothPageSizes();
    expect(r.firstBad).toEqual({
      check: 'entries',
      index: tail,
      message: `entries ${tail}–${sizes.at(-2)! - 1} are missing: the log ends at ${tail} entries but 2 checkpoint(s) from size ${sizes.at(-2)} cover more`,
    });
    expect(r.problems).toContainEqual({ check: 'head', index: tail, message: `log_head says ${entries} entries are integrated but only ${tail} are stored` });
  } finally {
    await restore(tail);
  }
});

test('two entries swapped: the stored leaf nodes pin the first index, the first checkpoint covering it fails', async () => {
  const [a, b] = [sizes[1]! - 2, sizes[1]! + 4];
  const swap = async () => {
    await q('UPDATE log_entries SET idx = -1 WHERE idx = $1', [a]);
    await q('UPDATE log_entries SET idx = $1 WHERE idx = $2', [a, b]);
    await q('UPDATE log_entries SET idx = $1 WHERE idx = -1', [b]);
  };
  await swap();
  try {
    const r = await bothPageSizes();
    expect(r.checks.find((c) => c.name === 'entries')!.ok).toBe(true); // each row is self-consistent
    expect(r.firstBad).toMatchObject({ check: 'nodes', index: a });
    expect(r.problems.filter((p) => p.check === 'nodes').map((p) => p.index)).toEqual([a, b]);
    const { size, before } = covering(a);
    expect(r.problems).toContainEqual(expect.objectContaining({ check: 'checkpoints', checkpoint: size, range: [before, size - 1] }));
    expect((await verify({ nodes: 'none' })).firstBad).toMatchObject({ checkpoint: size, range: [before, size - 1] });
  } finally {
    await swap();
  }
});

test("a checkpoint's stored root altered: that checkpoint is reported, the entries are fine", async () => {
  const c = sizes[2]!;
  const [{ root }] = await q<{ root: Uint8Array }>('SELECT root FROM checkpoints WHERE size = $1', [c]);
  await q(`UPDATE checkpoints SET root = decode(repeat('00', 32), 'hex') WHERE size = $1`, [c]);
  try {
    const r = await bothPageSizes();
    expect(r.problems).toEqual([{ check: 'checkpoints', checkpoint: c, message: `checkpoint at size ${c}: the stored root differs from the root in its signed body` }]);
    expect(r.checks.filter((x) => !x.ok).map((x) => x.name)).toEqual(['checkpoints']);
    expect((await checkStoredConsistency(t.db.store, sizes[1]!, c)).problems).toEqual([`checkpoint at size ${c}: the stored root differs from the root in its signed body`]);
  } finally {
    await q('UPDATE checkpoints SET root = $2 WHERE size = $1', [c, root]);
  }
});

test("a checkpoint's signed body altered: its signature does not verify", async () => {
  const c = sizes[1]!;
  const [{ body }] = await q<{ body: string }>('SELECT body FROM checkpoints WHERE size = $1', [c]);
  await q(`UPDATE checkpoints SET body = replace(body, encode(root, 'hex'), repeat('0', 64)) WHERE size = $1`, [c]);
  try {
    const r = await bothPageSizes();
    expect(r.firstBad).toEqual({ check: 'checkpoints', checkpoint: c, message: `checkpoint at size ${c}: signature does not verify` });
    expect(r.problems.map((p) => p.message)).toEqual([
      `checkpoint at size ${c}: signature does not verify`,
      `checkpoint at size ${c}: the stored root differs from the root in its signed body`,
      `checkpoint at size ${c}: the root in its (unverified) body also differs from the recomputed tree`,
    ]);
    const cons = await checkStoredConsistency(t.db.store, c, sizes[2]!);
    expect(cons.ok).toBe(false);
    expect(cons.problems).toContain(`the consistency proof from size ${c} to ${sizes[2]} built from log_nodes does not verify against the signed roots`);
  } finally {
    await q('UPDATE checkpoints SET body = $2 WHERE size = $1', [c, body]);
  }
});

test("a checkpoint carrying another checkpoint's signature: its signature does not verify", async () => {
  const [c, other] = [sizes[3]!, sizes[0]!];
  const [{ signature }] = await q<{ signature: string }>('SELECT signature FROM checkpoints WHERE size = $1', [c]);
  await q('UPDATE checkpoints SET signature = (SELECT signature FROM checkpoints WHERE size = $2) WHERE size = $1', [c, other]);
  try {
    const r = await bothPageSizes();
    expect(r.problems).toEqual([{ check: 'checkpoints', checkpoint: c, message: `checkpoint at size ${c}: signature does not verify` }]);
    expect(r.firstBad!.checkpoint).toBe(c);
  } finally {
    await q('UPDATE checkpoints SET signature = $2 WHERE size = $1', [c, signature]);
  }
});

test('a checkpoint with a legacy SM2 signature (EMPTY distinguishing ID, as xgw signed before): it verifies and is counted as legacy', async () => {
  const c = sizes[2]!;
  const [{ body, signature, sig_alg }] = await q<{ body: string; signature: string; sig_alg: string }>('SELECT body, signature, sig_alg FROM checkpoints WHERE size = $1', [c]);
  expect(sig_alg).toBe('SM2-SM3');
  expect((await verify()).legacySm2Checkpoints).toBe(0);
  const legacy = nodeSign('sm3', Buffer.from(body), t.gw.deps.trust.logSigner.privateKey).toString('base64');
  await q('UPDATE checkpoints SET signature = $2 WHERE size = $1', [c, legacy]);
  try {
    const r = await bothPageSizes();
    expect(r).toMatchObject({ ok: true, problemCount: 0, legacySm2Checkpoints: 1 });
  } finally {
    await q('UPDATE checkpoints SET signature = $2 WHERE size = $1', [c, signature]);
  }
});

test('a stored tree node altered: verify log names it, and the consistency proof that uses it fails', async () => {
  const [from, to] = [sizes[0]!, sizes[1]!];
  const node = nodesToFetch(consistencyProofNodes(from, to)).find((n) => n.level > 0)!;
  const [first, last] = [node.index * 2 ** node.level, (node.index + 1) * 2 ** node.level - 1];
  const [{ hash }] = await q<{ hash: Uint8Array }>('SELECT hash FROM log_nodes WHERE level = $1 AND idx = $2', [node.level, node.index]);
  await q(`UPDATE log_nodes SET hash = decode(repeat('ab', 32), 'hex') WHERE level = $1 AND idx = $2`, [node.level, node.index]);
  try {
    const r = await bothPageSizes();
    expect(r.firstBad).toEqual({ check: 'nodes', range: [first, last], message: `log_nodes (${node.level}, ${node.index}) (leaves ${first}–${last}) differs from the recomputed tree` });
    // the consistency proof between those two consecutive checkpoints uses it too
    expect(r.checks.filter((x) => !x.ok).map((x) => x.name)).toEqual(['chain', 'nodes']);
    expect(r.problems).toContainEqual({ check: 'chain', checkpoint: to, message: `checkpoint at size ${to}: the consistency proof from size ${from} to ${to} built from log_nodes does not verify against the signed roots` });
    expect(await checkStoredConsistency(t.db.store, from, to)).toMatchObject({
      ok: false,
      problems: [`the consistency proof from size ${from} to ${to} built from log_nodes does not verify against the signed roots`],
    });
  } finally {
    await q('UPDATE log_nodes SET hash = $3 WHERE level = $1 AND idx = $2', [node.level, node.index, hash]);
  }
});

test('a missing or malformed stored node is reported at its place', async () => {
  const k = sizes[1]! + 1;
  const [{ hash }] = await q<{ hash: Uint8Array }>('SELECT hash FROM log_nodes WHERE level = 0 AND idx = $1', [k]);
  await q('DELETE FROM log_nodes WHERE level = 0 AND idx = $1', [k]);
  try {
    expect((await bothPageSizes()).firstBad).toEqual({ check: 'nodes', index: k, message: `entry ${k}: its leaf node (0, ${k}) is missing from log_nodes` });
  } finally {
    await q('INSERT INTO log_nodes (level, idx, hash) VALUES (0, $1, $2)', [k, hash]);
  }
  const [{ hash: original }] = await q<{ hash: Uint8Array }>('SELECT hash FROM log_nodes WHERE level = 1 AND idx = 3');
  await q('UPDATE log_nodes SET hash = substring(hash from 2) WHERE level = 1 AND idx = 3'); // 31 bytes
  try {
    expect((await bothPageSizes()).firstBad).toEqual({ check: 'nodes', range: [6, 7], message: 'log_nodes (1, 3) (leaves 6–7) differs from the recomputed tree' });
  } finally {
    await q('UPDATE log_nodes SET hash = $1 WHERE level = 1 AND idx = 3', [original]);
  }
});
