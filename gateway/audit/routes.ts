import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { principalOf } from '../http/auth';
import { validateQuery, validQuery } from '../http/validate';
import { actorName } from '../registry/principal';
import { allow } from '../registry/permissions';
import { traceEntries, traceQueryOf, type TraceParams } from './trace';
import { buildEvidence, exportSummary } from './evidence';
import { auditPaths } from './openapi';

/** Audit API (电子监察): log traces and evidence bundles, for auditors and supervisors only. */
export function auditRoutes(deps: Pick<GatewayDeps, 'store' | 'clock' | 'integrator'>): Router {
  const r = Router();
  const ops = auditPaths();

  r.get('/audit/trace', allow('audit.read'), validateQuery(ops['/api/v1/audit/trace'].get), async (req, res) => {
    res.json(await traceEntries(deps.store, traceQueryOf(validQuery<TraceParams>(req))));
  });

  r.get('/audit/evidence', allow('audit.read'), validateQuery(ops['/api/v1/audit/evidence'].get, { detail: 'caseId (the case number) is required' }), async (req, res) => {
    const { caseId } = validQuery<{ caseId: string }>(req);
    const bundle = await buildEvidence({ db: deps.store, clock: deps.clock, signCheckpoint: () => deps.integrator.runOnce(true) }, caseId);
    // The bundle carries payloads (personal data): every export is on record.
    req.ctx.log.info({ audit: 'evidence-export', by: actorName(principalOf(req)), ...exportSummary(bundle) }, 'evidence bundle exported');
    const file = `evidence-${caseId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
    res.set('Content-Disposition', `attachment; filename="${file}"`).set('Cache-Control', 'no-store').json(bundle);
  });

  return r;
}
