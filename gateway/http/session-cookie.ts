import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { GatewayError } from '../errors';

/**
 * The console's way to carry a login session (README "Console"): the same session
 * token as `Authorization: Bearer xgu_…`, kept in an HttpOnly, SameSite=Strict cookie
 * the page's scripts cannot read (Secure when the request came over TLS, directly or
 * through a trusted proxy). A request authenticated by the cookie that changes state
 * must also send `X-CSRF-Token`: a value derived from the session token, which the
 * login answer and GET /auth/me give to the page, and which another site cannot read.
 * Bearer-token clients (department systems, scripts) are not affected.
 */
export const SESSION_COOKIE = 'xgw_session';
export const CSRF_HEADER = 'x-csrf-token';
const COOKIE_PATH = '/api/';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session's CSRF token: a one-way function of the (secret) session token, so it needs no storage of its own. */
export const csrfTokenFor = (sessionToken: string): string => createHash('sha256').update('xgw-csrf\n').update(sessionToken).digest('base64url');

/** The session token in the request's cookie, if any. */
export function sessionCookie(req: Request): string | null {
  const header = req.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^xgu_[A-Za-z0-9_-]{10,200}$/.test(value) ? value : null;
    }
  }
  return null;
}

/** A cookie-authenticated request that changes state must carry the session's CSRF token (403 GW_ERR_AUTH_CSRF). */
export function checkCsrf(req: Request, sessionToken: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  const sent = req.get(CSRF_HEADER);
  const want = Buffer.from(csrfTokenFor(sessionToken));
  if (!sent || Buffer.byteLength(sent) !== want.length || !timingSafeEqual(Buffer.from(sent), want)) {
    throw new GatewayError('GW_ERR_AUTH_CSRF', `a request authenticated by the session cookie must send the header X-CSRF-Token (from the login answer or GET /api/v1/auth/me)`);
  }
}

/** Max-Age, not an Expires date of the gateway's clock: the browser's clock may differ; the gateway enforces the end anyway. */
export function setSessionCookie(req: Request, res: Response, token: string, ttlSeconds: number): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: COOKIE_PATH, maxAge: ttlSeconds * 1000 });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: COOKIE_PATH });
}
