import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { validateQuery, validQuery } from '../http/validate';
import { allow } from '../registry/permissions';
import { adapterPaths } from './openapi';
import { adapterStatuses, type AdapterStatus } from './status';

/** The adapters' administration (admin role): each member's adapter, endpoint and circuit. */
export function adapterRoutes(deps: Pick<GatewayDeps, 'directory' | 'adapters'>): Router {
  const r = Router();
  const listQuery = validateQuery(adapterPaths()['/api/v1/admin/adapters'].get, { closed: true });
  r.get('/admin/adapters', allow('adapters.read'), listQuery, (req, res) => {
    const { circuit } = validQuery<{ circuit?: NonNullable<AdapterStatus['circuit']>['state'] }>(req);
    const items = adapterStatuses(deps.directory, deps.adapters).filter((a) => !circuit || a.circuit?.state === circuit);
    res.json({ items, next: null });
  });
  return r;
}
