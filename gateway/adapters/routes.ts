import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import type { GatewayConfig } from '../config';
import { validateQuery, validQuery } from '../http/validate';
import { allow } from '../registry/permissions';
import { adapterPaths } from './openapi';
import { adapterStatuses, type AdapterStatus } from './status';
import { receiverDeliveryStates } from '../delivery/receiver-state';

/** The adapters' administration (admin role): each member's adapter, endpoint, agency circuit and delivery breaker. */
export function adapterRoutes(deps: Pick<GatewayDeps, 'directory' | 'adapters' | 'store'> & { config: { delivery: Pick<GatewayConfig['delivery'], 'breakAfterFailures'> } }): Router {
  const r = Router();
  const listQuery = validateQuery(adapterPaths()['/api/v1/admin/adapters'].get, { closed: true });
  r.get('/admin/adapters', allow('adapters.read'), listQuery, async (req, res) => {
    const { circuit, delivery } = validQuery<{ circuit?: NonNullable<AdapterStatus['circuit']>['state']; delivery?: NonNullable<AdapterStatus['delivery']>['state'] }>(req);
    const states = await receiverDeliveryStates(deps.store, deps.config.delivery.breakAfterFailures);
    const items = adapterStatuses(deps.directory, deps.adapters, states).filter((a) => (!circuit || a.circuit?.state === circuit) && (!delivery || a.delivery?.state === delivery));
    res.json({ items, next: null });
  });
  return r;
}
