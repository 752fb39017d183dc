import { Router, type Request, type RequestHandler, type Response } from 'express';
import { answerJson } from '../http/answer';
import type { GatewayDeps } from '../deps';
import { principalOf } from '../http/auth';
import { validateHeaders, validHeaders } from '../http/validate';
import { allow } from '../registry/permissions';
import { servicePaths } from './openapi';

/** The route's own steps after authentication and the rate limit: the permission check, then X-Purpose and X-Case-Id. */
export function serviceCallSteps(): RequestHandler[] {
  const call = servicePaths()['/api/v1/services/{member}/{service}'].post;
  // The request body's schema depends on the service: the broker checks it, after the agreement.
  return [allow('services.call'), validateHeaders(call, { detail: 'a service call declares its purpose (X-Purpose) and case number (X-Case-Id)' })];
}

/**
 * POST /api/v1/services/{member}/{service} after its steps. Served by the router below and, for the usual
 * request, by http/lean-route.ts in front of Express (the same steps, in the same order).
 */
export function serviceCallHandler(deps: Pick<GatewayDeps, 'services'>): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const h = validHeaders<{ 'X-Purpose': string; 'X-Case-Id': string }>(req);
    const out = await deps.services.call(principalOf(req), String(req.params.member), String(req.params.service), req.body, { purpose: h['X-Purpose'], caseId: h['X-Case-Id'] });
    req.ctx.log.info({ call: out.id, provider: out.provider, service: out.service, caseId: out.caseId }, 'service called');
    answerJson(res, 200, out);
  };
}

/** Synchronous data-sharing services: POST /services/{member}/{service} with X-Purpose and X-Case-Id. */
export function serviceRoutes(deps: Pick<GatewayDeps, 'services'>, steps: RequestHandler[] = serviceCallSteps()): Router {
  const r = Router();
  r.post('/services/:member/:service', ...steps, serviceCallHandler(deps));
  return r;
}
