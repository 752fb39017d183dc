import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { validateQuery, validQuery } from '../http/validate';
import { allow } from '../registry/permissions';
import { listCardsOp } from './openapi';
import { listCards, type CardListQuery } from './views';

/** GET /supervision/cards (after authenticate): supervisors and auditors. */
export function supervisionRoutes(deps: Pick<GatewayDeps, 'store' | 'cases'>): Router {
  const r = Router();
  r.get('/supervision/cards', allow('supervision.read'), validateQuery(listCardsOp, { closed: true }), async (req, res) => {
    await deps.cases.catchUp();
    res.json(await listCards(deps.store, validQuery<CardListQuery>(req)));
  });
  return r;
}
