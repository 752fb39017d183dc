import { errorText } from './errors-zh';

/** An answer of the gateway that is not 2xx: its problem+json in Chinese, with the request id for support. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    readonly requestId: string | null,
    /** Validation errors: JSON pointers into the request body (`/uscc`) with the gateway's message. */
    readonly errors: { pointer: string; message: string }[] = [],
  ) {
    super(errorText(code, status));
  }
}

let csrfToken = '';
let onUnauthorized: (() => void) | null = null;

export const setCsrfToken = (t: string) => void (csrfToken = t);
export const whenUnauthorized = (f: () => void) => void (onUnauthorized = f);

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The console talks to the same public API as department systems (/api/v1), authenticated by
 * the HttpOnly session cookie; every state-changing call carries X-CSRF-Token.
 */
export function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body === undefined ? undefined : { type: 'application/json', data: JSON.stringify(body) });
}

/** A POST whose body is not JSON (text/plain import, an attachment file streamed as is). */
export function apiRaw<T>(path: string, type: string, data: string | Blob): Promise<T> {
  return request<T>('POST', path, { type, data });
}

async function request<T>(method: Method, path: string, body?: { type: string; data: string | Blob }): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = body.type;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', body: body?.data });
  } catch {
    throw new ApiError(0, undefined, undefined, null);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const p = (data ?? {}) as { code?: string; detail?: string; requestId?: string; errors?: { pointer: string; message: string }[] };
    const err = new ApiError(res.status, p.code, p.detail, p.requestId ?? res.headers.get('x-request-id'), p.errors ?? []);
    if (res.status === 401 && !path.startsWith('/auth/login') && onUnauthorized) onUnauthorized();
    throw err;
  }
  return data as T;
}

/** A query string from the set values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
