import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { callerToken, principalOf } from '../http/auth';
import { clearSessionCookie, csrfTokenFor, setSessionCookie } from '../http/session-cookie';
import { validateBody } from '../http/validate';
import { login, logout } from './users';
import { maskLogin } from './login-throttle';
import { formatTime } from '../clock';
import { allow } from './permissions';
import { loginRequestSchema } from './openapi';

/** Login (public) — the rest of the registry routes need a principal. */
export function authRoutes(deps: Pick<GatewayDeps, 'store' | 'clock'> & { config: Pick<GatewayConfig, 'auth'> }): Router {
  const r = Router();
  r.post('/auth/login', validateBody(loginRequestSchema, { detail: 'send {"login": "...", "password": "..."}' }), async (req, res) => {
    const b = req.body as { login: string; password: string; session?: 'token' | 'cookie' };
    const a = deps.config.auth;
    try {
      const out = await login(
        deps.store,
        deps.clock,
        {
          throttle: {
            perLoginAddress: a.loginMaxFailures,
            perAddress: a.loginAddressMaxFailures,
            baseDelaySeconds: a.loginDelaySeconds,
            maxDelaySeconds: a.loginMaxDelaySeconds,
            windowSeconds: a.loginWindowSeconds,
          },
          ttlSeconds: a.sessionTtlSeconds,
        },
        b.login,
        b.password,
        req.ip ?? '',
      );
      req.ctx.log.info({ login: out.user.login, role: out.user.role, session: b.session ?? 'token' }, 'login');
      if (b.session === 'cookie') {
        // The console: the token stays in an HttpOnly cookie, the page gets only its CSRF token.
        setSessionCookie(req, res, out.token, a.sessionTtlSeconds);
        res.set('Cache-Control', 'no-store').json({ tokenType: 'Cookie', csrfToken: csrfTokenFor(out.token), expiresAt: formatTime(out.expiresAt), user: out.user });
        return;
      }
      res.json({ token: out.token, tokenType: 'Bearer', expiresAt: formatTime(out.expiresAt), user: out.user });
    } catch (err) {
      const code = (err as GatewayError).code;
      req.ctx.log.warn({ login: maskLogin(b.login), remote: req.ip, code }, code === 'GW_ERR_AUTH_RATE_LIMITED' ? 'login refused (throttled)' : 'login failed');
      throw err;
    }
  });
  return r;
}

export function registryRoutes(deps: Pick<GatewayDeps, 'store' | 'auth' | 'directory' | 'adapters' | 'schemas'> & { config: Pick<GatewayConfig, 'publicUrl'> }): Router {
  const r = Router();
  const base = () => deps.config.publicUrl ?? '';

  r.post('/auth/logout', allow('session.use'), async (req, res) => {
    const caller = callerToken(req);
    if (caller?.token.startsWith('xgu_')) {
      await logout(deps.store, caller.token);
      deps.auth.forget(caller.token);
    }
    if (caller?.via === 'cookie') clearSessionCookie(req, res);
    res.status(204).end();
  });

  r.get('/auth/me', allow('session.use'), (req, res) => {
    const caller = callerToken(req);
    res.set('Cache-Control', 'no-store').json({ ...principalOf(req), ...(caller?.via === 'cookie' ? { csrfToken: csrfTokenFor(caller.token) } : {}) });
  });

  // Metaservice (X-Road listClients): who is on the gateway.
  r.get('/members', allow('registry.read'), (_req, res) => {
    const items = deps.directory
      .allMembers()
      .sort((a, b) => a.code.localeCompare(b.code))
      .map((m) => ({ code: m.code, name: m.name, kind: m.kind, uscc: m.uscc, adapter: m.adapter, delivery: m.deliveryMode }));
    res.json({ items, next: null });
  });

  // Metaservice (X-Road listMethods/getWsdl): what a member accepts, with schemas.
  r.get('/members/:code/services', allow('registry.read'), (req, res) => {
    const code = String(req.params.code);
    const m = deps.directory.member(code);
    if (!m) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${code}"`);
    const byType = new Map<string, { sender: string; purposes: string[] }[]>();
    for (const a of deps.directory.agreements.accepted(code)) {
      byType.set(a.messageType, [...(byType.get(a.messageType) ?? []), { sender: a.sender, purposes: a.purposes }]);
    }
    const origin = deps.config.publicUrl ?? `${req.protocol}://${req.get('host')}`;
    const adapter = deps.adapters.adapterOf(code);
    res.json({
      member: { code: m.code, name: m.name, kind: m.kind, adapter: m.adapter },
      adapter: adapter ? { name: adapter.name, version: adapter.version, title: adapter.title, mappingVersion: adapter.mappingVersion, delivers: adapter.delivers } : null,
      messageTypes: [...byType]
        .filter(([type]) => deps.schemas.has(type))
        .map(([type, senders]) => ({ type, schema: `${base()}/api/v1/schemas/${type}`, jsonSchema: deps.schemas.schemaOf(type), senders })),
      services: (adapter?.services ?? []).map((s) => ({
        name: s.name,
        title: s.title,
        operation: s.operation,
        url: `${origin}/api/v1/services/${code}/${s.name}`,
        callers: byType.get(s.name) ?? [],
        requestSchema: s.requestSchema,
        responseSchema: s.responseSchema,
      })),
      inbound: adapter?.inbound
        ? {
            url: `${origin}/soap/${code}`,
            wsdl: `${origin}/soap/${code}?wsdl`,
            soapVersion: adapter.inbound.soapVersion,
            encoding: adapter.inbound.encoding,
            operations: adapter.inbound.operations.map((o) => ({ operation: o.operation, becomes: o.type })),
          }
        : null,
    });
  });

  r.get('/schemas', allow('registry.read'), (_req, res) => {
    res.json({ items: deps.schemas.types().map((t) => ({ type: t, href: `${base()}/api/v1/schemas/${t}` })), next: null });
  });

  r.get('/schemas/:type', allow('registry.read'), (req, res) => {
    const t = String(req.params.type);
    if (!deps.schemas.has(t)) throw new GatewayError('GW_ERR_SCHEMA_UNKNOWN_TYPE', `"${t}" is not a message type; known: ${deps.schemas.types().join(', ')}`);
    res.type('application/schema+json').send(JSON.stringify(deps.schemas.schemaOf(t)));
  });
  return r;
}
