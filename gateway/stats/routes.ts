import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { validateQuery, validQuery } from '../http/validate';
import { allow } from '../registry/permissions';
import { statsCsv } from './csv';
import { caseStatsOp, overdueCasesOp, warningCasesOp } from './openapi';
import { overdueBranches, warningBranches, type OverdueQuery } from './overdue';
import { caseStats, type StatsQuery } from './query';

/** A period ends on or after it starts. */
function checkPeriod(q: { from?: string; to?: string }): void {
  if (q.from && q.to && q.to < q.from) {
    throw new GatewayError('GW_ERR_REQUEST_INVALID', '`to` is before `from`', { errors: [{ pointer: '/to', message: 'before from' }] });
  }
}

/** GET /stats/cases (JSON or CSV), /stats/overdue and /stats/warnings (after authenticate). */
export function statsRoutes(deps: Pick<GatewayDeps, 'store' | 'cases' | 'clock' | 'config'>): Router {
  const r = Router();
  r.get('/stats/cases', allow('stats.read'), validateQuery(caseStatsOp, { closed: true }), async (req, res) => {
    const { format, ...q } = validQuery<StatsQuery & { format?: 'json' | 'csv' }>(req);
    checkPeriod(q);
    const stats = await caseStats(deps.store, deps.cases, q, deps.clock.now());
    const csv = format ? format === 'csv' : req.accepts(['application/json', 'text/csv']) === 'text/csv';
    if (!csv) return void res.json(stats);
    res.type('text/csv; charset=utf-8').attachment(`case-stats-${stats.groupBy}-${stats.asOf}.csv`).send(statsCsv(stats));
  });
  r.get('/stats/overdue', allow('stats.read'), validateQuery(overdueCasesOp, { closed: true }), async (req, res) => {
    const q = validQuery<OverdueQuery>(req);
    checkPeriod(q);
    res.json(await overdueBranches(deps.store, deps.cases, q, deps.clock.now()));
  });
  r.get('/stats/warnings', allow('stats.read'), validateQuery(warningCasesOp, { closed: true }), async (req, res) => {
    const q = validQuery<OverdueQuery>(req);
    checkPeriod(q);
    res.json(await warningBranches(deps.store, deps.cases, q, deps.clock.now(), deps.config.supervision.warningDays));
  });
  return r;
}
