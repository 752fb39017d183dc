import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import type { LogHashAlg } from '../merkle/hash';
import {
  appendLeaves,
  assembleConsistencyProof,
  assembleInclusionProof,
  consistencyProofNodes,
  inclusionProofNodes,
  nodeLookupFrom,
  nodesToFetch,
  rootFromFrontier,
  type Frontier,
  type ProofRef,
} from '../merkle/tree';

/** Appending is log/append.ts (one place); re-exported for the modules that append on their own. */
export { appendEntries } from './append';

export interface LogHead {
  alg: LogHashAlg;
  frontier: Frontier;
}

/** Creates the head row for a new log; refuses to reopen a log under another hash algorithm. */
export async function ensureLogHead(db: Db, alg: LogHashAlg): Promise<void> {
  await db.query(`INSERT INTO log_head (id, alg, size, frontier) VALUES (1, $1, 0, '[]'::jsonb) ON CONFLICT (id) DO NOTHING`, [alg]);
  const r = await db.query<{ alg: string }>('SELECT alg FROM log_head WHERE id = 1');
  if (r.rows[0].alg !== alg) {
    throw new Error(`the exchange log is hashed with ${r.rows[0].alg}; it cannot be continued with ${alg} (config trust.logHashAlg)`);
  }
}

export async function readHead(db: Db, forUpdate = false): Promise<LogHead> {
  const r = await db.query<{ alg: LogHashAlg; size: number; frontier: string[] }>(
    `SELECT alg, size, frontier FROM log_head WHERE id = 1${forUpdate ? ' FOR UPDATE' : ''}`,
  );
  const h = r.rows[0];
  return { alg: h.alg, frontier: { size: Number(h.size), hashes: h.frontier.map((x) => Buffer.from(x, 'hex')) } };
}

/**
 * Integrates committed entries beyond the head into the tree (inside the caller's
 * transaction, head row locked): inserts the newly completed perfect-subtree nodes
 * and moves the frontier. Returns the new head.
 */
export async function integrate(db: Db, maxEntries: number): Promise<{ head: LogHead; added: number }> {
  const head = await readHead(db, true);
  const r = await db.query<{ idx: number; leaf_hash: Buffer }>(
    'SELECT idx, leaf_hash FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2',
    [head.frontier.size, maxEntries],
  );
  const leaves: Buffer[] = [];
  for (const row of r.rows) {
    if (Number(row.idx) !== head.frontier.size + leaves.length) break; // not yet committed below this one
    leaves.push(Buffer.from(row.leaf_hash));
  }
  if (!leaves.length) return { head, added: 0 };
  const { frontier, newNodes } = appendLeaves(head.alg, head.frontier, leaves);
  await db.query(
    `INSERT INTO log_nodes (level, idx, hash) SELECT l, i, decode(h, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS t(l, i, h)`,
    [newNodes.map((n) => n.level), newNodes.map((n) => n.index), newNodes.map((n) => n.hash.toString('hex'))],
  );
  await db.query(`UPDATE log_head SET size = $1, frontier = $2::jsonb WHERE id = 1`, [frontier.size, JSON.stringify(frontier.hashes.map((h) => h.toString('hex')))]);
  return { head: { alg: head.alg, frontier }, added: leaves.length };
}

export const rootOf = (head: LogHead): Buffer => rootFromFrontier(head.alg, head.frontier);

/** Several proofs from one query: each is the assembled proof, or the error that stopped it (a node missing). */
async function fetchProofs(db: Db, alg: LogHashAlg, refLists: ProofRef[][], assemble: typeof assembleInclusionProof): Promise<Array<Buffer[] | Error>> {
  const ids = nodesToFetch(refLists.flat());
  const r = await db.query<{ level: number; idx: number; hash: Buffer }>(
    `SELECT n.level, n.idx, n.hash FROM log_nodes n JOIN unnest($1::smallint[], $2::bigint[]) AS t(l, i) ON n.level = t.l AND n.idx = t.i`,
    [ids.map((n) => n.level), ids.map((n) => n.index)],
  );
  const lookup = nodeLookupFrom(r.rows.map((x) => ({ level: Number(x.level), index: Number(x.idx), hash: Buffer.from(x.hash) })));
  return refLists.map((refs) => {
    try {
      return assemble(alg, refs, lookup);
    } catch (err) {
      return err as Error;
    }
  });
}

async function fetchProof(db: Db, alg: LogHashAlg, refs: ProofRef[], assemble: typeof assembleInclusionProof): Promise<Buffer[]> {
  const [proof] = await fetchProofs(db, alg, [refs], assemble);
  if (proof instanceof Error) throw proof;
  return proof!;
}

/** RFC 9162 inclusion proof for leaf `index` in the tree of `size` (≤ the integrated size). One query. */
export async function inclusionProof(db: Db, alg: LogHashAlg, index: number, size: number, integrated: number): Promise<Buffer[]> {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size && size <= integrated)) {
    throw new GatewayError('GW_ERR_LOG_BAD_RANGE', `need 0 ≤ index < size ≤ ${integrated} (the integrated tree size)`);
  }
  return fetchProof(db, alg, inclusionProofNodes(index, size), assembleInclusionProof);
}

function checkConsistencyRange(from: number, to: number, integrated: number): void {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 1 && from <= to && to <= integrated)) {
    throw new GatewayError('GW_ERR_LOG_BAD_RANGE', `need 1 ≤ from ≤ to ≤ ${integrated} (the integrated tree size)`);
  }
}

/** RFC 9162 consistency proof between two tree sizes. One query. */
export async function consistencyProof(db: Db, alg: LogHashAlg, from: number, to: number, integrated: number): Promise<Buffer[]> {
  checkConsistencyRange(from, to, integrated);
  return fetchProof(db, alg, consistencyProofNodes(from, to), assembleConsistencyProof);
}

/** Consistency proofs for many [from, to] pairs in one query (for each: the proof, or why it could not be built). */
export async function consistencyProofs(db: Db, alg: LogHashAlg, pairs: ReadonlyArray<readonly [number, number]>, integrated: number): Promise<Array<Buffer[] | Error>> {
  if (!pairs.length) return [];
  pairs.forEach(([from, to]) => checkConsistencyRange(from, to, integrated));
  return fetchProofs(db, alg, pairs.map(([from, to]) => consistencyProofNodes(from, to)), assembleConsistencyProof);
}
