/**
 * Building blocks shared by every part of the OpenAPI document (http/openapi.ts,
 * http/openapi-components.ts, and each feature's openapi.ts) and by the route
 * contracts (http/validate.ts reads an operation's parameters).
 */
import type { ErrorCode } from '../errors';

export type Json = Record<string, unknown>;

/** One operation as the areas describe it; http/openapi.ts turns it into OpenAPI. */
export interface Op {
  tag: string;
  id: string;
  summary: string;
  description?: string;
  /** No bearer token needed. */
  public?: boolean;
  params?: Json[];
  body?: { schema: Json; required?: boolean; description?: string; mediaType?: string; examples?: Record<string, { summary: string; value: unknown }> };
  /** Success responses by status. */
  ok: Record<string, Json>;
  errors?: ErrorCode[];
}

/** `Record<T, true>` forces every member of a string union to be listed (and nothing else). */
export const keysOf = <T extends string>(all: Record<T, true>): T[] => Object.keys(all) as T[];

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

export const reqId = { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } };

export const json = (description: string, schema: Json, headers: Json = {}): Json => ({
  description,
  headers: { ...reqId, ...headers },
  content: { 'application/json': { schema } },
});

export const pathParam = (name: string, description: string, schema: Json = { type: 'string' }, example?: string): Json => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
  ...(example ? { example } : {}),
});

export const query = (name: string, description: string, schema: Json, required = false): Json => ({ name, in: 'query', required, description, schema });

/** The keyset pagination parameters of a list (API conventions): `after` and `limit`. */
export const pageParams = (): Json[] => [
  query('after', 'the `next` cursor of the previous page', { type: 'string' }),
  query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
];

/** A 32-byte hash (SHA-256 or SM3) in lowercase hex. */
/** The keyset pagination parameters of a list (API-CONVENTIONS: `after` cursor, `limit` 1–500, default 50). */
export const keysetParams = (cursorMaxLength = 64): Json[] => [
  query('after', 'the `next` cursor of the previous page', { type: 'string', maxLength: cursorMaxLength }),
  query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
];
/** `from` / `to` day bounds (YYYY-MM-DD, Asia/Shanghai, inclusive) on what a list's rows `happened` (e.g. 'accepted'). */
export const dayRangeParams = (happened: string): Json[] => [
  query('from', `${happened} on or after this day, Asia/Shanghai`, { type: 'string', format: 'date' }),
  query('to', `${happened} on or before this day, Asia/Shanghai`, { type: 'string', format: 'date' }),
];
export const hash32 = (description: string): Json => ({ type: 'string', description: `${description} (32 bytes, lowercase hex)`, pattern: '^[0-9a-f]{64}$' });

export const str = (description: string, extra: Json = {}): Json => ({ type: 'string', description, ...extra });
export const time = (description: string): Json => str(`${description} (RFC 3339 with offset, e.g. 2026-03-02T09:30:00+08:00)`, { format: 'date-time' });
export const nullable = (s: Json): Json => ({ ...s, type: [s.type as string, 'null'] });
export const count = (description: string, minimum = 0): Json => ({ type: 'integer', minimum, description });
export const pem = (description: string): Json => str(description, { pattern: '^-----BEGIN ' });
export const page = (item: Json, description: string): Json => ({
  type: 'object',
  description,
  required: ['items', 'next'],
  properties: {
    items: { type: 'array', items: item },
    next: { type: ['string', 'null'], description: 'opaque cursor for `?after=`; null on the last page' },
  },
});
