import pino, { type Logger, type DestinationStream } from 'pino';
import { maskPersonalData } from './schemas/identifiers';

export type { Logger };

/** A field or query parameter name that holds a secret (token, password, secret, API key, cookie, authorization …). */
export const SECRET_NAME = /token|passw|pwd|secret|api[-_]?key|^key$|private[-_]?key|credential|authorization|cookie|^auth$/i;

const REDACTED = '[REDACTED]';
/** Secrets inside text: our bearer tokens, a Bearer/Basic header value, secret-named URL parameters. */
const maskSecrets = (text: string): string =>
  text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(/\b(xg[su]_)[A-Za-z0-9_-]+/g, `$1${REDACTED}`)
    .replace(/([?&]([^=&#\s]*)=)([^&#\s]*)/g, (m, head: string, name: string) => (SECRET_NAME.test(decodeURIComponentSafe(name)) ? head + REDACTED : m));

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const maskText = (text: string): string => maskPersonalData(maskSecrets(text));

function maskDeep(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return maskText(v);
  if (depth > 6 || !v || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, depth + 1));
  if (v instanceof Error) return { type: v.name, message: maskText(v.message), stack: v.stack && maskText(v.stack) };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_NAME.test(k) && x !== null && x !== undefined ? REDACTED : maskDeep(x, depth + 1);
  return out;
}

/**
 * Structured JSON logs. Every string that reaches a log line passes the masks:
 * secrets (fields named like one, tokens, secret URL parameters) are redacted and
 * personal data (ID numbers, mobile numbers) masked, whatever field they are in.
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
          method.apply(this, args.map((a) => (typeof a === 'string' ? maskText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
