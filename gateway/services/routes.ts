import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { principalOf } from '../http/auth';
import { validateHeaders, validHeaders } from '../http/validate';
import { allow } from '../registry/permissions';
import { servicePaths } from './openapi';

/** Synchronous data-sharing services: POST /services/{member}/{service} with X-Purpose and X-Case-Id. */
export function serviceRoutes(deps: Pick<GatewayDeps, 'services'>): Router {
  const r = Router();
  const call = servicePaths()['/api/v1/services/{member}/{service}'].post;
  // The request body's schema depends on the service: the broker checks it, after the agreement.
  const declared = validateHeaders(call, { detail: 'a service call declares its purpose (X-Purpose) and case number (X-Case-Id)' });
  r.post('/services/:member/:service', allow('services.call'), declared, async (req, res) => {
    const h = validHeaders<{ 'X-Purpose': string; 'X-Case-Id': string }>(req);
    const out = await deps.services.call(principalOf(req), String(req.params.member), String(req.params.service), req.body, { purpose: h['X-Purpose'], caseId: h['X-Case-Id'] });
    req.ctx.log.info({ call: out.id, provider: out.provider, service: out.service, caseId: out.caseId }, 'service called');
    res.json(out);
  });
  return r;
}
