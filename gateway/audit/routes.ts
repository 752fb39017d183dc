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
import { listAuditAccess, recordAuditAccess, type AuditAccessAction } from './access-log';
import type { Request } from 'express';

/** Audit API (电子监察): log traces and evidence bundles, for auditors and supervisors only; their record of access, for administrators. */
export function auditRoutes(deps: Pick<GatewayDeps, 'store' | 'clock' | 'integrator' | 'trust'>): Router {
  const r = Router();
  const ops = auditPaths();
  const evidenceOf = (caseId: string) => buildEvidence({ db: deps.store, clock: deps.clock, signCheckpoint: () => deps.integrator.runOnce(true) }, caseId);

  /** Runs an auditor's look at the records and records it (who, what, when; results null when it failed), in the database. */
  async function recorded<T>(req: Request, action: AuditAccessAction, params: Record<string, unknown>, run: () => Promise<T>, count: (out: T) => number): Promise<T> {
    let results: number | undefined;
    try {
      const out = await run();
      results = count(out);
      return out;
    } finally {
      await recordAuditAccess(deps.store, { at: deps.clock.now(), actor: actorName(principalOf(req)), action, params, results });
    }
  }

  r.get('/audit/trace', allow('audit.read'), validateQuery(ops['/api/v1/audit/trace'].get), async (req, res) => {
    const params = validQuery<TraceParams>(req);
    // Who looked at what, when (电子监察 of the auditors themselves).
    const { limit: _limit, after: _after, ...filter } = params;
    const page = await recorded(req, 'trace', filter, () => traceEntries(deps.store, traceQueryOf(params)), (p) => p.items.length);
    req.ctx.log.info({ audit: 'trace-query', by: actorName(principalOf(req)), filter, results: page.items.length }, 'audit trace queried');
    res.json(page);
  });

  r.get('/audit/verify', allow('audit.read'), validateQuery(ops['/api/v1/audit/verify'].get, { detail: 'caseId (the case number) is required' }), async (req, res) => {
    const { caseId } = validQuery<{ caseId: string }>(req);
    // The same checks as `xgw verify bundle --root`, against this gateway's root: a quick look in the console;
    // the independent check is the offline one on the downloaded bundle.
    const report = await recorded(
      req,
      'evidence-verify',
      { caseId },
      async () => verifyBundle(await evidenceOf(caseId), { rootPems: deps.trust.chainFor().slice(-1) }),
      (x) => x.counts.entries,
    );
    req.ctx.log.info({ audit: 'evidence-verify', by: actorName(principalOf(req)), caseId, ok: report.ok, failures: report.failures }, 'evidence verified');
    res.set('Cache-Control', 'no-store').json(report);
  });

  r.get('/audit/evidence', allow('audit.read'), validateQuery(ops['/api/v1/audit/evidence'].get, { detail: 'caseId (the case number) is required' }), async (req, res) => {
    const { caseId } = validQuery<{ caseId: string }>(req);
    // The bundle carries payloads (personal data): every export is on record.
    const bundle = await recorded(req, 'evidence-export', { caseId }, () => evidenceOf(caseId), (b) => b.entries.length);
    req.ctx.log.info({ audit: 'evidence-export', by: actorName(principalOf(req)), ...exportSummary(bundle) }, 'evidence bundle exported');
    const file = `evidence-${caseId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
    res.set('Content-Disposition', `attachment; filename="${file}"`).set('Cache-Control', 'no-store').json(bundle);
  });

  r.get('/admin/audit-access', allow('auditAccess.read'), validateQuery(ops['/api/v1/admin/audit-access'].get), async (req, res) => {
    res.json(await listAuditAccess(deps.store, validQuery<{ actor?: string; after?: string; limit: number }>(req)));
  });

  return r;
}
