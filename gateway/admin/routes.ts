import { Router, type Request, type Response } from 'express';
import type { GatewayDeps } from '../deps';
import { principalOf } from '../http/auth';
import { validateBody, validateQuery, validQuery } from '../http/validate';
import { actorName } from '../registry/principal';
import { allow } from '../registry/permissions';
import type { ChangeContext } from '../registry/changes';
import { inChange } from './change';
import { createMember, getMemberRecord, getWebhook, listMemberRecords, listWebhooks, removeWebhook, setWebhook, updateMember, type MemberFilter } from '../registry/admin-members';
import { createAgreement, deleteAgreement, getAgreement, listAgreementRecords, updateAgreement } from '../registry/admin-agreements';
import { createSystem, createUser, getSystem, getUser, issueToken, listSystems, listTokens, listUserRecords, revokeToken, updateSystem, updateUser } from '../registry/admin-access';
import { getReceiverDelivery, setDeliveryPaused } from '../registry/admin-delivery';
import { applyRegistry, exportRegistry, type RegistryDocument } from '../registry/admin-document';
import * as s from './openapi';
import type { Op } from '../http/openapi-helpers';

type Deps = Pick<GatewayDeps, 'store' | 'clock' | 'adapters' | 'registry' | 'config' | 'delivery'>;

