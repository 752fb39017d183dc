import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { actorName, principalOf } from '../http/auth';
import { allow } from '../registry/permissions';
import { parseTraceQuery, traceEntries } from './trace';
import { buildEvidence, exportSummary } from './evidence';

/** Audit API (电子监察): log traces and evidence bundles, for auditors and supervisors only. */
export function auditRoutes(deps: GatewayDeps): Router {
  const r = Router();

  r.get('/audit/trace', allow('audit.read'), async (req, res) => {
    res.json(await traceEntries(deps.store, parseTraceQuery(req.query as Record<string, unknown>)));
  });

  r.get('/audit/evidence', allow('audit.read'), async (req, res) => {
    const caseId = req.query.caseId;
    if (typeof caseId !== 'string' || caseId.length < 1 || caseId.length > 200) {
      throw new GatewayError('GW_ERR_REQUEST_INVALID', 'caseId (the case number) is required', { errors: [{ pointer: '/caseId', message: 'a string of 1 to 200 characters' }] });
    }
    const bundle = await buildEvidence({ db: deps.store, clock: deps.clock, signCheckpoint: () => deps.integrator.runOnce(true) }, caseId);
    // The bundle carries payloads (personal data): every export is on record.
    req.ctx.log.info({ audit: 'evidence-export', by: actorName(principalOf(req)), ...exportSummary(bundle) }, 'evidence bundle exported');
    const file = `evidence-${caseId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
    res.set('Content-Disposition', `attachment; filename="${file}"`).set('Cache-Control', 'no-store').json(bundle);
  });

  return r;
}
