import { postWebhook } from './webhook';
import type { Adapter, AdapterConnection, BindContext } from '../types';

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
      },
    },
    toReceiver: () => null,
    services: [],
    bind(ctx: BindContext): AdapterConnection {
      const { member } = ctx;
      if (member.deliveryMode === 'push' && !member.webhookUrl) throw new Error(`member ${member.code}: push delivery needs a webhook URL`);
      const timeoutMs = (ctx.config.requestTimeoutMs as number | undefined) ?? ctx.requestTimeoutMs;
      return {
        deliver:
          member.deliveryMode === 'push'
            ? async (m, attempt) => {
                const url = ctx.current().webhookUrl;
                return url ? postWebhook(url, m, attempt, { timeoutMs, sign: ctx.signRequest }) : { ok: false, error: `member ${member.code} has no webhook URL`, durationMs: 0 };
              }
            : undefined,
        leaseMs: () => timeoutMs + 1_000,
        circuit: () => null,
        close: async () => undefined,
      };
    },
  };
}
