import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { principalOf } from '../http/auth';
import { validateQuery, validQuery } from '../http/validate';
import { allow, readsAllMembers } from '../registry/permissions';
import { consistencyProof, inclusionProof, readHead } from './store';
import { cosignedNote, listCheckpoints, readCheckpoint } from './checkpoint-store';
import { logNoteVkey } from './note';
import { logPaths } from './openapi';
import { httpSigAlgOf } from '../crypto/http-signature';
import { logKeyVersions } from './keys';

/** The transparency log API: key, checkpoints, entries, inclusion and consistency proofs. */
export function logRoutes(deps: Pick<GatewayDeps, 'store' | 'trust'> & { config: { trust: Pick<GatewayConfig['trust'], 'logHashAlg' | 'logOrigin'> } }): Router {
  const r = Router();
  const alg = deps.config.trust.logHashAlg;
  const ops = logPaths();

  const noteSigner = deps.trust.logNoteSigner;
  r.get('/log/key', allow('log.read'), (_req, res) => {
    const s = deps.trust.logSigner;
    res.json({
      sigAlg: s.alg,
      hashAlg: alg,
      certificate: s.certPem,
      fingerprint: deps.trust.fingerprintOf(s.certPem!),
      chain: deps.trust.chainFor(),
      publicKey: s.publicKey.export({ type: 'spki', format: 'pem' }),
      keyId: s.keyId,
      httpSignatureAlg: httpSigAlgOf(s.keyAlg),
      ...(noteSigner ? { origin: deps.config.trust.logOrigin, noteKey: logNoteVkey(deps.config.trust.logOrigin, noteSigner) } : {}),
    });
  });

  r.get('/log/keys', allow('log.read'), validateQuery(ops['/api/v1/log/keys'].get, { closed: true }), async (_req, res) => {
    res.json({ items: await logKeyVersions(deps.store, deps.trust.fingerprintOf(deps.trust.logSigner.certPem!)), next: null });
  });

  r.get('/log/checkpoint', allow('log.read'), validateQuery(ops['/api/v1/log/checkpoint'].get), async (req, res) => {
    const { size } = validQuery<{ size?: number }>(req);
    const cp = await readCheckpoint(deps.store, size);
    if (!cp) throw new GatewayError('GW_ERR_LOG_NOT_FOUND', size === undefined ? 'no checkpoint has been signed yet' : `no checkpoint at size ${size}`);
    // Accept: text/plain → the same checkpoint as a C2SP signed note, with the witnesses' cosignatures.
    if (req.accepts(['application/json', 'text/plain']) === 'text/plain') {
      const note = await cosignedNote(deps.store, cp.size);
      if (!note) throw new GatewayError('GW_ERR_LOG_NOT_FOUND', `the checkpoint at size ${cp.size} was signed before checkpoints were published as signed notes`);
      res.type('text/plain; charset=utf-8').send(note);
      return;
    }
    res.json(cp);
  });

  r.get('/log/checkpoints', allow('log.read'), validateQuery(ops['/api/v1/log/checkpoints'].get), async (req, res) => {
    const { after, limit } = validQuery<{ after?: string; limit: number }>(req);
    res.json(await listCheckpoints(deps.store, after, limit));
  });

  r.get('/log/entries', allow('log.read'), validateQuery(ops['/api/v1/log/entries'].get), async (req, res) => {
    const { start, end = start + 100 } = validQuery<{ start: number; end?: number }>(req);
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

  r.get('/log/proof/inclusion', allow('log.read'), validateQuery(ops['/api/v1/log/proof/inclusion'].get), async (req, res) => {
    const q = validQuery<{ index?: number; leafHash?: string; size?: number }>(req);
    const head = await readHead(deps.store);
    const size = q.size ?? head.frontier.size;
    let index = q.index;
    if (index === undefined) {
      if (q.leafHash === undefined) {
        throw new GatewayError('GW_ERR_REQUEST_INVALID', 'give index or leafHash (64 hex)', { errors: [{ pointer: '/index', message: 'index or leafHash required' }] });
      }
      const leafHash = q.leafHash.toLowerCase();
      const found = await deps.store.query<{ idx: number }>('SELECT idx FROM log_entries WHERE leaf_hash = decode($1, $2) ORDER BY idx LIMIT 1', [leafHash, 'hex']);
      if (!found.rows[0]) throw new GatewayError('GW_ERR_LOG_NOT_FOUND', `no entry with leaf hash ${leafHash}`);
      index = Number(found.rows[0].idx);
    }
    const proof = await inclusionProof(deps.store, alg, index, size, head.frontier.size);
    const leaf = await deps.store.query<{ leaf_hash: Buffer }>('SELECT leaf_hash FROM log_entries WHERE idx = $1', [index]);
    res.json({ hashAlg: alg, index, size, leafHash: Buffer.from(leaf.rows[0].leaf_hash).toString('hex'), proof: proof.map((h) => h.toString('hex')) });
  });

  r.get('/log/proof/consistency', allow('log.read'), validateQuery(ops['/api/v1/log/proof/consistency'].get), async (req, res) => {
    const q = validQuery<{ from: number; to?: number }>(req);
    const head = await readHead(deps.store);
    const to = q.to ?? head.frontier.size;
    const proof = await consistencyProof(deps.store, alg, q.from, to, head.frontier.size);
    res.json({ hashAlg: alg, from: q.from, to, proof: proof.map((h) => h.toString('hex')) });
  });

  return r;
}
