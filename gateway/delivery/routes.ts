import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { actorName, principalOf } from '../http/auth';
import { allow } from '../registry/permissions';
import { parseLimit } from '../exchange/cursor';
import { listDeadLetters, parseFilter, replayMatching, replayOne } from './dead-letters';

const FILTERS = ['receiver', 'type', 'caseId', 'from', 'to'];

/** Outbox administration (admin role): dead letters and their replay. */
export function deliveryAdminRoutes(deps: GatewayDeps): Router {
  const r = Router();
  const alg = deps.config.trust.logHashAlg;

  r.get('/admin/dead-letters', allow('deadLetters.read'), async (req, res) => {
    const { after, limit, ...rest } = req.query as Record<string, unknown>;
    if (after !== undefined && typeof after !== 'string') throw new GatewayError('GW_ERR_LIST_BAD_CURSOR', 'use the "next" value of a previous page');
    res.json(await listDeadLetters(deps.store, parseFilter(rest, { allowed: FILTERS }), after as string | undefined, limit));
  });

  r.post('/admin/dead-letters/:id/replay', allow('deadLetters.replay'), async (req, res) => {
    const id = await replayOne(deps.store, alg, String(req.params.id), deps.clock.now(), actorName(principalOf(req)));
    req.ctx.log.info({ message: id, by: actorName(principalOf(req)) }, 'dead letter replayed');
    deps.delivery.wake();
    res.json({ replayed: 1, ids: [id] });
  });

  r.post('/admin/dead-letters/replay', allow('deadLetters.replay'), async (req, res) => {
    const { limit, ...rest } = (req.body ?? {}) as Record<string, unknown>;
    const filter = parseFilter(rest, { allowed: FILTERS });
    const ids = await replayMatching(deps.store, alg, filter, parseLimit(limit, 100, 1000), deps.clock.now(), actorName(principalOf(req)));
    req.ctx.log.info({ count: ids.length, filter: rest, by: actorName(principalOf(req)) }, 'dead letters replayed');
    if (ids.length) deps.delivery.wake();
    res.json({ replayed: ids.length, ids });
  });

  return r;
}
