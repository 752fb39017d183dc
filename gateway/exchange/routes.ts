import { Router } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { principalOf } from '../http/auth';
import { allow } from '../registry/permissions';
import { preparePush, pushDeps } from './push';
import { acknowledge, getMessage, pullInbox } from './messages';
import { parseLimit } from './cursor';
import type { MessageStatus } from './types';
import { ARRIVAL, messageLifecycle } from './lifecycle';

const STATUSES = messageLifecycle.statuses;

export function exchangeRoutes(deps: GatewayDeps): Router {
  const r = Router();

  r.post('/messages', allow('exchange.push'), async (req, res) => {
    const principal = principalOf(req);
    const msg = preparePush(pushDeps(deps), principal, req.body);
    const out = await deps.writer.submit(msg);
    if (out.outcome === 'conflict') {
      throw new GatewayError(
        'GW_ERR_EXCHANGE_DUPLICATE_CONFLICT',
        `messageId "${msg.messageId}" was used for message ${out.existingId} with a different content`,
      );
    }
    if (out.outcome === 'created') {
      deps.metrics.messages.inc({ type: msg.type, status: ARRIVAL.status });
      req.ctx.log.info({ message: msg.id, to: msg.receiver, type: msg.type, caseId: msg.caseId }, 'message accepted');
    }
    res.status(out.outcome === 'created' ? 202 : 200).location(`/api/v1/messages/${out.receipt.id}`).json(out.receipt);
  });

  r.get('/messages/:id', allow('exchange.read'), async (req, res) => {
    res.json(await getMessage(deps.store, principalOf(req), String(req.params.id)));
  });

  r.post('/messages/:id/ack', allow('exchange.ack'), async (req, res) => {
    const body = req.body as { result?: unknown; reason?: unknown } | undefined;
    const errors = [];
    if (!body || (body.result !== 'accepted' && body.result !== 'rejected')) errors.push({ pointer: '/result', message: 'must be "accepted" or "rejected"' });
    if (body?.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 2000)) {
      errors.push({ pointer: '/reason', message: 'must be a string of at most 2000 characters' });
    }
    if (body?.result === 'rejected' && !body.reason) errors.push({ pointer: '/reason', message: 'a rejection needs a reason' });
    if (errors.length) throw new GatewayError('GW_ERR_REQUEST_INVALID', 'the acknowledgement is not valid', { errors });
    const view = await acknowledge(deps.store, deps.clock, deps.config.trust.logHashAlg, deps.trust, principalOf(req), String(req.params.id), {
      result: body!.result as 'accepted' | 'rejected',
      reason: body!.reason as string | undefined,
    });
    deps.metrics.messages.inc({ type: view.type, status: view.status });
    res.json(view);
  });

  r.get('/inbox', allow('exchange.pull'), async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.status !== undefined && !STATUSES.includes(q.status as MessageStatus)) {
      throw new GatewayError('GW_ERR_REQUEST_INVALID', `status must be one of ${STATUSES.join(', ')}`, { errors: [{ pointer: '/status', message: 'unknown status' }] });
    }
    res.json(
      await pullInbox(deps.store, deps.clock, deps.config.trust.logHashAlg, principalOf(req), {
        after: q.after,
        limit: parseLimit(q.limit),
        type: q.type,
        status: q.status as MessageStatus | undefined,
      }),
    );
  });

  return r;
}
