import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { principalOf } from '../http/auth';
import { validateQuery, validQuery } from '../http/validate';
import { actorName } from '../registry/principal';
import { allow } from '../registry/permissions';
import { traceEntries, traceQueryOf, type TraceParams } from './trace';
import { buildEvidence, exportSummary } from './evidence';
import { auditPaths } from './openapi';
import { verifyBundle } from './verify-bundle';

/** Audit API (电子监察): log traces and evidence bundles, for auditors and supervisors only. */
export function auditRoutes(deps: Pick<GatewayDeps, 'store' | 'clock' | 'integrator' | 'trust'>): Router {
  const r = Router();
  const ops = auditPaths();

  r.get('/audit/trace', allow('audit.read'), validateQuery(ops['/api/v1/audit/trace'].get), async (req, res) => {
    const params = validQuery<TraceParams>(req);
    const page = await traceEntries(deps.store, traceQueryOf(params));
    // Who looked at what, when (电子监察 of the auditors themselves).
    const { limit: _limit, after: _after, ...filter } = params;
    req.ctx.log.info({ audit: 'trace-query', by: actorName(principalOf(req)), filter, results: page.items.length }, 'audit trace queried');
    res.json(page);
  });

  r.get('/audit/verify', allow('audit.read'), validateQuery(ops['/api/v1/audit/verify'].get, { detail: 'caseId (the case number) is required' }), async (req, res) => {
    const { caseId } = validQuery<{ caseId: string }>(req);
    const bundle = await buildEvidence({ db: deps.store, clock: deps.clock, signCheckpoint: () => deps.integrator.runOnce(true) }, caseId);
    // The same checks as `xgw verify bundle --root`, against this gateway's root: a quick look in the console;
    // the independent check is the offline one on the downloaded bundle.
    const report = verifyBundle(bundle, { rootPems: deps.trust.chainFor().slice(-1) });
    req.ctx.log.info({ audit: 'evidence-verify', by: actorName(principalOf(req)), caseId, ok: report.ok, failures: report.failures }, 'evidence verified');
    res.set('Cache-Control', 'no-store').json(report);
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
