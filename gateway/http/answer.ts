import type { ServerResponse } from 'node:http';

/**
 * A JSON answer written with Node's own response methods: what Express's
 * `res.status(s).json(body)` sends with this app's settings (no ETag, no spaces, UTF-8),
 * for the routes served in front of Express too (http/lean-route.ts).
 */
export function answerJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>, mediaType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  if (headers) for (const k in headers) res.setHeader(k, headers[k]!);
  res.setHeader('Content-Type', `${mediaType}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
