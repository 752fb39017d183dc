import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { principalOf } from '../http/auth';
import { validateQuery, validQuery } from '../http/validate';
import { allow } from '../registry/permissions';
import { getCaseOp, listCasesOp } from './openapi';
import { caseView, listCases, type CaseListQuery } from './views';
import { timelineSignatures } from './signatures';

const CASE_NO = /^[A-Za-z0-9-]{6,40}$/;

/** GET /cases and /cases/{caseNo} (after authenticate). */
export function caseRoutes(deps: Pick<GatewayDeps, 'store' | 'cases' | 'clock' | 'archive' | 'integrator' | 'witnessing' | 'trust'> & { config: Pick<GatewayDeps['config'], 'trust'> }): Router {
  const r = Router();
  r.get('/cases', allow('cases.read'), validateQuery(listCasesOp, { closed: true }), async (req, res) => {
    res.json(await listCases(deps.store, deps.cases, principalOf(req), validQuery<CaseListQuery>(req), deps.clock.now()));
  });
  r.get('/cases/:caseNo', allow('cases.read'), validateQuery(getCaseOp), async (req, res) => {
    const caseNo = String(req.params.caseNo);
    if (!CASE_NO.test(caseNo)) {
      throw new GatewayError('GW_ERR_REQUEST_INVALID', 'a case number is 6-40 letters, digits or hyphens', { errors: [{ pointer: '/caseNo', message: 'pattern' }] });
    }
    const view = await caseView(deps.store, deps.cases, principalOf(req), caseNo, deps.clock.now());
    if (!validQuery<{ verify: boolean }>(req).verify) return void res.json(view);
    // Opt-in: building and checking the case's evidence bundle costs far more than the view (docs: README "Case supervision").
    const { verification, byIndex } = await timelineSignatures(deps, caseNo, view.timeline);
    res.set('Cache-Control', 'no-store').json({ ...view, verification, timeline: view.timeline.map((e) => ({ ...e, signature: byIndex.get(e.logIndex)! })) });
  });
  return r;
}
