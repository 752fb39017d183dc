import { Router, type Request } from 'express';
import type { GatewayDeps } from '../deps';
import { principalOf } from '../http/auth';
import { validateQuery, validQuery } from '../http/validate';
import { actorName } from '../registry/principal';
import { actorOf, allow } from '../registry/permissions';
import { traceEntries, traceQueryOf, type TraceParams } from './trace';
import { buildEvidence, evidenceSourceOf, exportOutcome, exportSummary } from './evidence';
import { audited, type AuditActor, type AuditKind, type AuditOutcome } from './trail';
import { listAuditAccess } from './access-log';
import { verifyBundle } from './verify-bundle';
import { auditPaths } from './openapi';

/**
 * Audit API (电子监察): log traces, evidence bundles and their verification, for auditors and
 * supervisors only. Each query, export and verification, answered or refused, is itself an entry
 * in the signed log (trail.ts), recorded before the answer leaves; administrators read those
 * entries as the record of who looked at what (access-log.ts).
 */
export function auditRoutes(deps: Pick<GatewayDeps, 'store' | 'archive' | 'clock' | 'integrator' | 'witnessing' | 'trust'> & { config: Pick<GatewayDeps['config'], 'trust'> }): Router {
  const r = Router();
  const ops = auditPaths();
  const alg = deps.config.trust.logHashAlg;
  const who = (req: Request): AuditActor => {
    const p = principalOf(req);
    return { actor: actorName(p), role: actorOf(p) };
  };
  const evidenceOf = (caseId: string) => buildEvidence(evidenceSourceOf(deps, { witness: true }), caseId);

  const recorded = <T>(req: Request, kind: AuditKind, query: Record<string, string | number | undefined>, run: () => Promise<T>, outcome: (out: T) => AuditOutcome) =>
    audited(deps.store, alg, () => deps.clock.now(), kind, who(req), query, run, outcome);

  r.get('/audit/trace', allow('audit.read'), validateQuery(ops['/api/v1/audit/trace'].get), async (req, res) => {
    const params = validQuery<TraceParams>(req);
    const query = { caseId: params.caseId, messageId: params.messageId, member: params.member, type: params.type, from: params.from, to: params.to, after: params.after };
    const { out: page, index } = await recorded(req, 'audit.trace_queried', query, () => traceEntries(deps.store, traceQueryOf(params)), (p) => ({ ok: true, entries: p.items.length }));
    const { limit: _limit, after: _after, ...filter } = params;
    req.ctx.log.info({ audit: 'trace-query', by: actorName(principalOf(req)), logIndex: index, filter, results: page.items.length }, 'audit trace queried');
    res.json(page);
  });

  r.get('/audit/verify', allow('audit.read'), validateQuery(ops['/api/v1/audit/verify'].get, { detail: 'caseId (the case number) is required' }), async (req, res) => {
    const { caseId } = validQuery<{ caseId: string }>(req);
    // The checks of `xgw verify bundle --root` against this gateway's roots (current and renewed-away): a quick look in the console;
    // the independent check is the offline one on the downloaded bundle.
    const { out: report, index } = await recorded(
      req,
      'audit.evidence_verified',
      { caseId },
      async () => verifyBundle(await evidenceOf(caseId), { rootPems: deps.trust.ownRoots() }),
      (x) => ({ ok: true, entries: x.counts.entries }),
    );
    req.ctx.log.info({ audit: 'evidence-verify', by: actorName(principalOf(req)), logIndex: index, caseId, ok: report.ok, failures: report.failures }, 'evidence verified');
    res.set('Cache-Control', 'no-store').json(report);
  });

  r.get('/audit/evidence', allow('audit.read'), validateQuery(ops['/api/v1/audit/evidence'].get, { detail: 'caseId (the case number) is required' }), async (req, res) => {
    const { caseId } = validQuery<{ caseId: string }>(req);
    // The bundle carries payloads (personal data): every export is on record, in the signed log.
    const { out: bundle, index } = await recorded(req, 'audit.evidence_exported', { caseId }, () => evidenceOf(caseId), exportOutcome);
    req.ctx.log.info({ audit: 'evidence-export', by: actorName(principalOf(req)), logIndex: index, ...exportSummary(bundle) }, 'evidence bundle exported');
    const file = `evidence-${caseId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
    res.set('Content-Disposition', `attachment; filename="${file}"`).set('Cache-Control', 'no-store').json(bundle);
  });

  r.get('/admin/audit-access', allow('auditAccess.read'), validateQuery(ops['/api/v1/admin/audit-access'].get), async (req, res) => {
    res.json(await listAuditAccess(deps.store, validQuery<{ actor?: string; after?: string; limit: number }>(req)));
  });

  return r;
}
