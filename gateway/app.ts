import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import { pushDeps, type GatewayDeps } from './deps';
import { requestContext } from './http/context';
import { authenticate } from './http/auth';
import { notFound, problemHandler, requireJson } from './http/problem';
import { refuseUnstorable } from './http/storable';
import { httpMetrics, opsRoutes } from './http/ops';
import { exchangeRoutes, pushHandler } from './exchange/routes';
import { leanRoute } from './http/lean-route';
import { allow } from './registry/permissions';
import { authRoutes, registryRoutes } from './registry/routes';
import { docsRoutes } from './http/docs';
import { buildOpenApi } from './http/openapi';
import { routeMethods } from './http/route-table';
import { errorPages } from './http/error-pages';
import { logRoutes } from './log/routes';
import { auditRoutes } from './audit/routes';
import { deliveryAdminRoutes } from './delivery/routes';
import { documentRoutes, documentWorkflowRoutes } from './documents/routes';
import { adminRoutes } from './admin/routes';
import { adapterRoutes } from './adapters/routes';
import { certificateRoutes } from './trust/routes';
import { caseRoutes } from './cases/routes';
import { supervisionRoutes } from './supervision/routes';
import { statsRoutes } from './stats/routes';
import { serviceCallHandler, serviceCallSteps, serviceRoutes } from './services/routes';
import { inboundSoapRoutes } from './inbound/soap';
import { rateLimits, refuseCredentialsInQuery, securityHeaders } from './http/security';
import { consoleRoutes } from './http/console';

/** The gateway's HTTP side: what the server listens with, and the Express app behind it. */
export interface GatewayHttp {
  /** Every route (tests walk its router). */
  app: Express;
  /** The server's request listener: the lean push and service-call routes (http/lean-route.ts) in front, the app for everything else. */
  listener: RequestListener;
  /** Resolves when every inbound SOAP endpoint has read its WSDL (createGateway awaits it). */
  ready: Promise<void>;
}

/** Builds the Express app from its dependencies (each router declares the part it uses). No listen, no globals: tests call this. */
export function buildApp(deps: GatewayDeps): GatewayHttp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('json spaces', 0);
  // API answers are not cacheable; a SHA-1 ETag per response is pure cost.
  app.set('etag', false);

  const limits = rateLimits(deps.config.rateLimit);
  const push = pushDeps(deps);
  const context = requestContext(deps.log);
  const headers = securityHeaders();
  const metrics = httpMetrics(deps);
  const jsonOptions = { limit: deps.config.bodyLimitBytes, strict: true };
  const json = express.json({ ...jsonOptions, type: ['application/json', 'application/*+json'] });
  const problem = problemHandler();
  const exchange = { ...deps, push };
  // The two hot paths in their plain form, served in front of Express with the same steps as below (http/lean-route.ts).
  const lean = {
    before: [context, headers, metrics],
    bodyLimit: deps.config.bodyLimitBytes,
    // only for bodies a lean route could not parse: the same parser's own refusal
    json: express.json({ ...jsonOptions, type: () => true }),
    auth: deps.auth,
    limit: limits.authenticated,
    problem,
  };
  const serviceSteps = serviceCallSteps();
  const fronts = [
    leanRoute('POST', '/api/v1/messages', { ...lean, route: [allow('exchange.push')], label: '/api/v1/messages', handler: pushHandler(exchange) }),
    leanRoute('POST', /^\/api\/v1\/services\/(?<member>[a-z][a-z0-9-]{0,63})\/(?<service>[a-z][a-z0-9-]{0,63})$/, {
      ...lean,
      route: serviceSteps,
      label: '/api/v1/services/:member/:service',
      handler: serviceCallHandler(deps),
    }),
  ];
  app.use(context);
  app.use(headers);
  app.use(metrics);
  app.use(refuseCredentialsInQuery());
  app.use(opsRoutes(deps)); // never rate limited
  app.use(consoleRoutes()); // static files of the web console (/console/), `/` redirects there
  app.use(limits.anonymous);
  const openapi = buildOpenApi({ schemas: deps.schemas, publicUrl: deps.config.publicUrl });
  app.use(docsRoutes(openapi));
  app.use(errorPages());

  const api = express.Router();
  api.use(documentRoutes(deps, limits.authenticated)); // plain-text bodies: before the JSON-only gate
  api.use(requireJson());
  api.use(json);
  // Refused on its own, before it could reach (and fail) a group commit shared with other requests.
  api.use(refuseUnstorable());
  api.use(authRoutes(deps));
  api.use(authenticate(deps.auth));
  api.use(limits.authenticated);
  api.use(exchangeRoutes(exchange)); // the hot path first: fewer router layers per push
  api.use(registryRoutes(deps));
  api.use(serviceRoutes(deps, serviceSteps));
  api.use(logRoutes(deps));
  api.use(auditRoutes(deps));
  api.use(deliveryAdminRoutes(deps));
  api.use(adminRoutes(deps));
  api.use(adapterRoutes(deps));
  api.use(certificateRoutes(deps));
  api.use(documentWorkflowRoutes(deps));
  api.use(caseRoutes(deps));
  api.use(supervisionRoutes(deps));
  api.use(statsRoutes(deps));
  // An API route's refusal is answered inside this router: leaving it would reset req.baseUrl, and the
  // metrics would label the route "/messages" instead of "/api/v1/messages" (http/ops.ts).
  api.use(problem);
  app.use('/api/v1', api);
  // Agencies' SOAP endpoints (their own body handling: GBK, WS-Security, XML limits).
  const inbound = inboundSoapRoutes({ ...deps, push });
  app.use(inbound);

  app.use(notFound(routeMethods(openapi)));
  app.use(problem);
  return {
    app,
    listener: (req, res) => {
      for (const front of fronts) if (front(req, res)) return;
      app(req, res);
    },
    ready: inbound.ready,
  };
}
