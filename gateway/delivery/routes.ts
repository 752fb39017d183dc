import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import type { GatewayConfig } from '../config';
import { principalOf } from '../http/auth';
import { validateBody, validateQuery, validQuery } from '../http/validate';
import { actorName } from '../registry/principal';
import { allow } from '../registry/permissions';
import { filterOf, listDeadLetters, replayMatching, replayOne, type DeadLetterFilterParams } from './dead-letters';
import { deliveryPaths, replayFilterSchema } from './openapi';
import { deliveryStatus, type DeliveryStatusQuery } from './status';
import { ownDeliveryStatus } from './own-status';
import { testWebhook } from './webhook-test';
import { webhookSigner } from './webhook-signer';

/** Outbox administration (admin role): dead letters and their replay, the outbox per member, webhook tests; and a department's own outbox. */
export function deliveryAdminRoutes(
  deps: Pick<GatewayDeps, 'store' | 'clock' | 'delivery' | 'trust' | 'adapters'> & {
    config: { trust: Pick<GatewayConfig['trust'], 'logHashAlg'>; delivery: Pick<GatewayConfig['delivery'], 'requestTimeoutMs'> };
  },
): Router {
  const r = Router();
  const alg = deps.config.trust.logHashAlg;
  const ops = deliveryPaths();

  const listQuery = validateQuery(ops['/api/v1/admin/dead-letters'].get, { closed: true, detail: 'the dead-letter filter is not valid' });
  r.get('/admin/dead-letters', allow('deadLetters.read'), listQuery, async (req, res) => {
    const { after, limit, ...filter } = validQuery<DeadLetterFilterParams & { after?: string; limit: number }>(req);
    res.json(await listDeadLetters(deps.store, filterOf(filter), after, limit));
  });

  r.post('/admin/dead-letters/:id/replay', allow('deadLetters.replay'), async (req, res) => {
    const by = actorName(principalOf(req));
    const id = await replayOne(deps.store, alg, String(req.params.id), deps.clock.now(), by);
    req.ctx.log.info({ message: id, by }, 'dead letter replayed');
    deps.delivery.wake();
    res.json({ replayed: 1, ids: [id] });
  });

  const replayBody = validateBody(replayFilterSchema, { detail: 'the dead-letter filter is not valid' });
  r.post('/admin/dead-letters/replay', allow('deadLetters.replay'), replayBody, async (req, res) => {
    const { limit = replayFilterSchema.properties.limit.default, ...filter } = req.body as DeadLetterFilterParams & { limit?: number };
    const by = actorName(principalOf(req));
    const ids = await replayMatching(deps.store, alg, filterOf(filter), limit, deps.clock.now(), by);
    req.ctx.log.info({ count: ids.length, filter, by }, 'dead letters replayed');
    if (ids.length) deps.delivery.wake();
    res.json({ replayed: ids.length, ids });
  });

  const statusQuery = validateQuery(ops['/api/v1/admin/delivery'].get, { closed: true });
  r.get('/admin/delivery', allow('delivery.read'), statusQuery, async (req, res) => {
    res.json(await deliveryStatus(deps.store, validQuery<DeliveryStatusQuery>(req), deps.clock.now()));
  });

  r.get('/delivery/status', allow('delivery.own'), validateQuery(ops['/api/v1/delivery/status'].get, { closed: true }), async (req, res) => {
    res.json(await ownDeliveryStatus(deps.store, principalOf(req).member, deps.clock.now()));
  });

  const sign = webhookSigner(() => deps.trust.logSigner, deps.clock);
  r.post('/admin/members/:code/webhook/test', allow('webhooks.test'), async (req, res) => {
    const code = String(req.params.code);
    // The member's bound adapter config (its registry adapterConfig with adapters.<code> over it), as the outbox reads it;
    // not its connection, which has no push transport while the webhook is inactive (a test may come before it is switched on).
    const batch = Number(deps.adapters.configOf(code)?.batchMax ?? 1) > 1;
    const result = await testWebhook({ db: deps.store, clock: deps.clock, sign, timeoutMs: deps.config.delivery.requestTimeoutMs, batch }, code);
    req.ctx.log.info({ member: result.member, ok: result.ok, httpStatus: result.httpStatus, latencyMs: result.latencyMs, by: actorName(principalOf(req)) }, 'webhook tested');
    res.json(result);
  });

  return r;
}