/** Registry administration (admin role): members, webhooks, systems and tokens, agreements, people, the registry document. */
export function adminRoutes(deps: Deps): Router {
  const r = Router();
  const ops = s.adminPaths();
  const admin = allow('registry.admin');
  const by = (req: Request) => actorName(principalOf(req));
  const db = { db: deps.store };
  const send = (res: Response, status: number, body?: unknown) => {
    res.set('X-Registry-Version', String(deps.registry.version));
    if (body === undefined) res.status(status).end();
    else res.status(status).json(body);
  };
  const change = async <T>(req: Request, res: Response, status: number, fn: (ctx: ChangeContext) => Promise<T>) => {
    const { result } = await inChange(deps, by(req), fn);
    send(res, status, status === 204 ? undefined : result);
  };
  const p = (req: Request, name: string) => String(req.params[name]);
  const list = (o: Pick<Op, 'params'>) => validateQuery(o, { closed: true });

  r.get('/admin/members', admin, list(ops['/api/v1/admin/members'].get), async (req, res) => {
    res.json(await listMemberRecords(db, validQuery<MemberFilter>(req)));
  });
  r.post('/admin/members', admin, validateBody(s.memberCreateSchema), (req, res) =>
    change(req, res, 201, async (ctx) => {
      const { webhook, ...m } = req.body as s.MemberCreate;
      const member = await createMember(ctx, { deliveryMode: 'pull', ...m });
      return webhook ? { ...member, webhook: await setWebhook(ctx, m.code, webhook) } : member;
    }),
  );
  r.get('/admin/members/:code', admin, async (req, res) => void res.json(await getMemberRecord(db, p(req, 'code'))));
  r.patch('/admin/members/:code', admin, validateBody(s.memberPatchSchema), (req, res) => change(req, res, 200, (ctx) => updateMember(ctx, p(req, 'code'), req.body)));
  r.delete('/admin/members/:code', admin, (req, res) => change(req, res, 200, (ctx) => updateMember(ctx, p(req, 'code'), { active: false })));

  r.get('/admin/webhooks', admin, list(ops['/api/v1/admin/webhooks'].get), async (req, res) => void res.json(await listWebhooks(db, validQuery(req))));
  r.get('/admin/members/:code/webhook', admin, async (req, res) => {
    await getMemberRecord(db, p(req, 'code'));
    res.json(await getWebhook(db, p(req, 'code')));
  });
  r.put('/admin/members/:code/webhook', admin, validateBody(s.webhookSetSchema), (req, res) =>
    change(req, res, 200, async (ctx) => setWebhook(ctx, p(req, 'code'), req.body)),
  );
  r.delete('/admin/members/:code/webhook', admin, (req, res) => change(req, res, 204, (ctx) => removeWebhook(ctx, p(req, 'code'))));

  r.get('/admin/members/:code/delivery', admin, async (req, res) => void res.json(await getReceiverDelivery(db, p(req, 'code'))));
  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    r.post(`/admin/members/:code/delivery/${verb}`, admin, (req, res) =>
      change(req, res, 200, async (ctx) => {
        const state = await setDeliveryPaused(ctx, p(req, 'code'), paused);
        if (!paused) deps.delivery.wake();
        return state;
      }),
    );
  }

  r.get('/admin/systems', admin, list(ops['/api/v1/admin/systems'].get), async (req, res) => void res.json(await listSystems(db, validQuery(req))));
  r.post('/admin/systems', admin, validateBody(s.systemCreateSchema), (req, res) => change(req, res, 201, (ctx) => createSystem(ctx, req.body)));
  r.get('/admin/systems/:member/:system', admin, async (req, res) => void res.json(await getSystem(db, p(req, 'member'), p(req, 'system'))));
  r.patch('/admin/systems/:member/:system', admin, validateBody(s.systemPatchSchema), (req, res) =>
    change(req, res, 200, (ctx) => updateSystem(ctx, p(req, 'member'), p(req, 'system'), req.body)),
  );
  r.delete('/admin/systems/:member/:system', admin, (req, res) => change(req, res, 200, (ctx) => updateSystem(ctx, p(req, 'member'), p(req, 'system'), { active: false })));
  r.post('/admin/systems/:member/:system/tokens', admin, validateBody(s.tokenIssueSchema), (req, res) =>
    change(req, res, 201, (ctx) => issueToken(ctx, p(req, 'member'), p(req, 'system'), (req.body as { label?: string }).label ?? '')),
  );
  r.get('/admin/tokens', admin, list(ops['/api/v1/admin/tokens'].get), async (req, res) => void res.json(await listTokens(db, validQuery(req))));
  r.delete('/admin/tokens/:id', admin, (req, res) => change(req, res, 204, (ctx) => revokeToken(ctx, p(req, 'id'))));

  r.get('/admin/agreements', admin, list(ops['/api/v1/admin/agreements'].get), async (req, res) => void res.json(await listAgreementRecords(db, validQuery(req))));
  r.post('/admin/agreements', admin, validateBody(s.agreementCreateSchema), (req, res) => change(req, res, 201, (ctx) => createAgreement(ctx, req.body)));
  r.get('/admin/agreements/:id', admin, async (req, res) => void res.json(await getAgreement(db, p(req, 'id'))));
  r.patch('/admin/agreements/:id', admin, validateBody(s.agreementPatchSchema), (req, res) => change(req, res, 200, (ctx) => updateAgreement(ctx, p(req, 'id'), req.body)));
  r.delete('/admin/agreements/:id', admin, (req, res) => change(req, res, 204, (ctx) => deleteAgreement(ctx, p(req, 'id'))));

  r.get('/admin/users', admin, list(ops['/api/v1/admin/users'].get), async (req, res) => void res.json(await listUserRecords(db, validQuery(req))));
  r.post('/admin/users', admin, validateBody(s.userCreateSchema), (req, res) => change(req, res, 201, (ctx) => createUser(ctx, req.body)));
  r.get('/admin/users/:login', admin, async (req, res) => void res.json(await getUser(db, p(req, 'login'))));
  r.patch('/admin/users/:login', admin, validateBody(s.userPatchSchema), (req, res) => change(req, res, 200, (ctx) => updateUser(ctx, p(req, 'login'), req.body)));
  r.delete('/admin/users/:login', admin, (req, res) => change(req, res, 200, (ctx) => updateUser(ctx, p(req, 'login'), { active: false })));

  r.get('/admin/registry', admin, async (_req, res) => void res.json(await exportRegistry(db)));
  const applyQuery = validateQuery(ops['/api/v1/admin/registry/apply'].post, { closed: true });
  r.post('/admin/registry/apply', admin, applyQuery, validateBody(s.registryDocumentSchema), async (req, res) => {
    const { dryRun } = validQuery<{ dryRun: boolean }>(req);
    const { result } = await inChange(deps, by(req), (ctx) => applyRegistry(ctx, req.body as RegistryDocument), { dryRun });
    send(res, 200, { dryRun, changes: result.changes, issued: dryRun ? [] : result.issued });
  });
  return r;
}
