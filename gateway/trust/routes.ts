import { Router, type Request } from 'express';
import type { GatewayDeps } from '../deps';
import { principalOf } from '../http/auth';
import { validateBody, validateQuery, validQuery } from '../http/validate';
import { actorName } from '../registry/principal';
import { allow } from '../registry/permissions';
import { inChange } from '../admin/change';
import { applyCrlChange, listCertificateViews, revokeCertificateByFingerprint, revokeMemberCertificate, rotateMemberCertificate, type CertificateFilter } from './admin-certificates';
import { renewLogCertificate, renewRootCertificate } from './admin-renewal';
import { certificateCrlSchema, certificatePaths, certificateRevokeAtSchema, certificateRevokeSchema } from './openapi';

type Deps = Pick<GatewayDeps, 'store' | 'clock' | 'adapters' | 'registry' | 'config' | 'trust'>;

/** Certificate administration (admin role): the list for the console, rotation, renewal and revocation (registry changes). */
export function certificateRoutes(deps: Deps): Router {
  const r = Router();
  const ops = certificatePaths();
  const admin = allow('registry.admin');
  const by = (req: Request) => actorName(principalOf(req));
  const code = (req: Request) => String(req.params.code);

  r.get('/admin/certificates', admin, validateQuery(ops['/api/v1/admin/certificates'].get, { closed: true }), async (req, res) => {
    res.json(await listCertificateViews(deps.store, validQuery<CertificateFilter>(req), deps.clock.now()));
  });
  r.post('/admin/members/:code/certificates/rotate', admin, async (req, res) => {
    const { result } = await inChange(deps, by(req), (ctx) => rotateMemberCertificate(ctx, { dir: deps.trust.pki.dir }, code(req)));
    res.set('X-Registry-Version', String(deps.registry.version)).status(201).json(result);
  });
  r.post('/admin/certificates/log/renew', admin, async (req, res) => {
    const pki = { dir: deps.trust.pki.dir, alg: deps.config.trust.logKeyAlg };
    const { result } = await inChange(deps, by(req), (ctx) => renewLogCertificate(ctx, pki));
    res.set('X-Registry-Version', String(deps.registry.version)).status(201).json(result);
  });
  r.post('/admin/certificates/root/renew', admin, async (req, res) => {
    const pki = { dir: deps.trust.pki.dir, logAlg: deps.config.trust.logKeyAlg };
    const { result } = await inChange(deps, by(req), (ctx) => renewRootCertificate(ctx, pki));
    res.set('X-Registry-Version', String(deps.registry.version)).status(201).json(result);
  });
  r.post('/admin/members/:code/certificates/revoke', admin, validateBody(certificateRevokeSchema), async (req, res) => {
    const { fingerprint } = (req.body ?? {}) as { fingerprint?: string };
    const { result } = await inChange(deps, by(req), (ctx) => revokeMemberCertificate(ctx, code(req), fingerprint));
    res.set('X-Registry-Version', String(deps.registry.version)).json({ revoked: result });
  });
  r.post('/admin/certificates/:fingerprint/revoke', admin, validateBody(certificateRevokeAtSchema), async (req, res) => {
    const { revokedAt } = (req.body ?? {}) as { revokedAt?: string };
    const fingerprint = String(req.params.fingerprint).toLowerCase();
    const { result } = await inChange(deps, by(req), (ctx) => revokeCertificateByFingerprint(ctx, fingerprint, revokedAt ? new Date(revokedAt) : undefined));
    res.set('X-Registry-Version', String(deps.registry.version)).json(result);
  });
  r.post('/admin/certificates/crl', admin, validateBody(certificateCrlSchema), async (req, res) => {
    const trust = { trustedRootPems: deps.trust.pki.trustedRootPems, acceptLegacySm2: deps.config.trust.acceptLegacySm2Certificates };
    const { result } = await inChange(deps, by(req), (ctx) => applyCrlChange(ctx, (req.body as { crl: string }).crl, trust));
    res.set('X-Registry-Version', String(deps.registry.version)).json({ revoked: result });
  });
  return r;
}
