import pino, { type Logger, type DestinationStream } from 'pino';
import { maskPersonalData } from './schemas/identifiers';

export type { Logger };

function maskDeep(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return maskPersonalData(v);
  if (depth > 6 || !v || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, depth + 1));
  if (v instanceof Error) return { type: v.name, message: maskPersonalData(v.message), stack: v.stack && maskPersonalData(v.stack) };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = maskDeep(x, depth + 1);
  return out;
}

/**
 * Structured JSON logs. Every string that reaches a log line passes the personal
 * data mask (ID numbers, mobile numbers), whatever field it is in.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'xgw' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? maskPersonalData(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
