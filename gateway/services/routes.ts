import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError, type FieldError } from '../errors';
import { principalOf } from '../http/auth';
import { allow } from '../registry/permissions';

const PURPOSE = /^[A-Za-z0-9._-]{1,64}$/;
const CASE_ID = /^[A-Za-z0-9-]{6,64}$/;

/** Synchronous data-sharing services: POST /services/{member}/{service} with X-Purpose and X-Case-Id. */
export function serviceRoutes(deps: GatewayDeps): Router {
  const r = Router();
  r.post('/services/:member/:service', allow('services.call'), async (req, res) => {
    const purpose = req.get('x-purpose');
    const caseId = req.get('x-case-id');
    const errors: FieldError[] = [];
    if (!purpose || !PURPOSE.test(purpose)) errors.push({ pointer: '/headers/X-Purpose', message: '用途 (purpose) the agreement allows, e.g. case-handling' });
    if (!caseId || !CASE_ID.test(caseId)) errors.push({ pointer: '/headers/X-Case-Id', message: '办件编号 (case number) the lookup is for' });
    if (errors.length) throw new GatewayError('GW_ERR_REQUEST_INVALID', 'a service call declares its purpose (X-Purpose) and case number (X-Case-Id)', { errors });
    const out = await deps.services.call(principalOf(req), String(req.params.member), String(req.params.service), req.body, { purpose: purpose!, caseId: caseId! });
    req.ctx.log.info({ call: out.id, provider: out.provider, service: out.service, caseId: out.caseId }, 'service called');
    res.json(out);
  });
  return r;
}
