import { Router, type Request } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { principalOf } from '../http/auth';
import { validateQuery, validQuery } from '../http/validate';
import { actorName } from '../registry/principal';
import { actorOf, allow } from '../registry/permissions';
import { logNoteVkey } from '../log/note';
import { traceEntries, traceQueryOf, type TraceParams } from './trace';
import { buildEvidence, exportSummary } from './evidence';
import { recordAudit, type AuditActor } from './trail';
import { auditPaths } from './openapi';

/**
 * Audit API (电子监察): log traces and evidence bundles, for auditors and supervisors only.
 * Each query and export, answered or refused, is itself an entry in the signed log (trail.ts).
 */
export function auditRoutes(deps: Pick<GatewayDeps, 'store' | 'clock' | 'integrator' | 'witnessing' | 'trust'> & { config: Pick<GatewayDeps['config'], 'trust'> }): Router {
  const r = Router();
  const ops = auditPaths();
  const alg = deps.config.trust.logHashAlg;
  const who = (req: Request): AuditActor => {
    const p = principalOf(req);
    return { actor: actorName(p), role: actorOf(p) };
  };
  const noteSigner = deps.trust.logNoteSigner;
  const note = noteSigner ? { origin: deps.config.trust.logOrigin, vkey: logNoteVkey(deps.config.trust.logOrigin, noteSigner) } : undefined;
  const failed = (err: unknown) => ({ ok: false as const, code: err instanceof GatewayError ? err.code : 'GW_ERR_INTERNAL' });

  r.get('/audit/trace', allow('audit.read'), validateQuery(ops['/api/v1/audit/trace'].get), async (req, res) => {
    const params = validQuery<TraceParams>(req);
    const query = { caseId: params.caseId, messageId: params.messageId, member: params.member, from: params.from, to: params.to, after: params.after };
    let page;
    try {
      page = await traceEntries(deps.store, traceQueryOf(params));
    } catch (err) {
      await recordAudit(deps.store, alg, deps.clock.now(), 'audit.trace_queried', who(req), query, failed(err));
      throw err;
    }
    // Recorded before the answer leaves: no trace is read without its entry.
    await recordAudit(deps.store, alg, deps.clock.now(), 'audit.trace_queried', who(req), query, { ok: true, entries: page.items.length });
    res.json(page);
  });

  r.get('/audit/evidence', allow('audit.read'), validateQuery(ops['/api/v1/audit/evidence'].get, { detail: 'caseId (the case number) is required' }), async (req, res) => {
    const { caseId } = validQuery<{ caseId: string }>(req);
    let bundle;
    try {
      bundle = await buildEvidence(
        {
          db: deps.store,
          clock: deps.clock,
          signCheckpoint: () => deps.integrator.runOnce(true),
          ...(deps.witnessing.configured ? { witness: (size: number) => deps.witnessing.submit(size) } : {}),
          note,
        },
        caseId,
      );
    } catch (err) {
      await recordAudit(deps.store, alg, deps.clock.now(), 'audit.evidence_exported', who(req), { caseId }, failed(err));
      throw err;
    }
    // The bundle carries payloads (personal data): every export is on record, in the signed log.
    const summary = exportSummary(bundle);
    const index = await recordAudit(deps.store, alg, deps.clock.now(), 'audit.evidence_exported', who(req), { caseId }, { ok: true, entries: summary.entries, messages: summary.messages, checkpointSize: summary.checkpointSize });
    req.ctx.log.info({ audit: 'evidence-export', by: actorName(principalOf(req)), logIndex: index, ...summary }, 'evidence bundle exported');
    const file = `evidence-${caseId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
    res.set('Content-Disposition', `attachment; filename="${file}"`).set('Cache-Control', 'no-store').json(bundle);
  });

  return r;
}
