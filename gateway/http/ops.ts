import { Router, type NextFunction, type Request, type Response } from 'express';
import type { GatewayDeps } from '../deps';
import { migrationsDone } from '../store/migrate';
import { sendProblem } from './problem';
import { GatewayError } from '../errors';
import { WorkingCalendar, calendarWarnings } from '../cases/calendar';
import { expiryWarnings } from '../trust/expiry';
import { serverWarnings } from '../store/server-warnings';

/** Records each request's route, status and latency once it has been answered, and logs it. */
export function httpMetrics(deps: Pick<GatewayDeps, 'metrics' | 'log'>) {
  const logRequests = deps.log.isLevelEnabled('info');
  return (req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${req.route.path}` : (req.ctx.route ?? 'unmatched');
      const seconds = Number(process.hrtime.bigint() - req.ctx.started) / 1e9;
      deps.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      deps.metrics.httpDuration.observe({ method: req.method, route }, seconds);
      if (logRequests) {
        req.ctx.log.info({ method: req.method, url: req.originalUrl ?? req.url, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
      }
    });
    next();
  };
}

/**
 * /healthz (process up), /readyz (database reachable and migrated; `warnings` when the
 * working-day calendar does not cover the current or next year, a signing certificate
 * expires within 30 days, or PostgreSQL runs with autovacuum off), /metrics (Prometheus).
 */
export function opsRoutes(deps: Pick<GatewayDeps, 'store' | 'metrics' | 'config' | 'clock' | 'trust'>): Router {
  const r = Router();
  const calendar = new WorkingCalendar(deps.config.cases.calendar);
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (req, res) => {
    let server: string[];
    try {
      if (!(await migrationsDone(deps.store))) {
        return sendProblem(res, req.ctx.requestId, new GatewayError('GW_ERR_STORE_UNAVAILABLE', 'migrations are not complete'));
      }
      server = await serverWarnings(deps.store);
    } catch {
      return sendProblem(res, req.ctx.requestId, new GatewayError('GW_ERR_STORE_UNAVAILABLE', 'database did not answer'));
    }
    const now = deps.clock.now();
    const warnings = [...calendarWarnings(calendar, now), ...expiryWarnings(deps.trust.signingCertificates(), now), ...server];
    res.json({ status: 'ready', database: deps.store.kind, ...(warnings.length ? { warnings } : {}) });
  });
  r.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return r;
}
