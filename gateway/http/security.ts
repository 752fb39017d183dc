import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { GatewayError } from '../errors';
import { SECRET_NAME } from '../logger';
import { sessionCookie } from './session-cookie';

/**
 * Security headers on every response (helmet). The API answers JSON, so its
 * policy allows nothing; the Swagger UI page at /docs sets its own, self-only CSP
 * (http/docs.ts DOCS_CSP), which replaces this one on that page.
 */
export function securityHeaders(): (req: Request, res: Response, next: NextFunction) => void {
  const h = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  // This policy is the same for every request (no nonces): helmet's chain of a dozen middlewares runs once, here,
  // and each response gets the headers it set (and loses the ones it removed), in its order.
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const probe = {
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let done = false;
  h({} as Request, probe as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be computed once');
  return (_req, res, next) => {
    for (let i = 0; i < set.length; i++) res.setHeader(set[i]![0], set[i]![1]);
    for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]!);
    next();
  };
}

/**
 * Credentials travel in the Authorization header only. A query parameter that looks
 * like one (access_token, token, password, api_key …) is refused before anything else
 * reads the request: URLs end up in proxies' logs, browser history and Referer headers.
 */
export function refuseCredentialsInQuery() {
  return (req: Request, _res: Response, next: NextFunction) => {
    const q = req.url.indexOf('?');
    if (q >= 0) {
      for (const name of new URLSearchParams(req.url.slice(q + 1)).keys()) {
        if (SECRET_NAME.test(name)) {
          throw new GatewayError('GW_ERR_AUTH_TOKEN_IN_QUERY', `remove "${name}" from the URL and send Authorization: Bearer <token>`);
        }
      }
    }
    next();
  };
}

export interface RateLimitConfig {
  windowSeconds: number;
  /** Requests per window by one member's systems (all its tokens together). */
  perMember: number;
  /** Requests per window by one person (login). */
  perUser: number;
  /** Requests per window from one client address before authentication (login, SOAP, docs). */
  perAddress: number;
}

function limiter(windowSeconds: number, limit: (req: Request) => number, key: (req: Request) => string, skip?: (req: Request) => boolean) {
  return rateLimit({
    windowMs: windowSeconds * 1000,
    limit,
    keyGenerator: key,
    skip,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: { trustProxy: false, xForwardedForHeader: false },
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retry = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + windowSeconds * 1000) - Date.now()) / 1000));
      req.ctx.log.warn({ rateLimited: key(req) }, 'rate limit reached');
      next(new GatewayError('GW_ERR_RATE_LIMITED', `too many requests; retry in ${retry} s`, { headers: { 'Retry-After': String(retry) } }));
    },
  });
}

/**
 * Per-caller request limits (in memory, per gateway process). Before authentication the
 * key is the client address; after it, the member code for systems and the login for
 * people. /healthz, /readyz and /metrics are mounted before these and never limited.
 */
export function rateLimits(cfg: RateLimitConfig) {
  const byAddress = (req: Request) => `address:${ipKeyGenerator(req.ip ?? '')}`;
  return {
    /** App level: requests that carry no bearer token (nor the console's session cookie). */
    anonymous: limiter(cfg.windowSeconds, () => cfg.perAddress, byAddress, (req) => req.get('authorization') !== undefined || sessionCookie(req) !== null),
    /** After authenticate: the principal's member or login. */
    authenticated: limiter(
      cfg.windowSeconds,
      (req) => (req.ctx.principal?.kind === 'user' ? cfg.perUser : cfg.perMember),
      (req) => {
        const p = req.ctx.principal;
        return !p ? byAddress(req) : p.kind === 'system' ? `member:${p.member}` : `user:${p.login}`;
      },
    ),
  };
}
