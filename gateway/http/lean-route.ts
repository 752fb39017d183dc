import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticateRequest, type Authenticator } from './auth';
import { assertStorable } from '../schemas/storable';

/** The generic stack's steps a lean route runs itself, each the very instance app.ts mounts there. */
export interface LeanRouteSteps {
  /** requestContext, securityHeaders, httpMetrics: in app order, each calls next() synchronously. */
  before: RequestHandler[];
  /** The API's JSON body parser (express.json with the configured limit; its type check may be left out: the lean route checks the type first). */
  json: RequestHandler;
  auth: Authenticator;
  /** The authenticated rate limiter (shared counts with every other route). */
  limit: RequestHandler;
  /** The route's permission check (registry/permissions.ts allow): synchronous, throws its refusal. */
  guard: (req: Request, res: Response, next: NextFunction) => void;
  handler: (req: Request, res: Response) => Promise<void>;
  /** The app's error handler (http/problem.ts problemHandler). */
  problem: (err: unknown, req: Request, res: Response, next: NextFunction) => void;
}

const noop = () => {};

/** Runs an Express middleware to its next(): resolves, or rejects with what it passed on (or threw). */
function step(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      const r = mw(req, res, (err?: unknown) => (err ? reject(err) : resolve())) as unknown;
      if (r instanceof Promise) r.catch(reject);
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * One hot route served without walking the generic middleware stack (a dozen routers'
 * path matching, the anonymous limiter, the JSON-only gate), with exactly the steps
 * that stack would run for it, in the same order: request id and logger, security
 * headers, metrics, body parser, the unstorable-value check, authentication, the
 * authenticated rate limit, the permission check, the handler; errors become
 * problem+json through the same handler.
 *
 * It takes only the plain form of the request: `method` on exactly `path` (no query
 * string, no other spelling), with an Authorization header (so the anonymous limiter
 * would skip it) and a JSON Content-Type (so the JSON-only gate would pass it). Any
 * other request goes on to the generic stack, which answers it as before.
 */
export function leanRoute(method: string, path: string, s: LeanRouteSteps): RequestHandler {
  const label = path;
  const serve = async (req: Request, res: Response): Promise<void> => {
    try {
      await step(s.json, req, res);
      if (req.body !== undefined && typeof req.body === 'object') assertStorable(req.body); // http/storable.ts
      await authenticateRequest(s.auth, req);
      await step(s.limit, req, res);
      req.ctx.route = label; // where the router would have matched the route (errors before it: 'unmatched', as there)
      s.guard(req, res, noop); // synchronous: throws its refusal
      await s.handler(req, res);
    } catch (err) {
      s.problem(err, req, res, noop);
    }
  };
  return (req, res, next) => {
    if (req.method !== method || req.url !== path || req.headers.authorization === undefined || !isJsonType(req.headers['content-type'])) return next();
    for (const mw of s.before) void mw(req, res, noop);
    void serve(req, res);
  };
}

/** application/json, optionally with parameters (a charset): what the JSON-only gate and the parser both accept as JSON. */
function isJsonType(ct: string | undefined): boolean {
  return ct !== undefined && (ct === 'application/json' || ct.startsWith('application/json;'));
}
