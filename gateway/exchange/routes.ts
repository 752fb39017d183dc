import { Router, type Request, type Response } from 'express';
import type { GatewayDeps } from '../deps';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { principalOf } from '../http/auth';
import { validateBody, validateQuery, validQuery } from '../http/validate';
import { allow } from '../registry/permissions';
import { preparePush, type PushDeps } from './push';
import { acknowledge, getMessage, pullInbox, type InboxQuery } from './messages';
import { ackRequestSchema, exchangePaths } from './openapi';
import { ARRIVAL } from './lifecycle';
import { listMailbox, type MailboxQuery } from './mailbox';
import { refusingClassified } from '../documents/workflow';
import { answerJson } from '../http/answer';

export type ExchangeRouteDeps = Pick<GatewayDeps, 'store' | 'archive' | 'clock' | 'trust' | 'writer' | 'metrics' | 'schemas' | 'log'> & {
  config: { trust: Pick<GatewayConfig['trust'], 'logHashAlg'> };
  /** The push checks' view of the gateway (deps.ts pushDeps). */
  push: PushDeps;
};

/**
 * POST /api/v1/messages after authentication and the permission check. The envelope is checked by
 * preparePush (inbound SOAP pushes go through it too). Served by the router below and, for the usual
 * request, by http/lean-route.ts in front of Express (the same steps, in the same order).
 */
export function pushHandler(deps: ExchangeRouteDeps): (req: Request, res: Response) => Promise<void> {
  const alg = deps.config.trust.logHashAlg;
  // Asked once, as http/ops.ts does: below info, a push builds no child logger (req.ctx.log) just to drop the line.
  const logAccepted = deps.log.isLevelEnabled('info');
  const classified = { store: deps.store, clock: deps.clock, alg };
  return async (req, res) => {
    const principal = principalOf(req);
    // a classified 公文 leaves one trace: the refusal in the log (documents/workflow.ts)
    const msg = await refusingClassified(classified, principal, 'push', () => preparePush(deps.push, principal, req.body));
    const out = await deps.writer.submit(msg);
    if (out.outcome === 'conflict') {
      throw new GatewayError(
        'GW_ERR_EXCHANGE_DUPLICATE_CONFLICT',
        `messageId "${msg.messageId}" was used for message ${out.existingId} with a different content`,
      );
    }
    if (out.outcome === 'created') {
      deps.metrics.messages.inc({ type: msg.type, status: ARRIVAL.status });
      if (logAccepted) req.ctx.log.info({ message: msg.id, to: msg.receiver, type: msg.type, caseId: msg.caseId }, 'message accepted');
    }
    // Node's own methods: the lean push route answers outside Express.
    answerJson(res, out.outcome === 'created' ? 202 : 200, out.receipt, { Location: `/api/v1/messages/${out.receipt.id}` });
  };
}

export function exchangeRoutes(deps: ExchangeRouteDeps): Router {
  const r = Router();
  const ops = exchangePaths(deps.schemas.types());
  const alg = deps.config.trust.logHashAlg;
  r.post('/messages', allow('exchange.push'), pushHandler(deps));

  r.get('/messages', allow('exchange.read'), validateQuery(ops['/api/v1/messages'].get), async (req, res) => {
    res.json(await listMailbox(deps.store, principalOf(req), validQuery<MailboxQuery>(req)));
  });

  r.get('/messages/:id', allow('exchange.read'), async (req, res) => {
    res.json(await getMessage(deps.store, deps.archive, principalOf(req), String(req.params.id)));
  });

  r.post('/messages/:id/ack', allow('exchange.ack'), validateBody(ackRequestSchema, { detail: 'the acknowledgement is not valid' }), async (req, res) => {
    const body = req.body as { result: 'accepted' | 'rejected'; reason?: string };
    const view = await acknowledge(deps.store, deps.archive, deps.clock, alg, deps.trust, principalOf(req), String(req.params.id), { result: body.result, reason: body.reason });
    deps.metrics.messages.inc({ type: view.type, status: view.status });
    res.json(view);
  });

  r.get('/inbox', allow('exchange.pull'), validateQuery(ops['/api/v1/inbox'].get), async (req, res) => {
    const q = validQuery<InboxQuery>(req);
    res.json(await pullInbox(deps.store, deps.archive, deps.clock, alg, principalOf(req), { after: q.after, limit: q.limit, type: q.type, status: q.status }));
  });

  return r;
}
