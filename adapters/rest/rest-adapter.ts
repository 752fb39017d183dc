import { postWebhook, postWebhookBatch } from './webhook';
import type { Adapter, AdapterConnection, BindContext } from '../types';

/** The most messages one webhook request may carry (config batchMax). */
export const MAX_BATCH = 100;

/**
 * The JSON transport shared by REST members: our JSON as is (no conversion),
 * delivered by webhook push (POST with Idempotency-Key) or pulled from the inbox,
 * as the member's delivery mode says.
 */
export function restAdapter(a: { name: string; version: string; title: string; delivers: string[] }): Adapter {
  return {
    ...a,
    mappingVersion: 'identity',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        requestTimeoutMs: { type: 'integer', minimum: 100, maximum: 120_000, description: 'webhook timeout (default: delivery.requestTimeoutMs)' },
        batchMax: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_BATCH,
          description: 'messages per webhook request: 1 (the default) posts each message on its own (WebhookMessage); more posts up to this many in one signed WebhookBatch',
        },
      },
    },
    toReceiver: () => null,
    services: [],
    bind(ctx: BindContext): AdapterConnection {
      const { member } = ctx;
      if (member.deliveryMode === 'push' && !member.webhookUrl) throw new Error(`member ${member.code}: push delivery needs a webhook URL`);
      const timeoutMs = (ctx.config.requestTimeoutMs as number | undefined) ?? ctx.requestTimeoutMs;
      const batchMax = (ctx.config.batchMax as number | undefined) ?? 1;
      const push = member.deliveryMode === 'push';
      const noUrl = { ok: false, error: `member ${member.code} has no webhook URL`, durationMs: 0 };
      return {
        deliver: push
          ? async (m, attempt) => {
              const url = ctx.current().webhookUrl;
              return url ? postWebhook(url, m, attempt, { timeoutMs, sign: ctx.signRequest }) : noUrl;
            }
          : undefined,
        batch:
          push && batchMax > 1
            ? {
                max: batchMax,
                deliver: async (items) => {
                  const url = ctx.current().webhookUrl;
                  return url ? postWebhookBatch(url, items, { timeoutMs, sign: ctx.signRequest }) : noUrl;
                },
              }
            : undefined,
        leaseMs: () => timeoutMs + 1_000,
        circuit: () => null,
        close: async () => undefined,
      };
    },
  };
}
