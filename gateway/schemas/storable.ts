import { GatewayError, type FieldError } from '../errors';

/**
 * What PostgreSQL cannot store, found before a request can reach a write (and so
 * before it could share a group commit with other senders' requests and fail it):
 * U+0000 in any string or key (text and jsonb refuse it), a UTF-16 surrogate
 * that is not half of a pair (not encodable in UTF-8; jsonb refuses "\ud800"),
 * and nesting deeper than MAX_JSON_DEPTH (jsonb input and every recursive step
 * of ours — ajv, canonical JSON — are bounded by the stack).
 */
export const MAX_JSON_DEPTH = 64;

/** Any U+0000 or surrogate code unit: the rare case that needs a closer look. */
const SUSPECT = /[\u0000\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null. */
export function unstorableText(s: string): string | null {
  if (!SUSPECT.test(s)) return null;
  if (s.includes('\u0000')) return 'contains U+0000, which cannot be stored';
  const lone = LONE_SURROGATE.exec(s);
  return lone ? `contains a lone UTF-16 surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()}), which is not a character` : null;
}

const token = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** The first string, key or nesting level under `value` that cannot be stored, as a field error with its JSON pointer below `at`. */
export function findUnstorable(value: unknown, at = ''): FieldError | null {
  const found = walk(value, 0);
  return found ? { pointer: at + found.path.reverse().map((k) => `/${token(k)}`).join(''), message: found.message } : null;
}

/** The hot path builds no pointer: the path (leaf first) is collected on the way back from a find only. */
function walk(value: unknown, depth: number): { path: string[]; message: string } | null {
  if (typeof value === 'string') {
    const why = SUSPECT.test(value) ? unstorableText(value) : null;
    return why ? { path: [], message: why } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (depth >= MAX_JSON_DEPTH) return { path: [], message: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], depth + 1);
      if (found) return found.path.push(String(i)), found;
    }
    return null;
  }
  for (const k in value) {
    const why = SUSPECT.test(k) ? unstorableText(k) : null;
    if (why) return { path: [k], message: `is a property name that ${why}` };
    const found = walk((value as Record<string, unknown>)[k], depth + 1);
    if (found) return found.path.push(k), found;
  }
  return null;
}

/** Throws GW_ERR_REQUEST_UNSTORABLE (422) naming the field, if anything under `value` cannot be stored. */
export function assertStorable(value: unknown, at = '', what = 'the request body'): void {
  const found = findUnstorable(value, at);
  if (found) throw new GatewayError('GW_ERR_REQUEST_UNSTORABLE', `${what} holds a value that cannot be stored`, { errors: [found] });
}
