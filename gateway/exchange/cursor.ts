import { GatewayError } from '../errors';

/** Opaque list cursors: base64url of "v1:<seq>". Never offsets. */
export const encodeCursor = (seq: number): string => Buffer.from(`v1:${seq}`).toString('base64url');

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const m = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new GatewayError('GW_ERR_LIST_BAD_CURSOR', 'use the "next" value of a previous page');
  return Number(m[1]);
}

export function parseLimit(raw: unknown, def = 50, max = 500): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new GatewayError('GW_ERR_REQUEST_INVALID', `limit must be a whole number from 1 to ${max}`, {
      errors: [{ pointer: '/limit', message: `1..${max}` }],
    });
  }
  return n;
}

/** Keyset cursors on a text key (registry lists: codes, logins, ids): base64url of "k1:<key>". */
export const encodeKeyCursor = (key: string): string => Buffer.from(`k1:${key}`).toString('base64url');

export function decodeKeyCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^k1:(.{1,200})$/s.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new GatewayError('GW_ERR_LIST_BAD_CURSOR', 'use the "next" value of a previous page');
  return m[1]!;
}

/** One page of a keyset list: `limit + 1` rows were read; the extra one says there is a next page. */
export function keyPage<T>(rows: T[], limit: number, keyOf: (x: T) => string): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? encodeKeyCursor(keyOf(items[items.length - 1]!)) : null };
}
