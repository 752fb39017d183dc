import { Router, type Request } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { formatTime } from '../clock';
import { consistencyProof, inclusionProof, readHead } from './store';
import type { Checkpoint } from './checkpoint';
import { allow, readsAllMembers } from '../registry/permissions';
import { principalOf } from '../http/auth';

function intParam(req: Request, name: string, required = true): number | undefined {
  const raw = req.query[name];
  if (raw === undefined && !required) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new GatewayError('GW_ERR_REQUEST_INVALID', `${name} must be a non-negative whole number`, { errors: [{ pointer: `/${name}`, message: 'non-negative integer' }] });
  }
  return n;
}

interface CheckpointRow {
  size: number;
  alg: string;
  root: Buffer;
  at: Date;
  body: string;
  sig_alg: string;
  signature: string;
  key_fingerprint: string;
}

export const checkpointView = (r: CheckpointRow) => ({
  size: Number(r.size),
  alg: r.alg,
  root: Buffer.from(r.root).toString('hex'),
  at: formatTime(r.at),
  body: r.body,
  signature: { alg: r.sig_alg, certificate: r.key_fingerprint, value: r.signature } as Checkpoint['signature'],
});

/** The transparency log API: key, checkpoints, entries, inclusion and consistency proofs. */
export function logRoutes(deps: GatewayDeps): Router {
  const r = Router();
  const alg = deps.config.trust.logHashAlg;

  r.get('/log/key', allow('log.read'), (_req, res) => {
    const s = deps.trust.logSigner;
    res.json({
      sigAlg: s.alg,
      hashAlg: alg,
      certificate: s.certPem,
      fingerprint: deps.trust.fingerprintOf(s.certPem!),
      chain: deps.trust.chainFor(),
      publicKey: s.publicKey.export({ type: 'spki', format: 'pem' }),
    });
  });

  r.get('/log/checkpoint', allow('log.read'), async (req, res) => {
    const size = intParam(req, 'size', false);
    const q = await deps.store.query<CheckpointRow>(
      size === undefined ? 'SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1' : 'SELECT * FROM checkpoints WHERE size = $1',
      size === undefined ? [] : [size],
    );
    if (!q.rows[0]) throw new GatewayError('GW_ERR_LOG_NOT_FOUND', size === undefined ? 'no checkpoint has been signed yet' : `no checkpoint at size ${size}`);
    res.json(checkpointView(q.rows[0]));
  });

  r.get('/log/checkpoints', allow('log.read'), async (req, res) => {
    const after = intParam(req, 'after', false) ?? 0;
    const q = await deps.store.query<CheckpointRow>('SELECT * FROM checkpoints WHERE size > $1 ORDER BY size LIMIT 100', [after]);
    const items = q.rows.map(checkpointView);
    res.json({ items, next: items.length === 100 ? String(items[items.length - 1].size) : null });
  });

  r.get('/log/entries', allow('log.read'), async (req, res) => {
    const start = intParam(req, 'start')!;
    const end = intParam(req, 'end', false) ?? start + 100;
    if (end <= start || end - start > 1000) {
      throw new GatewayError('GW_ERR_LOG_BAD_RANGE', 'need start < end ≤ start + 1000', { errors: [{ pointer: '/end', message: 'start < end ≤ start + 1000' }] });
    }
    // Members read the entries of their own messages and calls; of the others only the
    // leaf hash (enough to recompute the tree). Auditors and supervisors read all.
    const principal = principalOf(req);
    const member = readsAllMembers(principal) ? null : principal.member;
    const q = await deps.store.query<{ idx: number; entry: string; leaf_hash: Buffer; visible: boolean }>(
      `SELECT e.idx, e.entry, e.leaf_hash,
         ($3::text IS NULL OR m.sender = $3 OR m.receiver = $3 OR c.caller = $3 OR c.provider = $3) AS visible
       FROM log_entries e
       LEFT JOIN messages m ON m.id = e.message_id
       LEFT JOIN service_calls c ON c.id = e.message_id AND e.kind = 'service.called'
       WHERE e.idx >= $1 AND e.idx < $2 ORDER BY e.idx`,
      [start, end, member],
    );
    res.json({
      hashAlg: alg,
      items: q.rows.map((e) => ({
        index: Number(e.idx),
        ...(e.visible ? { entry: e.entry } : { withheld: true }),
        leafHash: Buffer.from(e.leaf_hash).toString('hex'),
      })),
    });
  });

  r.get('/log/proof/inclusion', allow('log.read'), async (req, res) => {
    const head = await readHead(deps.store);
    const size = intParam(req, 'size', false) ?? head.frontier.size;
    let index = intParam(req, 'index', false);
    const leafHash = typeof req.query.leafHash === 'string' ? req.query.leafHash.toLowerCase() : undefined;
    if (index === undefined) {
      if (!leafHash || !/^[0-9a-f]{64}$/.test(leafHash)) {
        throw new GatewayError('GW_ERR_REQUEST_INVALID', 'give index or leafHash (64 hex)', { errors: [{ pointer: '/index', message: 'index or leafHash required' }] });
      }
      const q = await deps.store.query<{ idx: number }>('SELECT idx FROM log_entries WHERE leaf_hash = decode($1, $2) ORDER BY idx LIMIT 1', [leafHash, 'hex']);
      if (!q.rows[0]) throw new GatewayError('GW_ERR_LOG_NOT_FOUND', `no entry with leaf hash ${leafHash}`);
      index = Number(q.rows[0].idx);
    }
    const proof = await inclusionProof(deps.store, alg, index, size, head.frontier.size);
    const leaf = await deps.store.query<{ leaf_hash: Buffer }>('SELECT leaf_hash FROM log_entries WHERE idx = $1', [index]);
    res.json({ hashAlg: alg, index, size, leafHash: Buffer.from(leaf.rows[0].leaf_hash).toString('hex'), proof: proof.map((h) => h.toString('hex')) });
  });

  r.get('/log/proof/consistency', allow('log.read'), async (req, res) => {
    const head = await readHead(deps.store);
    const from = intParam(req, 'from')!;
    const to = intParam(req, 'to', false) ?? head.frontier.size;
    const proof = await consistencyProof(deps.store, alg, from, to, head.frontier.size);
    res.json({ hashAlg: alg, from, to, proof: proof.map((h) => h.toString('hex')) });
  });

  return r;
}
