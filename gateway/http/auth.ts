import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../store/db';
import type { Clock } from '../clock';
import { GatewayError } from '../errors';
import { findSystemByToken } from '../registry/systems';
import { findUserBySession } from '../registry/users';
import type { Principal } from '../registry/principal';
import { checkCsrf, sessionCookie } from './session-cookie';
import { hashSecret } from '../ids';

/** The local administrator: who the CLI on this machine acts as through a running gateway (see cli/local-admin.ts). */
export const LOCAL_ADMIN: Principal = { kind: 'user', member: 'local', userId: '00000000-0000-0000-0000-000000000000', login: 'cli', role: 'admin' };

/**
 * Resolves bearer tokens to principals. System tokens (xgs_…) and login sessions
 * (xgu_…) share one header. Answers are cached for `cacheSeconds` so the hot path
 * costs no query; a revocation elsewhere takes effect within that time.
 */
export class Authenticator {
  private cache = new Map<string, { principal: Principal; until: number }>();
  /** The hash of this process's local admin credential (xgl_…), if it has one. */
  private localAdminHash: string | null = null;
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly cacheSeconds: number,
  ) {}

  /** Accepts `token` (xgl_…) as the local administrator for this process's lifetime. */
  setLocalAdmin(token: string): void {
    this.localAdminHash = hashSecret(token);
  }

  async resolve(token: string): Promise<Principal | null> {
    if (token.startsWith('xgl_')) return this.localAdminHash !== null && hashSecret(token) === this.localAdminHash ? LOCAL_ADMIN : null;
    const now = this.clock.now().getTime();
    const hit = this.cache.get(token);
    if (hit && hit.until > now) return hit.principal;
    let principal: Principal | null = null;
    let until = now + this.cacheSeconds * 1000;
    if (token.startsWith('xgs_')) {
      const s = await findSystemByToken(this.db, token);
      if (s) principal = { kind: 'system', member: s.member, system: s.system };
    } else if (token.startsWith('xgu_')) {
      const u = await findUserBySession(this.db, token, new Date(now));
      if (u) {
        principal = { kind: 'user', member: u.department, userId: u.id, login: u.login, role: u.role };
        until = Math.min(until, u.expiresAt.getTime());
      }
    }
    if (principal && this.cacheSeconds > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(token, { principal, until });
    } else this.cache.delete(token);
    return principal;
  }

  forget(token?: string): void {
    if (token) this.cache.delete(token);
    else this.cache.clear();
  }
}

// Node's own header (not Express's req.get): the lean push route (http/lean-route.ts) serves requests outside Express.
export function bearerToken(req: Pick<Request, 'headers'>): string | null {
  const h = req.headers.authorization;
  if (h) {
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m ? m[1] : null;
  }
  return null;
}

/** The caller's token: the Authorization header, else the console's session cookie (http/session-cookie.ts). */
export function callerToken(req: Request): { token: string; via: 'bearer' | 'cookie' } | null {
  const bearer = bearerToken(req);
  if (bearer) return { token: bearer, via: 'bearer' };
  if (req.headers.authorization !== undefined) return null;
  const cookie = sessionCookie(req);
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/** Requires a valid bearer token or session cookie (with its CSRF token for state changes); sets req.ctx.principal. */
export function authenticate(auth: Authenticator) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    await authenticateRequest(auth, req);
    next();
  };
}

/** What `authenticate` does, for a route served outside the router (http/lean-route.ts): throws the catalogue error. */
export async function authenticateRequest(auth: Authenticator, req: Request): Promise<void> {
  const caller = callerToken(req);
  if (!caller) throw new GatewayError('GW_ERR_AUTH_MISSING_TOKEN', 'send Authorization: Bearer <token>');
  const principal = await auth.resolve(caller.token);
  if (!principal) throw new GatewayError('GW_ERR_AUTH_INVALID_TOKEN');
  if (caller.via === 'cookie') checkCsrf(req, caller.token);
  req.ctx.principal = principal;
  req.ctx.bindLog({ member: principal.member, ...(principal.kind === 'user' ? { user: principal.login } : { system: principal.system }) });
}

export function principalOf(req: Request): Principal {
  const p = req.ctx.principal;
  if (!p) throw new GatewayError('GW_ERR_AUTH_MISSING_TOKEN');
  return p;
}
